import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { z } from '../../common/zod.js';
import { errorMessage } from '../../common/errors.js';
import { logger } from '../../common/logger.js';

const log = logger('warnings');

/** The failures that used to pass in silence; each is now told to the user and kept for `gobox doctor`. */
export const WARNING_KINDS = ['cache-check', 'output-stream', 'sandbox-stop', 'sandbox-remove'] as const;
export type WarningKind = (typeof WARNING_KINDS)[number];

const recordedWarning = z.object({ at: z.string(), kind: z.enum(WARNING_KINDS), message: z.string() });
export type RecordedWarning = z.infer<typeof recordedWarning>;

/** Enough for doctor to show the latest of each kind; older ones fall off. */
const KEEP = 20;

/**
 * The caller's own file (XDG_STATE_HOME, ~/.local/state), never the shared store: nobody else
 * can write warnings into it, and a non-root user can always write it.
 */
export function warningsFile(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_STATE_HOME || path.join(env.HOME || os.homedir(), '.local', 'state');
  return path.join(base, 'gobox', 'warnings.json');
}

async function readAll(file: string): Promise<RecordedWarning[]> {
  const text = await readFile(file, 'utf8').catch(() => undefined);
  if (text === undefined) return [];
  try {
    const parsed = z.array(recordedWarning).safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : [];
  } catch {
    return [];
  }
}

/**
 * Keeps a warning the user has just been shown, so `gobox doctor` can report it later. Best
 * effort: the user already has the warning, and a full or read-only home must not fail a run.
 */
export async function recordWarning(kind: WarningKind, message: string, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const file = warningsFile(env);
  try {
    const list = [...(await readAll(file)), { at: new Date().toISOString(), kind, message }].slice(-KEEP);
    await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
    const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    await writeFile(tmp, JSON.stringify(list, null, 1) + '\n', { mode: 0o600 });
    await rename(tmp, file);
  } catch (e) {
    log.debug(`cannot keep the warning for gobox doctor in ${file}: ${errorMessage(e)}`);
  }
}

/** The recorded warnings of the last `days` days, oldest first. */
export async function recentWarnings(env: NodeJS.ProcessEnv = process.env, days = 7): Promise<RecordedWarning[]> {
  const since = Date.now() - days * 86_400_000;
  return (await readAll(warningsFile(env))).filter((w) => Date.parse(w.at) >= since);
}
