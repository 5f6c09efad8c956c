import { DockerodeEngine } from './dockerode-engine.js';
import { candidateEndpoints, firstAnswering } from './discover.js';
import type { Engine } from './engine.js';

export type * from './engine.js';
export { DockerodeEngine } from './dockerode-engine.js';
export { candidateEndpoints } from './discover.js';

let cached: Promise<Engine> | undefined;

/** The first engine that answers, cached for the life of the process. */
export function connectEngine(env: NodeJS.ProcessEnv = process.env): Promise<Engine> {
  cached ??= firstAnswering(candidateEndpoints(env), async (ep) => {
    const engine = new DockerodeEngine(ep);
    await engine.ping();
    return engine as Engine;
  }).catch((e: unknown) => {
    cached = undefined;
    throw e;
  });
  return cached;
}
