import { describe, expect, it } from 'vitest';
import { gobox, HELLO, makeModule } from '../helpers/gobox.js';

describe('gobox doctor', () => {
  it('reports mode, engine, runc, limits, image and toolchains as JSON', async () => {
    const r = await gobox(['doctor', '--json'], { cwd: makeModule(HELLO) });
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.mode).toMatch(/^direct \(docker via /);
    expect(report.engine.kind).toBe('docker');
    expect(report.engine.runc).toMatch(/^\d+\.\d+\.\d+/);
    const checks = Object.fromEntries((report.findings as { check: string; status: string }[]).map((f) => [f.check, f.status]));
    expect(checks).toMatchObject({ engine: 'ok', image: 'ok', toolchains: 'ok' });
    expect(['ok', 'warn']).toContain(checks.limits);
  });

  it('explains a missing engine with the fix, and exits non-zero', async () => {
    const r = await gobox(['doctor'], { cwd: makeModule(HELLO), env: { DOCKER_HOST: 'unix:///tmp/gobox-none.sock' } });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('FAIL  engine: no container engine answered');
    expect(r.stdout).toContain('fix: start Docker');
  });
});
