import type { Finding } from '../app/checks/index.js';
import { socketListening } from '../common/socket-probe.js';
import { agentDir, agentDisabled, agentSocket, ownSocket } from './location.js';

/** Doctor: whether this user's runs go through a warm agent, and if not, why. */
export async function agentFinding(env: NodeJS.ProcessEnv, uid = process.getuid?.() ?? 0): Promise<Finding> {
  if (agentDisabled(env)) return { check: 'agent', status: 'ok', detail: 'off (GOBOX_AGENT): every run starts in-process', fix: '' };
  const dir = agentDir(env, uid, false);
  const fallback = `/tmp/gobox-agent-${uid}`;
  if (!dir) {
    return {
      check: 'agent', status: 'warn',
      detail: `no private directory for the agent's socket: ${fallback} is missing or not yours alone (0700); runs start in-process`,
      fix: `if someone else made ${fallback}, an administrator should remove it; or set XDG_RUNTIME_DIR to a directory of yours (0700)`,
    };
  }
  const sock = agentSocket(dir, env);
  if (ownSocket(sock, uid) && (await socketListening(sock))) return { check: 'agent', status: 'ok', detail: `running for these settings at ${sock}`, fix: '' };
  return { check: 'agent', status: 'ok', detail: `not running for these settings; the next gobox run starts it (in ${dir})`, fix: '' };
}
