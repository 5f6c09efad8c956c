import { readFile } from 'node:fs/promises';
import https from 'node:https';
import http from 'node:http';
import { errorMessage } from '../../common/errors.js';
import type { HostConfig, Profile } from '../../config/schema.js';
import { prepareCaBundle } from '../run/ca-bundle.js';
import { mergeGoEnv } from '../run/go-env.js';
import type { Finding } from './doctor.js';

type Host = { file?: string; config: HostConfig };

/** The first proxy URL in a GOPROXY list ("https://a,direct" -> https://a), if any. */
export function firstProxyUrl(goproxy: string | undefined): string | undefined {
  const first = goproxy?.split(/[,|]/)[0]?.trim();
  return first && /^https?:\/\//.test(first) ? first : undefined;
}

/** One GET with the sandbox's CA bundle: is the module proxy reachable and trusted from here? */
function probe(url: string, ca: string | undefined, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const mod = url.startsWith('https:') ? https : http;
    const req = mod.get(url, { timeout: timeoutMs, ...(ca ? { ca } : {}) }, (res) => {
      res.resume();
      resolve(`HTTP ${res.statusCode}`);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}

/**
 * CA and proxy checks for `gobox doctor`: the merged CA bundle builds, and the module proxy the
 * sandbox would use answers over TLS with that bundle (what `go` inside will see).
 */
export async function networkFindings(host: Host, profile: Profile, profileFile: string, env: NodeJS.ProcessEnv): Promise<Finding[]> {
  const findings: Finding[] = [];
  let bundle: string | undefined;
  try {
    const file = await prepareCaBundle(host, env, profile.image);
    if (file) {
      bundle = await readFile(file, 'utf8');
      findings.push({ check: 'ca', status: 'ok', detail: `host CA ${host.config.ca} merged with the system roots into ${file}`, fix: '' });
    }
  } catch (e) {
    findings.push({ check: 'ca', status: 'fail', detail: errorMessage(e), fix: 'point ca: in the host config at a PEM file or a directory of PEM certificates' });
  }
  if (profile.network === 'none') return findings;
  const goEnv = mergeGoEnv({ profile, profileFile, host: host.config, hostFile: host.file, callerEnv: env });
  const url = firstProxyUrl(goEnv.GOPROXY?.value ?? host.config.proxy?.url);
  if (!url) return findings;
  try {
    const answer = await probe(url.replace(/\/?$/, '/'), bundle, 5000);
    findings.push({ check: 'proxy', status: 'ok', detail: `module proxy ${url} answers (${answer})`, fix: '' });
  } catch (e) {
    const msg = errorMessage(e);
    const tls = /certificate|self.signed|unable to verify/i.test(msg);
    findings.push({
      check: 'proxy',
      status: 'warn',
      detail: `module proxy ${url} is not reachable from this host: ${msg}`,
      fix: tls ? "add the proxy's CA to the host config (ca: /path/to/ca.pem)" : 'check GOPROXY (gobox env shows where it comes from) and the network',
    });
  }
  return findings;
}
