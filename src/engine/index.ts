import { GoboxError } from '../common/errors.js';
import { candidateEndpoints, firstAnswering } from './discover.js';
import type { Engine } from './engine.js';
import { startRootlessPodman } from './podman-service.js';
import { checkSocketOwner } from './rootless-socket.js';

import type { KubernetesEngineOptions } from './kubernetes/options.js';

export type * from './engine.js';
export type { KubernetesEngineOptions } from './kubernetes/options.js';
export { KUBERNETES_DEFAULTS } from './kubernetes/options.js';

/** Host config's `engine:` as the engine layer takes it: the local engine found by discovery, or a cluster. */
export type EngineChoice = { kind: 'docker' } | ({ kind: 'kubernetes' } & KubernetesEngineOptions);
export { candidateEndpoints } from './discover.js';

let cached: Promise<Engine> | undefined;
const clusters = new Map<string, Promise<Engine>>();

/**
 * A cluster's engine: its client library is loaded only here, so a run on a local engine never
 * pays for it. The kubeconfig is checked, and the API asked once.
 */
async function connectKubernetes(o: KubernetesEngineOptions): Promise<Engine> {
  const [{ kubeClients }, { KubernetesEngine }] = await Promise.all([import('./kubernetes/client.js'), import('./kubernetes/kubernetes-engine.js')]);
  const engine = new KubernetesEngine(kubeClients(o), o);
  await engine.ping();
  await engine.checkNamespace();
  return engine;
}

/** The engine host config chooses (a cluster), else the first local engine that answers; cached for the life of the process. */
export function connectEngine(env: NodeJS.ProcessEnv = process.env, choice?: EngineChoice): Promise<Engine> {
  if (choice?.kind === 'kubernetes') {
    // Kept apart from the local engine's: a process (the agent) may have connected to that first.
    const key = JSON.stringify(choice);
    let c = clusters.get(key);
    if (!c) {
      c = connectKubernetes(choice).catch((e: unknown) => {
        clusters.delete(key);
        throw e;
      });
      clusters.set(key, c);
    }
    return c;
  }
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
      // Loaded here, not with the engine layer: dockerode is the biggest thing gobox loads, and
      // a command that never talks to an engine (env, toolchain list, profile show) never needs it.
      const { DockerodeEngine } = await import('./dockerode-engine.js');
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
