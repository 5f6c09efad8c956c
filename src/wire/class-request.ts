import { z } from '../common/zod.js';
import { className } from '../config/class-schema.js';
import { durationText, networkMode } from '../config/schema.js';

const text = (max: number) => z.string().max(max).refine((s) => !s.includes('\0'), { message: 'NUL byte not allowed' });
const absolute = text(4096).refine((p) => p.startsWith('/'), { message: 'expected an absolute path' });

/**
 * A `gobox class` command sent to the daemon (app/class/class-command.ts ClassCommand). Who asks is
 * the socket's user; what they may grade is the host config's `classes:`, checked by the daemon.
 */
export const classRequest = z.strictObject({
  action: z.enum(['init', 'list', 'run', 'results', 'status']),
  name: className.optional(),
  rosterFile: absolute.optional(),
  /** The roster's text, read by the teacher's CLI: at most 4 MiB (tens of thousands of students). */
  rosterText: text(4 * 1024 * 1024).optional(),
  profile: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/).max(100).optional(),
  tests: absolute.optional(),
  jobs: z.number().int().optional(),
  timeout: durationText.optional(),
  network: networkMode.optional(),
  gradingUser: z.strictObject({ uid: z.number().int().positive(), gid: z.number().int().positive() }).optional(),
  update: z.boolean().optional(),
  command: z.array(text(16 * 1024)).max(4096).optional(),
  resume: z.union([z.literal(true), text(64)]).optional(),
  format: text(20).optional(),
  run: text(64).optional(),
  json: z.boolean(),
});
export type ClassRequest = z.infer<typeof classRequest>;

/** The daemon's answer to a class command: what the CLI prints. */
export const classReply = z.strictObject({ stdout: z.string(), notices: z.array(z.string()) });
