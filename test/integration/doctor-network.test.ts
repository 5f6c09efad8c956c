import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gobox, HELLO, makeModule } from '../helpers/gobox.js';
import { hostConfig, startPrivateProxy, type PrivateProxy } from '../fixtures/proxy/private-proxy.js';

interface Finding { check: string; status: string; detail: string; fix: string }

async function doctor(config: string): Promise<Record<string, Finding>> {
  const r = await gobox(['doctor', '--json'], { cwd: makeModule(HELLO), env: { GOBOX_CONFIG: config } });
  const report = JSON.parse(r.stdout) as { findings: Finding[] };
  return Object.fromEntries(report.findings.map((f) => [f.check, f]));
}

describe('gobox doctor: CA and module proxy reachability', () => {
  let pp: PrivateProxy;
  beforeAll(async () => {
    pp = await startPrivateProxy();
  });
  afterAll(async () => {
    await pp?.proxy.close();
  });

  it('reaches the module proxy over TLS with the merged CA bundle', async () => {
    const f = await doctor(hostConfig(`ca: ${pp.ca.caFile}\nenv:\n  GOPROXY: ${pp.proxy.url}\n`));
    expect(f.ca!.status).toBe('ok');
    expect(f.proxy!.status).toBe('ok');
    expect(f.proxy!.detail).toContain(`module proxy ${pp.proxy.url} answers`);
  });

  it('says the proxy is not trusted without the CA, and how to fix it', async () => {
    const f = await doctor(hostConfig(`env:\n  GOPROXY: ${pp.proxy.url}\n`));
    expect(f.proxy!.status).toBe('warn');
    expect(f.proxy!.fix).toContain('ca:');
  });

  it('fails a CA file that is not PEM', async () => {
    const f = await doctor(hostConfig('ca: /etc/hostname\n'));
    expect(f.ca!.status).toBe('fail');
  });
});
