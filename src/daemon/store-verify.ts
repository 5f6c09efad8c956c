import { errorMessage } from '../common/errors.js';
import { logger } from '../common/logger.js';
import { setQuarantine } from '../app/toolchain/quarantine.js';
import { verifyToolchains } from '../app/toolchain/verify.js';
import { ToolchainStores } from '../toolchain/stores.js';

const log = logger('serve');

/**
 * The daemon's full verify of every toolchain it can mount, at start and on SIGHUP (after an
 * administrator repaired one, say). It runs beside the sockets, never before them: until it
 * ends, runs rely on the stat check before each mount. What it finds corrupted or untrusted is
 * refused by every run until the next verify passes it. A SIGHUP during a verify queues one more.
 */
export function storeVerifier(env: NodeJS.ProcessEnv): () => Promise<void> {
  let running: Promise<void> | undefined;
  let again = false;
  const once = async (): Promise<void> => {
    try {
      const report = await verifyToolchains({ versions: [], stores: new ToolchainStores(env) });
      const bad = new Map<string, string>();
      for (const t of report.toolchains) {
        if (t.status === 'no-manifest') {
          log.warn(`${t.name} has no manifest (installed before gobox recorded them); record one: gobox toolchain verify --record ${t.version}`);
        } else if (t.status === 'unchecked') {
          log.warn(t.error ?? `cannot check ${t.name}`);
        } else if (t.status !== 'ok') {
          const first = t.findings[0]!;
          const why = `${t.status}: ${first.path || '.'}: ${first.detail}${t.findings.length > 1 ? ` (and ${t.findings.length - 1} more)` : ''}`;
          bad.set(t.path, why);
          log.warn(`${t.name} is ${why}; runs refuse it until it is repaired: gobox toolchain verify --repair ${t.version}`);
        }
      }
      setQuarantine(bad);
      log.info(`verified ${report.toolchains.length} toolchain(s); ${bad.size ? `refusing ${bad.size}` : 'all as installed'}`);
    } catch (e) {
      log.warn(`cannot verify the toolchain store: ${errorMessage(e)}`);
    }
  };
  return () => {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        await once();
      } while (again);
      running = undefined;
    })();
    return running;
  };
}
