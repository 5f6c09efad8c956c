import { describe, expect, it } from 'vitest';
import { LABEL } from '../../common/labels.js';
import type { SandboxSummary } from '../../engine/index.js';
import { pidNamespace, processStartTime } from '../../common/identity.js';
import { ownerAlive } from '../../common/owner-process.js';
import { leftoverReason } from './gc.js';

const NOW = new Date('2025-06-01T12:00:00Z');
const BOOT = 'boot-a';

function summary(labels: Record<string, string | undefined>): SandboxSummary {
  const base: Record<string, string> = {
    [LABEL.managed]: 'true',
    [LABEL.host]: BOOT,
    [LABEL.pid]: '4242',
    [LABEL.pidStart]: '777',
    [LABEL.created]: '2025-06-01T11:00:00.000Z',
    [LABEL.expires]: '2025-06-01T13:00:00.000Z',
  };
  for (const [k, v] of Object.entries(labels)) {
    if (v === undefined) delete base[k];
    else base[k] = v;
  }
  return { id: 'c1', name: 'gobox-1000-s', state: 'running', labels: base, created: new Date(base[LABEL.created] ?? '2025-06-01T11:00:00Z') };
}

const alive = (pid: number, start: string) => pid === 4242 && start === '777';
const dead = () => false;

describe('leftoverReason', () => {
  it('keeps a sandbox whose gobox process is alive on this boot', () => {
    expect(leftoverReason(summary({}), NOW, BOOT, alive)).toBeUndefined();
  });

  it('reaps an expired sandbox even when its process lives', () => {
    expect(leftoverReason(summary({ [LABEL.expires]: '2025-06-01T11:59:59.000Z' }), NOW, BOOT, alive)).toBe('expired');
  });

  it('reaps a sandbox from another boot', () => {
    expect(leftoverReason(summary({ [LABEL.host]: 'boot-b' }), NOW, BOOT, alive)).toMatch(/reboot/);
  });

  it('reaps a sandbox whose process is dead, naming the pid', () => {
    expect(leftoverReason(summary({}), NOW, BOOT, dead)).toMatch(/4242/);
  });

  it('reaps a sandbox whose pid was reused (other start time)', () => {
    expect(leftoverReason(summary({ [LABEL.pidStart]: '999' }), NOW, BOOT, alive)).toBeDefined();
  });

  it.each([[undefined], ['junk'], ['0'], ['-5'], ['1.5']])('reaps a sandbox with pid label %j', (pid) => {
    expect(leftoverReason(summary({ [LABEL.pid]: pid }), NOW, BOOT, () => true)).toMatch(/no owning process/);
  });

  it('passes the pid and start time to the liveness check', () => {
    const calls: [number, string, string][] = [];
    leftoverReason(summary({}), NOW, BOOT, (pid, start, ns) => {
      calls.push([pid, start, ns]);
      return true;
    });
    expect(calls).toEqual([[4242, '777', '']]);
  });

  it('ignores a missing or unparsable expiry and still checks the process', () => {
    expect(leftoverReason(summary({ [LABEL.expires]: undefined }), NOW, BOOT, alive)).toBeUndefined();
    expect(leftoverReason(summary({ [LABEL.expires]: 'never' }), NOW, BOOT, dead)).toBeDefined();
  });

  it('hands the PID namespace to the owner check, so a pid of another namespace is judged there', () => {
    const seen: string[] = [];
    leftoverReason(summary({ [LABEL.pidns]: '4026532999' }), NOW, BOOT, (_pid, _start, ns) => (seen.push(ns), true));
    expect(seen).toEqual(['4026532999']);
  });

  it('keeps a young helper of an older gobox that recorded no pid, and reaps it once it is an hour old', () => {
    const young = summary({ [LABEL.kind]: 'helper', [LABEL.pid]: undefined, [LABEL.expires]: undefined, [LABEL.created]: '2025-06-01T11:30:00.000Z' });
    expect(leftoverReason(young, NOW, BOOT, dead)).toBeUndefined();
    const old = summary({ [LABEL.kind]: 'helper', [LABEL.pid]: undefined, [LABEL.expires]: undefined, [LABEL.created]: '2025-06-01T10:59:00.000Z' });
    expect(leftoverReason(old, NOW, BOOT, dead)).toMatch(/no owning process/);
  });
});

describe('ownerAlive (real /proc)', () => {
  const start = processStartTime(process.pid) ?? '';
  const ns = pidNamespace() ?? '';

  it('judges a pid of this namespace by /proc: alive, or gone when the start time differs', () => {
    expect(ownerAlive(process.pid, start, ns)).toBe(true);
    expect(ownerAlive(process.pid, `${start}1`, ns)).toBe(false);
    expect(ownerAlive(process.pid, start)).toBe(true);
  });

  it('never calls a process of another, invisible namespace dead by our /proc, unless root in the initial namespace', () => {
    // Namespace inode 1 exists nowhere: our pid means nothing there.
    const expected = !(ns === '4026531836' && process.getuid?.() === 0);
    expect(ownerAlive(process.pid, start, '1')).toBe(expected);
  });
});
