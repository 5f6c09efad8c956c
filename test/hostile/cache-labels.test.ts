import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { shared } from '../helpers/env.js';
import { gobox, HELLO, makeModule } from '../helpers/gobox.js';
import { ensureTestUser } from '../helpers/users.js';

/**
 * Root's gobox acts on a hard cache's image and mount point (mount, mkfs, truncate, rm), and it
 * reads both back from the volume's labels. Anyone in the docker group can make a volume with
 * any labels, so a forged "gobox-cache-UID" must never steer root at a file outside the caches
 * folder of gobox's state dir.
 */
const U = { name: 'gobox-store-a', uid: 23620 };
const volume = `gobox-cache-${U.uid}`;

function mounted(dir: string): boolean {
  return readFileSync('/proc/self/mountinfo', 'utf8').split('\n').some((l) => l.split(' ')[4] === dir);
}

/** What an attacker with engine access makes: a hard cache volume whose labels name a victim. */
function forgeVolume(victimDir: string, victimFile: string): void {
  execFileSync('docker', ['volume', 'rm', '-f', volume], { stdio: 'ignore' });
  execFileSync('docker', ['volume', 'create',
    '--label', 'gobox.managed=true', '--label', 'gobox.kind=cache', '--label', `gobox.owner=${U.uid}`,
    '--label', 'gobox.cache-mode=hard', '--label', `gobox.cache-image=${victimFile}`, '--label', 'gobox.cache-limit=67108864',
    '--opt', 'type=none', '--opt', 'o=bind', '--opt', `device=${victimDir}`, volume], { stdio: 'ignore' });
}

function victim(): { dir: string; file: string } {
  const dir = mkdtempSync('/tmp/gobox-store-victim-');
  const file = path.join(dir, 'precious');
  writeFileSync(file, 'do not touch\n');
  return { dir, file };
}

describe('hard cache volumes: labels are not trusted as paths', () => {
  beforeAll(() => ensureTestUser(U));
  afterEach(() => {
    execFileSync('docker', ['volume', 'rm', '-f', volume], { stdio: 'ignore' });
  });

  it('a run never follows the forged labels: the volume gives way to one in the caches folder, and what it named is untouched', async () => {
    const v = victim();
    forgeVolume(v.dir, v.file);
    const gid = Number(execFileSync('id', ['-g', U.name], { encoding: 'utf8' }).trim());
    const r = await gobox(['run', 'true'], { cwd: makeModule(HELLO, { uid: U.uid, gid }) });
    expect(r.stderr).toContain(`refusing cache volume ${volume}`);
    expect(r.stderr).toContain('the files it named were left alone');
    expect(r.code).toBe(0);
    expect(readFileSync(v.file, 'utf8')).toBe('do not touch\n');
    expect(readdirSync(v.dir)).toEqual(['precious']);
    expect(mounted(v.dir)).toBe(false);
    const labels = JSON.parse(execFileSync('docker', ['volume', 'inspect', volume, '--format', '{{json .Labels}}'], { encoding: 'utf8' })) as Record<string, string>;
    expect(labels['gobox.cache-image']).toBe(path.join(shared.stateDir, 'caches', `${U.uid}.img`));
  });

  it('cache clear --reset removes the forged volume but not the file its label names', async () => {
    const v = victim();
    forgeVolume(v.dir, v.file);
    const r = await gobox(['cache', 'clear', '--reset', '--user', String(U.uid)], { cwd: '/' });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(readFileSync(v.file, 'utf8')).toBe('do not touch\n');
    expect(execFileSync('docker', ['volume', 'ls', '-q'], { encoding: 'utf8' }).split('\n')).not.toContain(volume);
  });

  it('cache info refuses the forged volume instead of mounting what it names', async () => {
    const v = victim();
    forgeVolume(v.dir, v.file);
    const r = await gobox(['cache', 'info', '--user', String(U.uid), '--json'], { cwd: '/' });
    expect(r.code).toBe(125);
    expect(r.stderr).toContain(`refusing cache volume ${volume}`);
    expect(readdirSync(v.dir)).toEqual(['precious']);
    expect(mounted(v.dir)).toBe(false);
  });
});
