import { describe, expect, it } from 'vitest';
import { encodeFrame, FrameDecoder, HeaderReader, MAX_HEADER_BYTES, parseRequest } from '../wire/daemon-request.js';
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

  it('takes a jail action with its build flags, and no out dir that is not absolute', () => {
    const r = parseRequest(JSON.stringify({ v: 1, op: 'jail', cwd: '/x', command: ['jail', 'build'], jail: { action: 'build', out: '/x/out', flags: ['-ldflags=-s'], packages: ['./cmd/a'] } }));
    // Not verify's rebuild unless it says so; and then the daemon picks the uid, never the request.
    expect(r.jail).toEqual({ action: 'build', out: '/x/out', flags: ['-ldflags=-s'], packages: ['./cmd/a'], rebuild: false });
    expect(parseRequest(JSON.stringify({ v: 1, op: 'jail', cwd: '/x', command: ['jail'], jail: { action: 'build', rebuild: true } })).jail?.rebuild).toBe(true);
    expect(() => parseRequest(JSON.stringify({ v: 1, op: 'jail', cwd: '/x', command: ['jail'], jail: { action: 'build', rebuild: true, uid: 0 } }))).toThrow(/invalid request/);
    expect(() => parseRequest(JSON.stringify({ v: 1, op: 'jail', cwd: '/x', command: ['jail'], jail: { action: 'build', out: 'out' } }))).toThrow(/jail.out: expected an absolute path/);
    expect(() => parseRequest(JSON.stringify({ v: 1, op: 'jail', cwd: '/x', command: ['jail'], jail: { action: 'run' } }))).toThrow(/invalid request/);
    // A claimed stage or uid is no field of a jail request: refused, not dropped (strict).
    expect(() => parseRequest(JSON.stringify({ v: 1, op: 'jail', cwd: '/x', command: ['jail'], jail: { action: 'build', stage: '/etc' } }))).toThrow(/invalid request/);
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

  it('decodes frames however the stream is cut', () => {
    const big = Buffer.alloc(300_000, 7);
    const stream = Buffer.concat([encodeFrame(1, 'x'), encodeFrame(1, big), encodeFrame(3, 'SIGINT'), encodeFrame(2)]);
    for (const cut of [1, 3, 5, 4096, 65536, stream.length]) {
      const d = new FrameDecoder();
      const got: { type: number; payload: Buffer }[] = [];
      for (let at = 0; at < stream.length; at += cut) got.push(...d.push(stream.subarray(at, at + cut)));
      expect(got.map((f) => [f.type, f.payload.length]), `cut ${cut}`).toEqual([[1, 1], [1, big.length], [3, 6], [2, 0]]);
      expect(got[1]!.payload.equals(big)).toBe(true);
    }
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
