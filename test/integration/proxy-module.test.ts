import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shared } from '../helpers/env.js';
import { gobox, HELLO, makeModule, sandboxesWith } from '../helpers/gobox.js';
import { hostConfig, pemBody, startPrivateProxy, type PrivateProxy } from '../fixtures/proxy/private-proxy.js';

/**
 * Issue 3, points 7 and 9: a private HTTPS module proxy with a test CA. The build passes only
 * because gobox injected the CA (merged with the image's roots) and GOPROXY from the host config.
 */
describe('private module proxy with a host CA', () => {
  let pp: PrivateProxy;
  const settings = () => `env:\n  GOPROXY: ${pp.proxy.url}\n  GOSUMDB: "off"\n  GOFLAGS: -mod=mod\n`;

  beforeAll(async () => {
    pp = await startPrivateProxy();
  });
  afterAll(async () => {
    await pp?.proxy.close();
  });

  it('fails with a certificate error when the CA is left out', async () => {
    const dir = makeModule(pp.consumer);
    const r = await gobox(['run', 'go', 'build', '-o', '/tmp/app', '.'], { cwd: dir, env: { GOBOX_CONFIG: hostConfig(settings()) } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('x509: certificate signed by unknown authority');
  });

  it('builds a program whose dependencies come only from the private proxy once the CA is configured', async () => {
    const config = hostConfig(`ca: ${pp.ca.caFile}\n${settings()}`);
    const dir = makeModule(pp.consumer);
    const r = await gobox(['run', 'sh', '-c', 'go build -o /tmp/app . && /tmp/app'], { cwd: dir, env: { GOBOX_CONFIG: config } });
    expect(r.stderr).not.toContain('x509');
    expect(r.stdout).toBe('hello from the private proxy\nand a wave from @latest\n');
    expect(r.code).toBe(0);
    const escaped = pp.tagged.replace('/Greet', '/!greet');
    expect(pp.proxy.requests).toEqual(
      expect.arrayContaining([`/${escaped}/@v/v1.0.0.mod`, `/${escaped}/@v/v1.0.0.zip`, `/${pp.untagged}/@v/list`, `/${pp.untagged}/@latest`]),
    );
  });

  it('mounts one read-only bundle: the image roots plus the host CA, named by SSL_CERT_FILE and GIT_SSL_CAINFO', async () => {
    const config = hostConfig(`ca: ${pp.ca.caFile}\n${settings()}`);
    const dir = makeModule(HELLO);
    const r = await gobox(['run', 'sh', '-c', 'echo "$SSL_CERT_FILE $GIT_SSL_CAINFO"; grep -c "BEGIN CERTIFICATE" "$SSL_CERT_FILE"; cat "$SSL_CERT_FILE"; awk \'$2 == "/etc/gobox/ca-bundle.pem" { split($4, o, ","); print "mount " o[1] }\' /proc/mounts'], {
      cwd: dir,
      env: { GOBOX_CONFIG: config },
    });
    expect(r.code).toBe(0);
    const [names, count] = r.stdout.split('\n');
    expect(names).toBe('/etc/gobox/ca-bundle.pem /etc/gobox/ca-bundle.pem');
    // Debian's roots are well over a hundred certificates; the test CA is one more.
    expect(Number(count)).toBeGreaterThan(100);
    expect(r.stdout).toContain(pemBody(pp.ca.caFile));
    expect(r.stdout.trimEnd().endsWith('\nmount ro')).toBe(true);

    const env = JSON.parse((await gobox(['env', '--json'], { cwd: dir, env: { GOBOX_CONFIG: config } })).stdout);
    expect(env.env.SSL_CERT_FILE).toEqual({ value: '/etc/gobox/ca-bundle.pem', source: 'gobox' });
    expect(env.env.GIT_SSL_CAINFO).toEqual({ value: '/etc/gobox/ca-bundle.pem', source: 'gobox' });
    expect(env.env.GOPROXY).toEqual({ value: pp.proxy.url, source: `host config ${config}` });
    expect(env.env.GOSUMDB).toEqual({ value: 'off', source: `host config ${config}` });
  });

  it('takes a directory of PEM files as the CA', async () => {
    // A proxy of its own: the first one's modules are in the user's module cache by now.
    const other = await startPrivateProxy();
    try {
      const config = hostConfig(`ca: ${path.dirname(other.ca.caFile)}\nenv:\n  GOPROXY: ${other.proxy.url}\n  GOSUMDB: "off"\n  GOFLAGS: -mod=mod\n`);
      const dir = makeModule(other.consumer);
      // The directory also holds the server's own certificate (server.pem): harmless, still PEM.
      const r = await gobox(['run', 'sh', '-c', 'go build -o /tmp/app . && /tmp/app'], { cwd: dir, env: { GOBOX_CONFIG: config } });
      expect(r.stdout).toBe('hello from the private proxy\nand a wave from @latest\n');
      expect(r.code).toBe(0);
      expect(other.proxy.requests.length).toBeGreaterThan(0);
    } finally {
      await other.proxy.close();
    }
  });

  it('refuses a CA file that is not PEM with one line, before anything is made', async () => {
    const bad = path.join(path.dirname(hostConfig('')), 'not-a-cert.pem');
    writeFileSync(bad, Buffer.from([0x30, 0x82, 0x01, 0x0a, 0x02, 0x82, 0x01, 0x01, 0x00]));
    const config = hostConfig(`ca: ${bad}\n`);
    const caDir = path.join(shared.stateDir, 'ca');
    const bundles = () => (existsSync(caDir) ? readdirSync(caDir) : []);
    const bundlesBefore = bundles();
    const dir = makeModule(HELLO);
    const r = await gobox(['run', 'go', 'version'], { cwd: dir, env: { GOBOX_CONFIG: config } });
    expect(r.code).toBe(125);
    expect(r.stderr).toBe(`gobox: ${config}: ca: ${bad} is not a PEM certificate file (no -----BEGIN CERTIFICATE----- block)\n`);
    expect(r.stdout).toBe('');
    expect(bundles()).toEqual(bundlesBefore);
    expect(sandboxesWith(`gobox.owner=${shared.users[0]!.uid}`)).toEqual([]);
  });

  it('refuses a GOPROXY that Go would reject, from the host config or the caller, with one line', async () => {
    const dir = makeModule(HELLO);
    const config = hostConfig('env:\n  GOPROXY: ftp://mirror.example\n');
    const fromHost = await gobox(['run', 'go', 'version'], { cwd: dir, env: { GOBOX_CONFIG: config } });
    expect(fromHost.code).toBe(125);
    expect(fromHost.stderr).toBe(`gobox: GOPROXY="ftp://mirror.example" (from host config ${config}): invalid proxy URL scheme (must be https, http, file): ftp://mirror.example\n`);
    const fromCaller = await gobox(['env'], { cwd: dir, env: { GOPROXY: 'https://ok.example,proxy' } });
    expect(fromCaller.code).toBe(125);
    expect(fromCaller.stderr).toBe('gobox: GOPROXY="https://ok.example,proxy" (from caller env): invalid proxy URL missing scheme: proxy\n');
    expect(sandboxesWith(`gobox.owner=${shared.users[0]!.uid}`)).toEqual([]);
  });
});
