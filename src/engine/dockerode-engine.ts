import type DockerClient from 'dockerode';
import type { Readable } from 'node:stream';
import { LABEL } from '../common/labels.js';
import type { SandboxSpec } from '../sandbox/types.js';
import { dockerCreateOptions, type CreateFlavor } from './docker-options.js';
import { runLimitsProbe, type LimitsObservation, type LimitsProbeRequest } from './limits-readback.js';
import { watchExitEvent } from './exit-event.js';
import { parsePodmanInfo, type PodmanHostInfo } from './podman-info.js';
import type { Engine, EndpointInfo, EngineInfo, RuntimeDetail, NetworkInfo, NetworkSpec, SandboxSummary, ServiceInfo, ServiceSpec, VolumeInfo } from './engine.js';
import { NotFoundError } from '../common/errors.js';
import { engineCall } from './errors.js';
import { seccompWithoutTracing } from './seccomp.js';
import { DockerodeSandbox } from './dockerode-sandbox.js';
import { connectNetwork, createNetwork, disconnectNetwork, getNetwork, listNetworks, networkContainers, removeNetwork } from './dockerode-networks.js';
import { socketPath } from './discover.js';
import { parseEngineInfo, type RawInfo, type RawVersion } from './engine-info.js';
import { loadDockerode } from './load-dockerode.js';

/** dockerode, with its BuildKit and ssh parts loaded only if used (load-dockerode.ts). */
const Docker = loadDockerode();
type Docker = DockerClient;

export function dockerodeFor(ep: EndpointInfo): Docker {
  const sock = socketPath(ep.url);
  if (sock) return new Docker({ socketPath: sock });
  const u = new URL(ep.url.replace(/^tcp:/, 'http:'));
  return new Docker({ host: u.hostname, port: Number(u.port || 2375), protocol: u.protocol === 'https:' ? 'https' : 'http' });
}

const INFO_TTL_MS = 30_000;

/** The one Engine implementation: Docker Engine, or Podman through its Docker-compatible API. */
export class DockerodeEngine implements Engine {
  private rawInfo: { at: number; value: Promise<[RawInfo, RawVersion]> } | undefined;
  constructor(readonly endpoint: EndpointInfo, private readonly docker: Docker = dockerodeFor(endpoint)) {}

  /**
   * /info and /version, asked once for every check of one run. A long-lived gobox (the agent)
   * asks again after INFO_TTL_MS, so a runtime registered or an engine upgraded since is seen.
   */
  private infoAndVersion(): Promise<[RawInfo, RawVersion]> {
    if (!this.rawInfo || performance.now() - this.rawInfo.at > INFO_TTL_MS) {
      const value = engineCall('read engine info', () => Promise.all([this.docker.info(), this.docker.version()])) as unknown as Promise<[RawInfo, RawVersion]>;
      this.rawInfo = { at: performance.now(), value };
      value.catch(() => (this.rawInfo = undefined));
    }
    return this.rawInfo.value;
  }

  async ping(): Promise<void> {
    await engineCall('ping the engine', () => this.docker.ping());
  }

  async info(): Promise<EngineInfo> {
    const [info, version] = await this.infoAndVersion();
    return parseEngineInfo(info, version);
  }

  async imageExists(ref: string): Promise<boolean> {
    return (await this.imageLabels(ref)) !== undefined;
  }

  async imageLabels(ref: string): Promise<Record<string, string> | undefined> {
    try {
      const img = await engineCall(`inspect image ${ref}`, () => this.docker.getImage(ref).inspect());
      return img.Config?.Labels ?? {};
    } catch (e) {
      if ((e as { name?: string }).name === 'NotFoundError') return undefined;
      throw e;
    }
  }

  async importImage(rootfsTar: Readable, ref: string, changes: string[]): Promise<void> {
    const [repo, tag = 'latest'] = splitRef(ref);
    await engineCall(`import image ${ref}`, async () => {
      const stream = (await this.docker.importImage(rootfsTar as unknown as string, { repo, tag, changes } as object)) as unknown as Readable;
      await followProgress(this.docker, stream, () => {});
    });
  }

  async buildImage(context: Readable, ref: string, onLine: (line: string) => void): Promise<void> {
    await engineCall(`build image ${ref}`, async () => {
      const stream = (await this.docker.buildImage(context, { t: ref, rm: true, forcerm: true })) as unknown as Readable;
      await followProgress(this.docker, stream, onLine);
    });
  }

  async removeImage(ref: string): Promise<void> {
    await engineCall(`remove image ${ref}`, () => this.docker.getImage(ref).remove({ force: true }));
  }

  async createSandbox(spec: SandboxSpec): Promise<DockerodeSandbox> {
    const flavor = await this.createFlavor(spec.security.seccomp === 'no-tracing');
    const c = await engineCall(`create sandbox ${spec.name}`, () => this.docker.createContainer(dockerCreateOptions(spec, flavor)));
    const docker = (await this.info()).kind === 'docker';
    return new DockerodeSandbox(c, docker ? (id) => watchExitEvent(this.docker, id) : undefined);
  }

  async listSandboxes(labels: Record<string, string>): Promise<SandboxSummary[]> {
    const filters = { label: [`${LABEL.managed}=true`, ...Object.entries(labels).map(([k, v]) => `${k}=${v}`)] };
    const list = await engineCall('list sandboxes', () => this.docker.listContainers({ all: true, filters }));
    return list.map((c) => ({
      id: c.Id,
      name: (c.Names[0] ?? '').replace(/^\//, ''),
      state: c.State,
      labels: c.Labels ?? {},
      created: new Date(c.Created * 1000),
    }));
  }

  async sandboxProcesses(id: string): Promise<string[]> {
    const top = (await engineCall(`list processes of ${id.slice(0, 12)}`, () => this.docker.getContainer(id).top())) as { Titles?: string[]; Processes?: string[][] };
    const col = (top.Titles ?? []).findIndex((t) => t === 'CMD' || t === 'COMMAND');
    return col < 0 ? [] : (top.Processes ?? []).map((p) => p[col] ?? '');
  }

  async removeSandbox(id: string): Promise<void> {
    try {
      await engineCall(`remove sandbox ${id.slice(0, 12)}`, () => this.docker.getContainer(id).remove({ force: true, v: false }));
    } catch (e) {
      // Already gone (another sweeper, or AutoRemove) is the outcome we wanted.
      if ((e as { name?: string }).name !== 'NotFoundError' && !/already in progress/.test(String((e as Error).message))) throw e;
    }
  }

  async getVolume(name: string): Promise<VolumeInfo | undefined> {
    try {
      const v = await engineCall(`inspect volume ${name}`, () => this.docker.getVolume(name).inspect());
      return { name: v.Name, labels: v.Labels ?? {}, mountpoint: v.Mountpoint, driver: v.Driver, options: (v.Options as Record<string, string> | null) ?? {} };
    } catch (e) {
      if ((e as { name?: string }).name === 'NotFoundError') return undefined;
      throw e;
    }
  }

  async createVolume(name: string, labels: Record<string, string>, driverOpts?: Record<string, string>): Promise<VolumeInfo> {
    const v = (await engineCall(`create volume ${name}`, () =>
      this.docker.createVolume({ Name: name, Labels: labels, ...(driverOpts ? { Driver: 'local', DriverOpts: driverOpts } : {}) }),
    )) as unknown as { Name: string; Labels: Record<string, string> | null; Mountpoint: string; Driver: string; Options: Record<string, string> | null };
    return { name: v.Name, labels: v.Labels ?? {}, mountpoint: v.Mountpoint, driver: v.Driver, options: v.Options ?? {} };
  }

  async removeVolume(name: string): Promise<void> {
    await engineCall(`remove volume ${name}`, () => this.docker.getVolume(name).remove({ force: true }));
  }

  async runHelper(spec: SandboxSpec): Promise<{ exitCode: number; output: string }> {
    const box = await this.createSandbox(spec);
    try {
      // Wait before start: wait uses next-exit, and a quick helper can exit before a later wait is registered.
      const waiting = box.wait();
      waiting.catch(() => {}); // a failed start is reported by start itself
      await box.start();
      const { exitCode } = await waiting;
      return { exitCode, output: await box.logs() };
    } finally {
      await box.remove();
    }
  }

  async imageId(ref: string): Promise<string | undefined> {
    try {
      return (await engineCall(`inspect image ${ref}`, () => this.docker.getImage(ref).inspect())).Id;
    } catch (e) {
      if ((e as { name?: string }).name === 'NotFoundError') return undefined;
      throw e;
    }
  }

  getNetwork = (name: string) => getNetwork(this.docker, name);
  createNetwork = (spec: NetworkSpec) => createNetwork(this.docker, spec);
  // Per-user networks (issue 8): listed, emptied and removed by gc; the forwarder joins each.
  listNetworks = (labels: Record<string, string>) => listNetworks(this.docker, labels);
  networkContainers = (name: string) => networkContainers(this.docker, name);
  removeNetwork = (name: string) => removeNetwork(this.docker, name);
  connectNetwork = (name: string, container: string, aliases: string[]) => connectNetwork(this.docker, name, container, aliases);
  disconnectNetwork = (name: string, container: string) => disconnectNetwork(this.docker, name, container);

  async getService(name: string): Promise<ServiceInfo | undefined> {
    try {
      const c = await engineCall(`inspect container ${name}`, () => this.docker.getContainer(name).inspect());
      return {
        id: c.Id,
        name: c.Name.replace(/^\//, ''),
        running: c.State.Running,
        labels: c.Config.Labels ?? {},
        networks: Object.keys(c.NetworkSettings.Networks ?? {}),
      };
    } catch (e) {
      if ((e as { name?: string }).name === 'NotFoundError') return undefined;
      throw e;
    }
  }

  async startService(spec: ServiceSpec): Promise<ServiceInfo> {
    const opts = dockerCreateOptions(spec.container, await this.createFlavor(spec.container.security.seccomp === 'no-tracing'));
    opts.HostConfig = { ...opts.HostConfig, RestartPolicy: { Name: 'unless-stopped' } };
    const c = await engineCall(`create service ${spec.container.name}`, () => this.docker.createContainer(opts));
    try {
      for (const n of spec.extraNetworks) {
        await engineCall(`connect ${spec.container.name} to ${n.name}`, () => this.docker.getNetwork(n.name).connect({ Container: c.id, EndpointConfig: { Aliases: n.aliases } }));
      }
      await engineCall(`start service ${spec.container.name}`, () => c.start());
    } catch (e) {
      await c.remove({ force: true }).catch(() => {});
      throw e;
    }
    const info = await this.getService(c.id);
    if (!info) throw new NotFoundError(`service ${spec.container.name} vanished right after it started`);
    return info;
  }

  async listVolumes(labels: Record<string, string>): Promise<VolumeInfo[]> {
    const filters = { label: [`${LABEL.managed}=true`, ...Object.entries(labels).map(([k, v]) => `${k}=${v}`)] };
    const res = await engineCall('list volumes', () => this.docker.listVolumes({ filters }));
    return (res.Volumes ?? []).map((v) => ({
      name: v.Name, labels: v.Labels ?? {}, mountpoint: v.Mountpoint, driver: v.Driver, options: (v.Options as Record<string, string> | null) ?? {},
    }));
  }

  // --- issue 5: rootless engines, runtimes, honest limits ---

  private cachedPodman: Promise<PodmanHostInfo | undefined> | undefined;

  async runtimeDetails(): Promise<Record<string, RuntimeDetail>> {
    const info = (await this.infoAndVersion())[0] as { Runtimes?: Record<string, { path?: string; runtimeArgs?: string[] | null }> };
    return Object.fromEntries(Object.entries(info.Runtimes ?? {}).map(([name, r]) => [name, { path: r.path ?? name, args: r.runtimeArgs ?? [] }]));
  }

  podmanInfo(): Promise<PodmanHostInfo | undefined> {
    this.cachedPodman ??= this.info().then(async (info) => {
      if (info.kind !== 'podman') return undefined;
      const raw = await engineCall('read Podman info', () => new Promise<unknown>((resolve, reject) => {
        this.docker.modem.dial({ path: '/v4.0.0/libpod/info', method: 'GET', statusCodes: { 200: true }, options: {} }, (err: unknown, data: unknown) => (err ? reject(err) : resolve(data)));
      }));
      return parsePodmanInfo(raw);
    });
    return this.cachedPodman;
  }

  async probeLimits(req: LimitsProbeRequest): Promise<LimitsObservation> {
    return runLimitsProbe(this.docker, req, await this.createFlavor());
  }

  async loadImage(archive: Readable): Promise<void> {
    await engineCall('load image archive', async () => {
      const stream = (await this.docker.loadImage(archive as unknown as string)) as unknown as Readable;
      await followProgress(this.docker, stream, () => {});
    });
  }

  async saveImage(ref: string): Promise<Readable> {
    return (await engineCall(`save image ${ref}`, () => this.docker.getImage(ref).get())) as unknown as Readable;
  }

  /**
   * Rootless Podman gets keep-id on every container, so helpers and sandboxes agree on owners.
   * The no-tracing profile is read only for containers that ask for it, so a broken profile file
   * stops those (seccomp.ts) and not helpers that run with the engine's default.
   */
  private async createFlavor(noTracing = false): Promise<CreateFlavor> {
    const podman = await this.podmanInfo();
    if (podman?.rootless) return { usernsKeepId: true };
    // Podman applies its own default profile; Docker gets the no-tracing one when the host has it.
    if (podman || !noTracing) return {};
    const seccomp = seccompWithoutTracing();
    return seccomp ? { seccompNoTracing: seccomp } : {};
  }
}

function splitRef(ref: string): [string, string | undefined] {
  const at = ref.lastIndexOf(':');
  if (at > ref.lastIndexOf('/')) return [ref.slice(0, at), ref.slice(at + 1)];
  return [ref, undefined];
}

/** Follows a build/import JSON stream; an "error" entry becomes a rejected promise. */
function followProgress(docker: Docker, stream: Readable, onLine: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    let failure: string | undefined;
    docker.modem.followProgress(
      stream,
      (err: Error | null) => (err ? reject(err) : failure ? reject(new Error(failure)) : resolve()),
      (event: { stream?: string; status?: string; error?: string; errorDetail?: { message?: string } }) => {
        // The engine reports build failures inside the stream with HTTP 200, not as a status code.
        if (event.error) failure = event.errorDetail?.message ?? event.error;
        const text = (event.stream ?? event.status ?? '').trimEnd();
        if (text) onLine(text);
      },
    );
  });
}

