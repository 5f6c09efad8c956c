import { describe, expect, it } from 'vitest';
import { encodeFrame, FrameDecoder, HeaderReader, MAX_HEADER_BYTES, parseRequest } from './protocol.js';
import { forbiddenReason } from './path-rules.js';

describe('daemon protocol', () => {
  it('drops claimed identity fields and validates the rest', () => {
    const r = parseRequest(JSON.stringify({ v: 1, op: 'run', cwd: '/tmp/x', command: ['id'], uid: 0, user: 'root', image: 'evil', mounts: ['/'] }));
    expect(r).not.toHaveProperty('uid');
    expect(r).not.toHaveProperty('image');
    expect(() => parseRequest('garbage')).toThrow('request is not valid JSON');
    expect(() => parseRequest(JSON.stringify({ v: 1, op: 'run', cwd: 'rel', command: ['id'] }))).toThrow(/cwd: expected an absolute path/);
    expect(() => parseRequest(JSON.stringify({ v: 1, op: 'run', cwd: '/x', command: ['id'], env: { LD_PRELOAD: '/x.so' } }))).toThrow(/invalid request/);
    expect(() => parseRequest(JSON.stringify({ v: 1, op: 'run', cwd: '/x', command: ['id'], limits: { privileged: true } }))).toThrow(/invalid request/);
  });

  it('limits the request line and frame sizes', () => {
    const h = new HeaderReader();
    expect(() => h.push(Buffer.alloc(MAX_HEADER_BYTES + 1, 65))).toThrow(/larger than/);
    const d = new FrameDecoder();
    const both = Buffer.concat([encodeFrame(1, 'ab'), encodeFrame(2)]);
    expect(d.push(both.subarray(0, 4))).toEqual([]);
    expect(d.push(both.subarray(4)).map((f) => [f.type, f.payload.toString()])).toEqual([[1, 'ab'], [2, '']]);
    expect(() => new FrameDecoder().push(Buffer.from([1, 255, 255, 255, 255]))).toThrow(/exceeds/);
  });
});

describe('project path rules', () => {
  const ctx = { ownHome: '/home/ann', otherHomes: ['/home/bob', '/root', '/usr/sbin'], extra: ['/var/lib/gobox'] };
  it('refuses system paths, their parents, and other homes', () => {
    for (const p of ['/', '/etc', '/etc/ssl', '/proc/1', '/run', '/var', '/home', '/home/bob/src', '/var/lib/docker/volumes', '/usr']) {
      expect(forbiddenReason(p, ctx), p).toBeDefined();
    }
    for (const p of ['/home/ann/src', '/tmp/work', '/srv/projects/x']) expect(forbiddenReason(p, ctx), p).toBeUndefined();
  });
});
