import { readFile } from 'node:fs/promises';
import { auditLogPath } from './paths.js';

/** The last n audit entries; a line that is not JSON (a torn write after a crash) is skipped. */
export async function readAudit(env: NodeJS.ProcessEnv, n: number): Promise<unknown[]> {
  const text = await readFile(auditLogPath(env), 'utf8').catch(() => '');
  const out: unknown[] = [];
  for (const line of text.split('\n').filter(Boolean).slice(-Math.max(1, n))) {
    try {
      out.push(JSON.parse(line));
    } catch {
      // skipped
    }
  }
  return out;
}
