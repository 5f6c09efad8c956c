import { describe, expect, it } from 'vitest';
import { GOBOX, HELLO, makeModule } from '../helpers/gobox.js';
import { shared } from '../helpers/env.js';
import { typeIntoTty } from '../helpers/tty.js';

/** `gobox shell` on a real pseudo-terminal, typed into once the prompt shows. */
function shellWithTty(cwd: string, typed: string): Promise<{ code: number | null; screen: string }> {
  const env = { PATH: process.env.PATH, GOBOX_STATE_DIR: shared.stateDir, TERM: 'xterm', HOME: '/root' };
  return typeIntoTty(`${process.execPath} ${GOBOX} shell`, cwd, env, typed);
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
