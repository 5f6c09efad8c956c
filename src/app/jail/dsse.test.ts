import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { keyId, pae, privateKeyFromPem, publicKeyFromPem, signEnvelope, verifyEnvelope, IN_TOTO_PAYLOAD_TYPE } from './dsse.js';

function pair() {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    priv: privateKeyFromPem(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()),
    pub: publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString()),
  };
}

describe('DSSE with ed25519', () => {
  it('encodes as the DSSE spec says', () => {
    expect(pae('http://example.com/HelloWorld', Buffer.from('hello world')).toString()).toBe('DSSEv1 29 http://example.com/HelloWorld 11 hello world');
  });

  it('signs and verifies; names the key by its public key', () => {
    const k = pair();
    const env = signEnvelope(Buffer.from('{"a":1}'), k.priv);
    expect(env.payloadType).toBe(IN_TOTO_PAYLOAD_TYPE);
    expect(env.signatures[0]!.keyid).toBe(keyId(k.pub));
    expect(verifyEnvelope(env, [k.pub])).toEqual([keyId(k.pub)]);
  });

  it('fails on another key, a changed payload, or a changed payload type', () => {
    const k = pair();
    const other = pair();
    const env = signEnvelope(Buffer.from('{"a":1}'), k.priv);
    expect(verifyEnvelope(env, [other.pub])).toEqual([]);
    expect(verifyEnvelope({ ...env, payload: Buffer.from('{"a":2}').toString('base64') }, [k.pub])).toEqual([]);
    expect(verifyEnvelope({ ...env, payloadType: 'text/plain' }, [k.pub])).toEqual([]);
  });

  it('refuses keys that are not ed25519', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    expect(() => privateKeyFromPem(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString())).toThrow(/ed25519 key is needed/);
  });
});
