import { execFileSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { connectEngine } from '../../src/engine/index.js';
import { ensureUserNetwork, userNetworkName } from '../../src/app/network/user-network.js';

/**
 * Docker (API 1.44 and later) no longer refuses a second network with a taken name, so runs of
 * one user that start at the same moment could each create that user's network and leave the
 * name ambiguous, failing every later run of the user with "network ... is ambiguous".
 */
const UID = 23690;
const named = (name: string) =>
  execFileSync('docker', ['network', 'ls', '-q', '--filter', `name=^${name}$`], { encoding: 'utf8' }).split('\n').filter(Boolean);
const removeAll = (name: string) => {
  for (const id of named(name)) execFileSync('docker', ['network', 'rm', id], { stdio: 'ignore' });
};

describe('a user network created by many runs at once', () => {
  afterAll(() => {
    removeAll(userNetworkName(UID, 'open'));
    removeAll(userNetworkName(UID, 'proxy'));
  });

  it.each(['open', 'proxy'] as const)('ends as one %s network that every run agrees on, and a container joins it by name', async (mode) => {
    const name = userNetworkName(UID, mode);
    removeAll(name);
    const engine = await connectEngine();
    const got = await Promise.all(Array.from({ length: 8 }, () => ensureUserNetwork(engine, UID, mode)));
    expect(new Set(got)).toEqual(new Set([name]));
    expect(named(name)).toHaveLength(1);
    // The name must resolve for the engine too, as a sandbox's NetworkMode does.
    const out = execFileSync('docker', ['network', 'inspect', '-f', '{{.Internal}}', name], { encoding: 'utf8' });
    expect(out.trim()).toBe(mode === 'proxy' ? 'true' : 'false');
  });
});
