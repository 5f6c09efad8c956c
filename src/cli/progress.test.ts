import { Writable } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createProgress } from './progress.js';

/** A stand-in terminal: what was written, and the size it reports. */
function terminal(columns: number): NodeJS.WriteStream & { text: () => string } {
  let text = '';
  const s = new Writable({ write: (c: Buffer, _e, done) => ((text += c.toString()), done()) }) as unknown as NodeJS.WriteStream & { text: () => string };
  Object.assign(s, { isTTY: true, columns, text: () => text });
  return s;
}

describe('createProgress', () => {
  afterEach(() => vi.unstubAllEnvs());

  it('writes plain lines on a terminal that reports no width, instead of a spinner', () => {
    vi.stubEnv('CI', '');
    const t = terminal(0);
    const p = createProgress(t);
    p.start('Grading');
    p.notice('a: ok in 1s');
    p.succeed('graded 1 student(s)');
    expect(t.text()).toBe('gobox: Grading ...\ngobox: a: ok in 1s\ngobox: graded 1 student(s)\n');
  });

  it('writes plain lines in CI even on a terminal', () => {
    vi.stubEnv('CI', 'true');
    const t = terminal(120);
    createProgress(t).start('Pulling');
    expect(t.text()).toBe('gobox: Pulling ...\n');
  });
});
