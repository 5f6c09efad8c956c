import type Docker from 'dockerode';
import { LABEL } from '../common/labels.js';
import { NotFoundError } from '../common/errors.js';
import type { NetworkInfo, NetworkSpec } from './engine.js';
import { engineCall } from './errors.js';

interface RawNetwork {
  Id: string;
  Name: string;
  Internal?: boolean;
  Labels?: Record<string, string> | null;
  Options?: Record<string, string> | null;
  Created?: string;
}

export function networkInfo(n: RawNetwork): NetworkInfo {
  const created = Date.parse(n.Created ?? '');
  return { id: n.Id, name: n.Name, internal: Boolean(n.Internal), labels: n.Labels ?? {}, options: n.Options ?? {}, ...(Number.isFinite(created) ? { created: new Date(created) } : {}) };
}

export async function getNetwork(docker: Docker, name: string): Promise<NetworkInfo | undefined> {
  try {
    return networkInfo(await engineCall(`inspect network ${name}`, () => docker.getNetwork(name).inspect()));
  } catch (e) {
    if (e instanceof NotFoundError) return undefined;
    if (!isAmbiguous(e)) throw e;
    return (await sameNamed(docker, name))[0];
  }
}

/** Docker answers a name that two networks share with 400 "... is ambiguous". */
function isAmbiguous(e: unknown): boolean {
  return e instanceof Error && /ambiguous/i.test(e.message);
}

/**
 * The networks called exactly `name`, oldest first. Docker's name filter matches substrings,
 * and since API 1.44 the engine no longer refuses a second network with a taken name, so two
 * runs that create a user's network at the same moment can both succeed.
 */
async function sameNamed(docker: Docker, name: string): Promise<NetworkInfo[]> {
  const list = (await engineCall('list networks', () => docker.listNetworks({ filters: { name: [name] } }))) as RawNetwork[];
  const age = (n: NetworkInfo) => n.created?.getTime() ?? Number.MAX_SAFE_INTEGER;
  return list.filter((n) => n.Name === name).map(networkInfo).sort((a, b) => age(a) - age(b) || a.id.localeCompare(b.id));
}

export async function createNetwork(docker: Docker, spec: NetworkSpec): Promise<NetworkInfo> {
  await engineCall(`create network ${spec.name}`, () =>
    // CheckDuplicate: older engines otherwise allow two networks with one name.
    docker.createNetwork({ Name: spec.name, Driver: 'bridge', Internal: spec.internal, Labels: spec.labels, Options: spec.options, CheckDuplicate: true }),
  );
  // Every racer keeps the oldest network of the name and removes the younger ones, so all
  // agree on one network without a lock; the first creator never sees a younger twin.
  const [kept, ...younger] = await sameNamed(docker, spec.name);
  if (!kept) throw new NotFoundError(`network ${spec.name} vanished right after it was created`);
  for (const twin of younger) {
    await engineCall(`remove duplicate network ${spec.name}`, () => docker.getNetwork(twin.id).remove()).catch(() => undefined);
  }
  return kept;
}

/** gobox's networks carrying all these labels. */
export async function listNetworks(docker: Docker, labels: Record<string, string>): Promise<NetworkInfo[]> {
  const filters = { label: [`${LABEL.managed}=true`, ...Object.entries(labels).map(([k, v]) => `${k}=${v}`)] };
  const list = (await engineCall('list networks', () => docker.listNetworks({ filters }))) as RawNetwork[];
  return list.map(networkInfo);
}

/**
 * Names of the containers on a network in any state. The network's own inspect lists only
 * running endpoints; a container that is created but not yet started would be missed there,
 * and removing its network would make its start fail.
 */
export async function networkContainers(docker: Docker, name: string): Promise<string[]> {
  const list = await engineCall(`list containers on ${name}`, () => docker.listContainers({ all: true, filters: { network: [name] } }));
  return list.map((c) => (c.Names?.[0] ?? c.Id).replace(/^\//, ''));
}

export async function removeNetwork(docker: Docker, name: string): Promise<void> {
  await engineCall(`remove network ${name}`, () => docker.getNetwork(name).remove());
}

export async function connectNetwork(docker: Docker, name: string, container: string, aliases: string[]): Promise<void> {
  await engineCall(`connect ${container} to ${name}`, () => docker.getNetwork(name).connect({ Container: container, EndpointConfig: { Aliases: aliases } }));
}

export async function disconnectNetwork(docker: Docker, name: string, container: string): Promise<void> {
  await engineCall(`disconnect ${container} from ${name}`, () => docker.getNetwork(name).disconnect({ Container: container, Force: true }));
}
