import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { execFailureRewriter, OutputCap } from './output-cap.js';

/** A target that records what reaches the caller. */
function sink(): { stream: Writable; text: () => string; bytes: () => number } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(Buffer.from(chunk));
      done();
    },
  });
  return { stream, text: () => Buffer.concat(chunks).toString('utf8'), bytes: () => Buffer.concat(chunks).length };
}

async function writeAll(w: Writable, chunks: (string | Buffer)[]): Promise<void> {
  for (const c of chunks) {
    await new Promise<void>((resolve, reject) => w.write(c, (err) => (err ? reject(err) : resolve())));
  }
}

describe('OutputCap', () => {
  it('forwards everything under the limit', async () => {
    let calls = 0;
    const cap = new OutputCap(100, () => calls++);
    const out = sink();
    await writeAll(cap.wrap(out.stream), ['hello ', 'world\n']);
    expect(out.text()).toBe('hello world\n');
    expect(cap.exceeded).toBe(false);
    expect(calls).toBe(0);
  });

  it('forwards exactly the limit without tripping', async () => {
    let calls = 0;
    const cap = new OutputCap(10, () => calls++);
    const out = sink();
    await writeAll(cap.wrap(out.stream), ['12345', '67890']);
    expect(out.bytes()).toBe(10);
    expect(cap.exceeded).toBe(false);
    expect(calls).toBe(0);
  });

  it('cuts at exactly the limit, calls onExceeded once and drops the rest', async () => {
    let calls = 0;
    const cap = new OutputCap(10, () => calls++);
    const out = sink();
    await writeAll(cap.wrap(out.stream), ['1234567', '89abcdef', 'more', 'and more']);
    expect(out.text()).toBe('123456789a');
    expect(cap.exceeded).toBe(true);
    expect(calls).toBe(1);
  });

  it('counts bytes, not characters', async () => {
    const cap = new OutputCap(4, () => {});
    const out = sink();
    await writeAll(cap.wrap(out.stream), [Buffer.from('ééé', 'utf8')]); // 6 bytes
    expect(out.bytes()).toBe(4);
    expect(cap.exceeded).toBe(true);
  });

  it('shares one budget across stdout and stderr', async () => {
    let calls = 0;
    const cap = new OutputCap(8, () => calls++);
    const out = sink();
    const err = sink();
    const wOut = cap.wrap(out.stream);
    const wErr = cap.wrap(err.stream);
    await writeAll(wOut, ['aaaaa']);
    await writeAll(wErr, ['bbbbb']);
    await writeAll(wOut, ['ccc']);
    await writeAll(wErr, ['ddd']);
    expect(out.text()).toBe('aaaaa');
    expect(err.text()).toBe('bbb');
    expect(out.bytes() + err.bytes()).toBe(8);
    expect(calls).toBe(1);
  });

  it('treats a limit of 0 as no limit', async () => {
    const cap = new OutputCap(0, () => {
      throw new Error('must not trip');
    });
    const out = sink();
    await writeAll(cap.wrap(out.stream), ['x'.repeat(10_000)]);
    expect(out.bytes()).toBe(10_000);
    expect(cap.exceeded).toBe(false);
  });

  it('applies the rewrite before counting', async () => {
    const cap = new OutputCap(3, () => {});
    const out = sink();
    await writeAll(cap.wrap(out.stream, (b) => Buffer.from(b.toString().toUpperCase())), ['abcdef']);
    expect(out.text()).toBe('ABC');
  });
});

describe('execFailureRewriter', () => {
  it('turns tini exec failure "No such file" into command not found', () => {
    const rw = execFailureRewriter();
    const out = rw(Buffer.from('[FATAL tini (7)] exec nosuch failed: No such file or directory\n')).toString();
    expect(out).toBe('gobox: nosuch: command not found in the sandbox\n');
  });

  it('keeps the rest of the chunk after the rewritten line', () => {
    const rw = execFailureRewriter();
    const out = rw(Buffer.from('[FATAL tini (12)] exec ./tool failed: No such file or directory\nnext line\n')).toString();
    expect(out).toBe('gobox: ./tool: command not found in the sandbox\nnext line\n');
  });

  it('says why other exec failures happen', () => {
    const rw = execFailureRewriter();
    const out = rw(Buffer.from('[FATAL tini (7)] exec /etc/passwd failed: Permission denied\n')).toString();
    expect(out).toBe('gobox: /etc/passwd: cannot execute in the sandbox: Permission denied\n');
  });

  it('leaves ordinary first chunks untouched', () => {
    const rw = execFailureRewriter();
    const chunk = Buffer.from('# example.com/foo\n./main.go:3:1: syntax error\n');
    expect(rw(chunk)).toBe(chunk);
  });

  it('only looks at the first chunk', () => {
    const rw = execFailureRewriter();
    rw(Buffer.from('ordinary\n'));
    const later = Buffer.from('[FATAL tini (7)] exec nosuch failed: No such file or directory\n');
    expect(rw(later)).toBe(later);
  });

  it('does not match tini text in the middle of a chunk', () => {
    const rw = execFailureRewriter();
    const chunk = Buffer.from('log: [FATAL tini (7)] exec nosuch failed: No such file or directory\n');
    expect(rw(chunk)).toBe(chunk);
  });
});

describe('execFailureRewriter across split frames', () => {
  it('rewrites tini\'s line even when it arrives in pieces', () => {
    const rewrite = execFailureRewriter();
    const parts = ['[FATAL ti', 'ni (7)] exec nosuch fai', 'led: No such file or directory\n'].map((p) => rewrite(Buffer.from(p)).toString());
    expect(parts.join('')).toBe('gobox: nosuch: command not found in the sandbox\n');
    expect(parts[0]).toBe('');
  });

  it('does not hold back ordinary stderr that has no newline yet', () => {
    const rewrite = execFailureRewriter();
    expect(rewrite(Buffer.from('Password: ')).toString()).toBe('Password: ');
    expect(rewrite(Buffer.from('[FATAL tini (7)] exec x failed: No such file or directory\n')).toString()).toContain('[FATAL tini');
  });
});

describe("execFailureRewriter: Podman's catatonit", () => {
  it('names the command catatonit does not, and reports the failure kind', () => {
    const kinds: string[] = [];
    const rewrite = execFailureRewriter('nosuch', (k) => kinds.push(k));
    const out = rewrite(Buffer.from('ERROR (catatonit:6): failed to exec pid1: No such file or directory\n')).toString();
    expect(out).toBe('gobox: nosuch: command not found in the sandbox\n');
    expect(kinds).toEqual(['not-found']);
  });
});

describe('execFailureRewriter: the gate of a Kubernetes pod', () => {
  it('says it in gobox\'s words, for a missing command and one that cannot run', () => {
    const kinds: string[] = [];
    const missing = execFailureRewriter('nosuch', (k) => kinds.push(k));
    expect(missing(Buffer.from('gobox-gate: 1: exec: nosuch: not found\n')).toString()).toBe('gobox: nosuch: command not found in the sandbox\n');
    const denied = execFailureRewriter('./x', (k) => kinds.push(k));
    expect(denied(Buffer.from('gobox-gate: 1: exec: ./x: Permission denied\n')).toString()).toBe('gobox: ./x: cannot execute in the sandbox: Permission denied\n');
    expect(kinds).toEqual(['not-found', 'not-executable']);
  });
});
