import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gobox, makeModule, profileHome } from '../helpers/gobox.js';
import { makeTestCa } from '../fixtures/proxy/test-ca.js';
import { hostConfig, pemBody } from '../fixtures/proxy/private-proxy.js';

/**
 * Issue 8, point 9: the merged CA bundle holds the system roots of the image the profile
 * runs, not those of the default image. The profile's image here trusts one root more than
 * gobox-base does; the bundle a sandbox gets must carry it.
 */
describe('CA bundle roots come from the profile image', () => {
  const image = `gobox-warn-ca:${process.pid}`;
  let imageRoot: string;
  let hostCa: string;
  let home: string;

  beforeAll(() => {
    const ctx = mkdtempSync('/tmp/gobox-warn-ca-img-');
    const extra = makeTestCa('127.0.0.1');
    imageRoot = pemBody(extra.caFile);
    // The base image's own roots plus one: what a corporate image adds to its trust store.
    const roots = execFileSync('docker', ['run', '--rm', '--network', 'none', 'gobox-base:bookworm', 'cat', '/etc/ssl/certs/ca-certificates.crt'], { encoding: 'utf8' });
    writeFileSync(path.join(ctx, 'ca-certificates.crt'), `${roots}${imageRoot}\n`);
    writeFileSync(path.join(ctx, 'Dockerfile'), 'FROM gobox-base:bookworm\nCOPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt\n');
    execFileSync('docker', ['build', '-q', '-t', image, ctx], { stdio: 'ignore' });
    hostCa = makeTestCa('127.0.0.1').caFile;
    home = profileHome({ corp: `image: ${image}\n` });
  });
  afterAll(() => {
    execFileSync('docker', ['rmi', '-f', image], { stdio: 'ignore' });
  });

  it('merges the host CA with the roots of the profile image', async () => {
    const dir = makeModule({ 'go.mod': 'module example.com/ca\n\ngo 1.22\n' });
    const r = await gobox(['-p', 'corp', 'run', 'sh', '-c', 'cat "$SSL_CERT_FILE"'], { cwd: dir, env: { XDG_CONFIG_HOME: home, GOBOX_CONFIG: hostConfig(`ca: ${hostCa}\n`) } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(pemBody(hostCa));
    expect(r.stdout).toContain(imageRoot);
    expect(readFileSync(hostCa, 'utf8')).not.toContain(imageRoot);
  });
});
