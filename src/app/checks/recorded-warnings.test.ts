import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { recordedWarningFindings } from './recorded-warnings.js';
import { recordWarning, recentWarnings, warningsFile } from './warning-log.js';

const dirs: string[] = [];
function env(): NodeJS.ProcessEnv {
  const d = mkdtempSync(path.join(os.tmpdir(), 'gobox-warnings-'));
  dirs.push(d);
  return { XDG_STATE_HOME: d };
}
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('recorded warnings for gobox doctor', () => {
  it('is one ok finding when nothing went wrong', async () => {
    const f = await recordedWarningFindings(env());
    expect(f).toEqual([expect.objectContaining({ check: 'recent warnings', status: 'ok' })]);
  });

  it('reports the latest warning of each kind, with how often it happened and the fix', async () => {
    const e = env();
    await recordWarning('output-stream', 'warning: broke once', e);
    await recordWarning('cache-check', 'warning: cache check failed', e);
    await recordWarning('output-stream', 'warning: broke again', e);
    const f = await recordedWarningFindings(e);
    expect(f.map((x) => [x.check, x.status])).toEqual([['output stream', 'warn'], ['cache check', 'warn']]);
    expect(f[0]!.detail).toMatch(/^2 times in the last 7 days, last at \S+: warning: broke again$/);
    expect(f[1]!.fix).toContain('gobox cache info');
  });

  it('keeps the last 20, drops old ones, and ignores a file that is not its own format', async () => {
    const e = env();
    for (let i = 0; i < 25; i++) await recordWarning('sandbox-stop', `w${i}`, e);
    expect((await recentWarnings(e)).map((w) => w.message)).toEqual(Array.from({ length: 20 }, (_, i) => `w${i + 5}`));
    writeFileSync(warningsFile(e), JSON.stringify([{ at: '2020-01-01T00:00:00Z', kind: 'sandbox-stop', message: 'old' }]));
    expect(await recentWarnings(e)).toEqual([]);
    writeFileSync(warningsFile(e), '{"not": "a list"}');
    expect(await recentWarnings(e)).toEqual([]);
  });

  it('never fails the caller when the file cannot be written', async () => {
    const e = env();
    mkdirSync(path.join(e.XDG_STATE_HOME!, 'gobox', 'warnings.json'), { recursive: true });
    await expect(recordWarning('cache-check', 'x', e)).resolves.toBeUndefined();
  });
});
