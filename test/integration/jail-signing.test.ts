import { generateKeyPairSync } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { gobox } from '../helpers/gobox.js';
import { gitModule, jailUsers, STAMPED } from '../helpers/jail.js';
import { hostConfig } from '../fixtures/proxy/private-proxy.js';

function keyFiles(dir: string, name: string): { priv: string; pub: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const priv = path.join(dir, `${name}.key`);
  const pub = path.join(dir, `${name}.pub`);
  // Readable by the test user who builds: on a real host the signer is whoever holds the key.
  writeFileSync(priv, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o644 });
  writeFileSync(pub, publicKey.export({ type: 'spki', format: 'pem' }), { mode: 0o644 });
  return { priv, pub };
}

/** Issue 11, point 3: a DSSE envelope signed with the host's ed25519 key; verify checks it when present. */
describe('gobox jail: signed provenance', () => {
  let users: { name: string; uid: number; gid: number }[];
  beforeAll(() => {
    users = jailUsers();
  });

  it('signs the provenance with the host key, and verify accepts only a trusted, untouched signature', async () => {
    const a = users[0]!;
    const config = hostConfig('');
    const dir = path.dirname(config);
    chmodSync(dir, 0o755);
    const signer = keyFiles(dir, 'signer');
    const other = keyFiles(dir, 'other');
    writeFileSync(config, `jail:\n  signingKey: ${signer.priv}\n`);
    const trustsOther = hostConfig(`jail:\n  trustedKeys: [${other.pub}]\n`);
    chmodSync(path.dirname(trustsOther), 0o755);

    const src = gitModule(STAMPED, a);
    const b = await gobox(['jail', 'build'], { cwd: src, user: a.name, env: { GOBOX_CONFIG: config } });
    expect(b.stderr).toBe('');
    expect(b.code).toBe(0);
    const envFile = path.join(src, 'out', 'provenance.dsse.json');
    expect(b.stdout).toContain(`signed: ${envFile}\n`);
    const envelope = JSON.parse(readFileSync(envFile, 'utf8'));
    expect(envelope.payloadType).toBe('application/vnd.in-toto+json');
    expect(Buffer.from(envelope.payload, 'base64').equals(readFileSync(path.join(src, 'out', 'provenance.json')))).toBe(true);

    const ok = await gobox(['jail', 'verify', 'out/provenance.json'], { cwd: src, user: a.name, env: { GOBOX_CONFIG: config } });
    expect(ok.stderr).toBe('');
    expect(ok.stdout).toMatch(/^rebuilt as uid 65532 in a fresh jail\nsignature ok: key [0-9a-f]{64}\nok {2}stamped {2}[0-9a-f]{64}\n$/);
    expect(ok.code).toBe(0);

    // A host that trusts only another key: the signature is named as not verifying.
    const untrusted = await gobox(['jail', 'verify', 'out/provenance.json'], { cwd: src, user: a.name, env: { GOBOX_CONFIG: trustsOther } });
    expect(untrusted.code).toBe(1);
    expect(untrusted.stdout).toContain(`problem: the signature in ${envFile} (key ${envelope.signatures[0].keyid}) does not verify with any trusted key`);
    expect(existsSync(envFile)).toBe(true);
  }, 600_000);
});
