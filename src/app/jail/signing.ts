import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { KeyObject } from 'node:crypto';
import { ConfigError, errorMessage, UsageError } from '../../common/errors.js';
import type { HostConfig } from '../../config/schema.js';
import { EnvelopeSchema, keyId, privateKeyFromPem, publicKeyFromPem, signEnvelope, verifyEnvelope } from './dsse.js';

type Host = { file?: string; config: HostConfig };

/** A key file named in the host config, relative to the config file as its reader expects. */
async function readKey<T>(host: Host, field: string, file: string, parse: (pem: string) => T): Promise<T> {
  const full = path.resolve(host.file ? path.dirname(host.file) : process.cwd(), file);
  try {
    return parse(await readFile(full, 'utf8'));
  } catch (e) {
    throw new ConfigError(`${host.file ?? 'host config'}: ${field}: ${full}: ${(e as NodeJS.ErrnoException).code ?? errorMessage(e)}`, { hint: 'expected an ed25519 key in PEM' });
  }
}

/** The host's signing key, read before the build so a bad key costs no build. */
export async function signingKey(host: Host): Promise<KeyObject | undefined> {
  const file = host.config.jail?.signingKey;
  return file ? readKey(host, 'jail.signingKey', file, privateKeyFromPem) : undefined;
}

/** The envelope beside a provenance file: out/provenance.json -> out/provenance.dsse.json. */
export function envelopeFile(provenanceFile: string): string {
  return provenanceFile.replace(/\.json$/, '') + '.dsse.json';
}

/** The DSSE envelope of a record, as the bytes written beside it. */
export function envelopeBytes(bytes: Buffer, key: KeyObject): Buffer {
  return Buffer.from(JSON.stringify(signEnvelope(bytes, key), null, 2) + '\n');
}

export interface SignatureCheck {
  present: boolean;
  /** Trusted keys whose signature holds. */
  keyids: string[];
  problem?: string;
}

/** verify: a DSSE envelope beside the provenance is checked when present; its payload must be that very file. */
export async function checkSignature(host: Host, provenanceFile: string, bytes: Buffer): Promise<SignatureCheck> {
  const file = envelopeFile(provenanceFile);
  if (!existsSync(file)) return { present: false, keyids: [] };
  return checkEnvelope(host, { file, text: await readFile(file, 'utf8') }, provenanceFile, bytes);
}

/**
 * An envelope's text against the record's bytes and this host's keys. The daemon checks one its
 * user read for it: the user may not read the host's signing key, whose public half is trusted.
 */
export async function checkEnvelope(host: Host, envelope: { file: string; text: string }, provenanceFile: string, bytes: Buffer): Promise<SignatureCheck> {
  const file = envelope.file;
  let parsed: ReturnType<typeof EnvelopeSchema.safeParse>;
  try {
    parsed = EnvelopeSchema.safeParse(JSON.parse(envelope.text));
  } catch {
    throw new UsageError(`${file}: not JSON; a DSSE envelope was expected`);
  }
  if (!parsed.success) throw new UsageError(`${file}: not a DSSE envelope: ${parsed.error.issues[0]!.path.join('.')}: ${parsed.error.issues[0]!.message}`);
  const env = parsed.data;
  if (!Buffer.from(env.payload, 'base64').equals(bytes)) return { present: true, keyids: [], problem: `${file} signs another record than ${provenanceFile}` };
  const trusted: KeyObject[] = [];
  const sk = host.config.jail?.signingKey;
  if (sk) trusted.push(await readKey(host, 'jail.signingKey', sk, publicKeyFromPem));
  for (const [i, k] of (host.config.jail?.trustedKeys ?? []).entries()) trusted.push(await readKey(host, `jail.trustedKeys.${i}`, k, publicKeyFromPem));
  const ids = env.signatures.map((s) => s.keyid ?? '?').join(', ');
  if (trusted.length === 0) return { present: true, keyids: [], problem: `${file} is signed (key ${ids}), but this host trusts no key (jail.trustedKeys in the host config)` };
  const good = verifyEnvelope(env, trusted);
  if (good.length === 0) return { present: true, keyids: [], problem: `the signature in ${file} (key ${ids}) does not verify with any trusted key (${trusted.map(keyId).join(', ')})` };
  return { present: true, keyids: good };
}
