import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { agentRouting, clearRoute, rerouteReason, ROUTE_FILE, writeRoute } from './shim-route.js';

const request = (env: Record<string, string>) => ({ v: 1 as const, cwd: '/', command: ['go', 'list'], env, tty: false });

describe('the shim route', () => {
  it('names the newest agent, and is removed only by the agent it names', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'gobox-route-'));
    writeRoute(dir, `${dir}/agent-a.sock`);
    writeRoute(dir, `${dir}/agent-b.sock`);
    expect(readFileSync(path.join(dir, ROUTE_FILE), 'utf8')).toBe(`${dir}/agent-b.sock\n`);
    clearRoute(dir, `${dir}/agent-a.sock`);
    expect(existsSync(path.join(dir, ROUTE_FILE))).toBe(true);
    clearRoute(dir, `${dir}/agent-b.sock`);
    expect(existsSync(path.join(dir, ROUTE_FILE))).toBe(false);
  });

  it('hands back a call whose gobox settings are another agent\'s, never one whose Go settings differ', () => {
    const own = { PATH: '/usr/bin:/bin', HOME: '/home/a', GOBOX_DIRECT: '1' };
    expect(rerouteReason(request({ ...own, GOFLAGS: '-mod=mod', GOBOX_GO: '1.22', GOBOX_SHIM_ACTIVE: '/x/go' }), agentRouting(own, () => false))).toBeUndefined();
    expect(rerouteReason(request({ ...own, DOCKER_HOST: 'unix:///run/other.sock' }), agentRouting(own, () => false))).toMatch(/other gobox settings/);
    expect(rerouteReason(request({ ...own, PATH: '/opt/bin:/usr/bin:/bin' }), agentRouting(own, () => false))).toMatch(/other gobox settings/);
  });

  it('hands back a call a daemon serves', () => {
    const own = { PATH: '/usr/bin:/bin' };
    expect(rerouteReason(request(own), agentRouting(own, () => true))).toMatch(/daemon serves this user/);
  });
});
