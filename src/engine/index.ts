import { GoboxError } from '../common/errors.js';
import { DockerodeEngine } from './dockerode-engine.js';
import { candidateEndpoints, firstAnswering } from './discover.js';
import type { Engine } from './engine.js';
import { startRootlessPodman } from './podman-service.js';
import { checkSocketOwner } from './rootless-socket.js';

export type * from './engine.js';
export { DockerodeEngine } from './dockerode-engine.js';
export { candidateEndpoints } from './discover.js';

let cached: Promise<Engine> | undefined;

/** The first engine that answers, cached for the life of the process. */
export function connectEngine(env: NodeJS.ProcessEnv = process.env): Promise<Engine> {
  // A refusal that names its own fix (someone else's socket, no subordinate ids) says more than
  // the list of every socket tried, so it wins when no engine answers at all.
  let specific: GoboxError | undefined;
  const keep = (e: unknown): never => {
    if (e instanceof GoboxError) specific ??= e;
    throw e;
  };
  cached ??= firstAnswering(
    candidateEndpoints(env),
    async (ep) => {
      try {
        checkSocketOwner(ep);
      } catch (e) {
        keep(e);
      }
      const engine = new DockerodeEngine(ep);
      await engine.ping();
      return engine as Engine;
    },
    (ep) => startRootlessPodman(ep, env).catch(keep),
  ).catch((e: unknown) => {
    cached = undefined;
    throw specific ?? e;
  });
  return cached;
}
