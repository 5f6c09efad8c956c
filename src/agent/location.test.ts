import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { agentDir, agentDisabled, agentSocket, steeringFingerprint } from './location.js';

const uid = process.getuid?.() ?? 0;
const tmp = mkdtempSync(path.join(os.tmpdir(), 'gobox-agent-loc-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('agent socket location', () => {
  it('changes with the settings that steer gobox, not with per-run Go settings', () => {
    const base = { PATH: '/usr/bin', GOBOX_STATE_DIR: '/s', HOME: '/h' };
    const fp = steeringFingerprint(base);
    expect(steeringFingerprint({ ...base })).toBe(fp);
    expect(steeringFingerprint({ ...base, GOPROXY: 'https://proxy.example', GOBOX_GO: '1.22', GOBOX_PROFILE: 'jail', GOBOX_AGENT: 'on', TERM: 'xterm' })).toBe(fp);
    for (const change of [{ DOCKER_HOST: 'unix:///x.sock' }, { GOBOX_STATE_DIR: '/other' }, { PATH: '/bin' }, { XDG_CONFIG_HOME: '/c' }, { HTTPS_PROXY: 'http://p:3128' }]) {
      expect(steeringFingerprint({ ...base, ...change }), JSON.stringify(change)).not.toBe(fp);
    }
  });

  it('lives in the runtime directory when it is the user’s own and private', () => {
    const runtime = path.join(tmp, 'runtime');
    mkdirSync(runtime, { mode: 0o700 });
    const dir = agentDir({ XDG_RUNTIME_DIR: runtime }, uid, true);
    expect(dir).toBe(path.join(runtime, 'gobox'));
    expect(agentSocket(dir!, {})).toMatch(new RegExp(`^${runtime}/gobox/agent-[0-9a-f]{16}\\.sock$`));
  });

  it('refuses a directory others can write or that is not the user’s', () => {
    const open = path.join(tmp, 'open');
    mkdirSync(open);
    chmodSync(open, 0o777);
    // Not private: the runtime dir is skipped, and /tmp/gobox-agent-UID is used when it is safe.
    expect(agentDir({ XDG_RUNTIME_DIR: open }, uid, false)).not.toBe(path.join(open, 'gobox'));
    expect(agentDir({ XDG_RUNTIME_DIR: open }, uid + 1, false)).toBeUndefined();
  });

  it('is turned off by GOBOX_AGENT=off (and 0, false, no)', () => {
    for (const v of ['off', '0', 'false', 'no', 'OFF']) expect(agentDisabled({ GOBOX_AGENT: v })).toBe(true);
    for (const v of [undefined, '', 'on', '1']) expect(agentDisabled({ GOBOX_AGENT: v })).toBe(false);
  });
});
