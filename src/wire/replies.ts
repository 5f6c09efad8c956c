import { z } from '../common/zod.js';

/**
 * What a server (the daemon's handler or the agent) sends back, besides output: one schema per
 * reply frame. The client checks them by hand (wire/client.ts) because it sits on the agent's
 * fast path, where zod is not loaded; it takes only these types (`import type`).
 */

/** How a run ended: the last frame of a run. */
export const exitPayload = z.object({
  exitCode: z.number().int(),
  reason: z.string(),
  message: z.string().optional(),
  notices: z.array(z.string()),
  durationMs: z.number(),
});
export type ExitPayload = z.infer<typeof exitPayload>;

/** Why the server refused or failed the request, as a gobox error with its exit code. */
export const errorPayload = z.object({
  message: z.string(),
  hint: z.string().optional(),
  exitCode: z.number().int(),
  /** The agent does not serve this caller (agent/shim-route.ts): the client makes the call another way. */
  reroute: z.boolean().optional(),
});
export type ErrorPayload = z.infer<typeof errorPayload>;
