import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { z } from '../../common/zod.js';

/** DSSE (Dead Simple Signing Envelope) around an in-toto statement, signed with ed25519. */
export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';

export const EnvelopeSchema = z.strictObject({
  payloadType: z.string().min(1),
  payload: z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'base64'),
  signatures: z.array(z.strictObject({ keyid: z.string().optional(), sig: z.string().min(1) })).min(1),
});
export type Envelope = z.infer<typeof EnvelopeSchema>;

/** DSSE's pre-authentication encoding: what is signed, so the type cannot be swapped. */
export function pae(payloadType: string, payload: Buffer): Buffer {
  const type = Buffer.from(payloadType, 'utf8');
  return Buffer.concat([Buffer.from(`DSSEv1 ${type.length} `), type, Buffer.from(` ${payload.length} `), payload]);
}

/** A key's id: the sha256 of its public key (SPKI DER), in hex. */
export function keyId(key: KeyObject): string {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return createHash('sha256').update(pub.export({ type: 'spki', format: 'der' })).digest('hex');
}

export function privateKeyFromPem(pem: string): KeyObject {
  const key = createPrivateKey(pem);
  if (key.asymmetricKeyType !== 'ed25519') throw new RangeError(`an ed25519 key is needed, not ${key.asymmetricKeyType ?? 'unknown'}`);
  return key;
}

export function publicKeyFromPem(pem: string): KeyObject {
  const key = pem.includes('PRIVATE KEY') ? createPublicKey(createPrivateKey(pem)) : createPublicKey(pem);
  if (key.asymmetricKeyType !== 'ed25519') throw new RangeError(`an ed25519 key is needed, not ${key.asymmetricKeyType ?? 'unknown'}`);
  return key;
}

export function signEnvelope(payload: Buffer, key: KeyObject): Envelope {
  const sig = sign(null, pae(IN_TOTO_PAYLOAD_TYPE, payload), key);
  return { payloadType: IN_TOTO_PAYLOAD_TYPE, payload: payload.toString('base64'), signatures: [{ keyid: keyId(key), sig: sig.toString('base64') }] };
}

/** The key ids of the trusted keys whose signature holds; empty when none does. */
export function verifyEnvelope(env: Envelope, trusted: KeyObject[]): string[] {
  if (env.payloadType !== IN_TOTO_PAYLOAD_TYPE) return [];
  const message = pae(env.payloadType, Buffer.from(env.payload, 'base64'));
  const good: string[] = [];
  for (const key of trusted) {
    for (const s of env.signatures) {
      if (verify(null, message, key, Buffer.from(s.sig, 'base64'))) {
        good.push(keyId(key));
        break;
      }
    }
  }
  return good;
}
