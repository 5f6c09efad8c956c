import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { GOBOX, HELLO, makeModule } from '../helpers/gobox.js';
import { shared } from '../helpers/env.js';

/** Runs `gobox shell` under a real pseudo-terminal (util-linux `script`), typing into it. */
function shellWithTty(cwd: string, typed: string): Promise<{ code: number | null; screen: string }> {
  return new Promise((resolve) => {
    const child = spawn('script', ['-qec', `${process.execPath} ${GOBOX} shell`, '/dev/null'], {
      cwd,
      env: { PATH: process.env.PATH, GOBOX_STATE_DIR: shared.stateDir, TERM: 'xterm', HOME: '/root' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let screen = '';
    child.stdout.on('data', (b: Buffer) => (screen += b.toString()));
    // Type only once the prompt is there, as a person would.
    const typeWhenReady = setInterval(() => {
      if (screen.includes('$ ')) {
        clearInterval(typeWhenReady);
        child.stdin.write(typed);
      }
    }, 100);
    child.on('close', (code) => {
      clearInterval(typeWhenReady);
      resolve({ code, screen });
    });
  });
}

describe('gobox shell', () => {
  it('gives an interactive shell on a TTY in the project, as the caller, and exits with its status', async () => {
    const owner = shared.users[0]!;
    const dir = makeModule(HELLO, owner);
    const r = await shellWithTty(dir, 'tty; id -u; pwd; go version; exit 3\n');
    expect(r.code).toBe(3);
    expect(r.screen).toMatch(/\/dev\/pts\/\d+/);
    expect(r.screen).toContain(`\n${owner.uid}\r`);
    expect(r.screen).toContain(`${dir}\r`);
    expect(r.screen).toContain(`go version go${shared.goNew}`);
  });
});
