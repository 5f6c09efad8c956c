import { appendFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { logger } from '../common/logger.js';

const log = logger('audit');

export type AuditEvent =
  | { event: 'start'; user: string; uid: number; session: string; profile: string; command: string[]; cwd: string }
  | { event: 'end'; user: string; uid: number; session: string; profile: string; command: string[]; exitCode: number; reason: string; durationMs: number; peakMemoryBytes?: number }
  | { event: 'refused'; user: string; uid: number; reason: string; command?: string[] }
  | { event: 'reaped'; uid: number; session: string; container: string; why: string }
  | { event: 'cache-trim'; user: string; uid: number; session: string; beforeBytes: number; afterBytes: number }
  | { event: 'cache-clear'; user: string; uid: number; session: string }
  | { event: 'class'; user: string; uid: number; session: string; command: string[] }
  | { event: 'jail'; user: string; uid: number; session: string; command: string[]; cwd: string }
  | { event: 'jail-end'; user: string; uid: number; session: string; action: string; exitCode: number; reason: string; durationMs: number; subjects?: { name: string; sha256: string }[] };

/** One JSON line per event, appended in one write so concurrent lines never interleave. */
export class AuditLog {
  constructor(readonly file: string) {}

  async open(): Promise<void> {
    await mkdir(path.dirname(this.file), { recursive: true, mode: 0o750 });
  }

  async write(e: AuditEvent): Promise<void> {
    const line = JSON.stringify({ time: new Date().toISOString(), ...e }) + '\n';
    // The log is root's (0600): it names users' commands.
    await appendFile(this.file, line, { mode: 0o600 }).catch((err: unknown) => log.warn(`cannot write audit log ${this.file}: ${(err as Error).message}`));
  }
}
