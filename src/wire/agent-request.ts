import { z } from '../common/zod.js';

/**
 * What the client sends the agent: the run as the caller would have done it directly. The agent
 * runs as the same user, so it takes the caller's whole environment (the daemon, serving other
 * users, takes only the Go settings). The client (cli/agent-run.ts) must not load zod: it takes
 * the type only (`import type`), and its literal `v` is checked against AGENT_PROTOCOL by tsc.
 */
export const AGENT_PROTOCOL = 1;

export const agentRequest = z.strictObject({
  v: z.literal(AGENT_PROTOCOL),
  cwd: z.string().startsWith('/'),
  command: z.array(z.string()).min(1),
  env: z.record(z.string(), z.string()),
  profile: z.string().optional(),
  go: z.string().optional(),
  tty: z.boolean(),
});
export type AgentRequest = z.infer<typeof agentRequest>;
