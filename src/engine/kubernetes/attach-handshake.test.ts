import { describe, expect, it } from 'vitest';
import { AttachHandshake } from './attach-handshake.js';

describe('AttachHandshake', () => {
  it('opens once an answer is seen and drops the answers still on their way, split anywhere', async () => {
    const out: string[] = [];
    const h = new AttachHandshake((b) => out.push(b.toString()));
    expect([h.nextSync(), h.nextSync(), h.nextSync()]).toEqual(['sync 1\n', 'sync 2\n', 'sync 3\n']);
    // The answer to sync 1 was lost (not attached yet); 2 arrives, 3 follows after go.
    h.write(Buffer.from('gobox-sy'));
    h.write(Buffer.from('nc 2\n'));
    await h.seen;
    expect(h.go()).toBe('go\n');
    h.write(Buffer.from('gobox-sync'));
    h.write(Buffer.from(' 3\nhello, '));
    h.write(Buffer.from('sandbox\n'));
    expect(out.join('')).toBe('hello, sandbox\n');
  });

  it('never swallows output that only looks like the start of an answer', async () => {
    const out: string[] = [];
    const h = new AttachHandshake((b) => out.push(b.toString()));
    h.nextSync();
    h.nextSync();
    h.write(Buffer.from('gobox-sync 1\n'));
    await h.seen;
    h.go();
    h.write(Buffer.from('gobox-sync 2\ngobox-sync 9\n'));
    expect(out.join('')).toBe('gobox-sync 9\n');
  });
});
