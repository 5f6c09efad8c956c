import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { isOwnerAlive, ownerToken } from './owner-token.js';

describe('owner tokens', () => {
  it('knows this process is alive', () => {
    expect(ownerToken()).toMatch(new RegExp(`^${process.pid}(\\.\\d+)?$`));
    expect(isOwnerAlive(ownerToken())).toBe(true);
    expect(isOwnerAlive(String(process.pid))).toBe(true);
  });
  it('knows an exited process is dead', () => {
    const pid = spawnSync('true').pid!;
    expect(isOwnerAlive(`${pid}`)).toBe(false);
  });
  it('treats a recycled pid (other start time) as dead, and junk as dead', () => {
    expect(isOwnerAlive(`${process.pid}.1`)).toBe(false);
    expect(isOwnerAlive('1.1')).toBe(false);
    expect(isOwnerAlive('junk')).toBe(false);
  });
});
