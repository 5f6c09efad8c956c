import type { Finding } from './doctor.js';
import { recentWarnings, warningsFile, type WarningKind } from './warning-log.js';

const CHECK: Record<WarningKind, string> = {
  'cache-check': 'cache check',
  'output-stream': 'output stream',
  'sandbox-stop': 'sandbox stop',
  'sandbox-remove': 'sandbox removal',
};

const FIX: Record<WarningKind, string> = {
  'cache-check': 'the soft cache limit is not kept while this fails: see `gobox cache info` for the error; `gobox cache clear` starts the cache afresh',
  'output-stream': 'that run printed less than the command wrote: run it again; if it recurs, look at the engine (journalctl -u docker)',
  'sandbox-stop': 'a sandbox may have run past its limit: `gobox gc` removes leftovers; check the engine (journalctl -u docker)',
  'sandbox-remove': '`gobox gc` removes the leftover sandbox (or docker rm -f with the id named above)',
};

/**
 * Failures of the last week that runs told the user about (app/checks/warning-log.ts): the latest of
 * each kind, as a warning with its fix, or one "ok" when there were none.
 */
export async function recordedWarningFindings(env: NodeJS.ProcessEnv = process.env): Promise<Finding[]> {
  const latest = new Map<WarningKind, { at: string; message: string; count: number }>();
  for (const w of await recentWarnings(env)) latest.set(w.kind, { at: w.at, message: w.message, count: (latest.get(w.kind)?.count ?? 0) + 1 });
  if (latest.size === 0) return [{ check: 'recent warnings', status: 'ok', detail: `no run failure in the last 7 days (${warningsFile(env)})`, fix: '' }];
  return [...latest].map(([kind, w]) => ({
    check: CHECK[kind],
    status: 'warn' as const,
    detail: `${w.count > 1 ? `${w.count} times in the last 7 days, last` : 'in the last 7 days'} at ${w.at}: ${w.message}`,
    fix: FIX[kind],
  }));
}
