import { describe, expect, it } from 'vitest';
import { GOBOX, HELLO, makeModule } from '../helpers/gobox.js';
import { shared } from '../helpers/env.js';
import { typeIntoTty } from '../helpers/tty.js';
import { cluster, podsWith } from './cluster.js';

describe('gobox shell on a Kubernetes cluster', () => {
  it('gives an interactive shell on a TTY in the pod, as the project\'s owner, with its exit status', async () => {
    const dir = makeModule(HELLO);
    const env = { PATH: process.env.PATH, GOBOX_STATE_DIR: shared.stateDir, GOBOX_AGENT: 'off', GOBOX_CONFIG: cluster.hostConfig, TERM: 'xterm', HOME: '/root' };
    const r = await typeIntoTty(`stty rows 33 cols 111; ${process.execPath} ${GOBOX} shell`, dir, env, 'echo "uid=$(id -u) tty=$(tty) size=$(stty size)"; exit 4\n');
    // The terminal's size reached the pod's TTY (the resize channel).
    expect(r.screen).toContain(`uid=${shared.users[0]!.uid} tty=/dev/pts/`);
    expect(r.screen).toMatch(/tty=\/dev\/pts\/\d+ size=33 111/);
    // The gate's handshake lines never reach the terminal.
    expect(r.screen).not.toContain('gobox-sync');
    expect(r.code).toBe(4);
    expect(await podsWith({ 'gobox.owner': String(shared.users[0]!.uid), 'gobox.kind': 'sandbox' })).toEqual([]);
  });
});
