/**
 * What the client sends the agent: the run as the caller would have done it directly. The agent
 * runs as the same user, so it takes the caller's whole environment (the daemon, serving other
 * users, takes only the Go settings). Plain types here: the client must not load zod.
 */
export const AGENT_PROTOCOL = 1;

export interface AgentRequest {
  v: typeof AGENT_PROTOCOL;
  cwd: string;
  command: string[];
  env: Record<string, string>;
  profile?: string;
  go?: string;
  tty: boolean;
}
