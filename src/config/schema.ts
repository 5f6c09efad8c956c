import { z } from '../common/zod.js';
import { classGradersSchema } from './class-graders-schema.js';
import { MAX_TIMER_MS, parseDuration, parseSize } from '../common/units.js';
import { GO_ENV_KEYS } from '../sandbox/env.js';
import type { SandboxProfile } from '../sandbox/profile.js';

/** A size like "2g" or "512MiB"; kept as text in the file, checked here so the message names the field. */
export const sizeText = z
  .union([z.string(), z.number()])
  .refine((v) => parseSize(v) !== undefined, { message: 'expected a size such as "512m" or "2g"' });

export const durationText = z
  .union([z.string(), z.number()])
  .refine((v) => parseDuration(v) !== undefined, { message: 'expected a duration such as "90s", "30m" or "1h"' })
  // Timers cannot wait longer (common/units.ts); "0" (no limit) is the way to ask for more.
  .refine((v) => (parseDuration(v) ?? 0) <= MAX_TIMER_MS, { message: 'expected at most 24d (longer waits overflow a timer); use 0 for no limit' });

export const networkMode = z.enum(['none', 'open', 'proxy']);
export type NetworkMode = z.infer<typeof networkMode>;

/** The Go settings a profile or the host may set: the sandbox's allowlist (sandbox/env.ts). */
export { GO_ENV_KEYS };
export const goEnvKey = z.enum(GO_ENV_KEYS);
export const goEnv = z.partialRecord(goEnvKey, z.string());

export const limitsSchema = z.strictObject({
  memory: sizeText.default('2g'),
  cpus: z.number().positive().max(512).default(2),
  pids: z.number().int().positive().default(1024),
  nofile: z.number().int().positive().default(4096),
  /** Largest file a process may write (ulimit -f). */
  fsize: sizeText.default('4g'),
  /** Wall-clock limit; "0" means none. */
  timeout: durationText.default('30m'),
  /** Combined stdout+stderr bytes before gobox stops the sandbox. */
  output: sizeText.default('64m'),
  tmp: sizeText.default('1g'),
  home: sizeText.default('256m'),
  /** What to do when the engine cannot enforce a limit (rootless engines on cgroup v1). */
  enforcement: z.enum(['required', 'best-effort']).default('best-effort'),
});

/** Below 16 MiB an ext4 cache image is mostly metadata (src/cache/size.ts says why). */
const MIN_CACHE_TEXT_BYTES = 16 * 1024 ** 2;
export const cacheSchema = z.strictObject({
  size: sizeText
    .refine((v) => (parseSize(v) ?? 0) >= MIN_CACHE_TEXT_BYTES, { message: 'expected at least 16m (the smallest cache gobox makes)' })
    .default('10g'),
});

export const profileSchema = z.strictObject({
  description: z.string().default(''),
  /** Image reference for the sandbox base; gobox builds it when missing. */
  image: z.string().min(1).default('gobox-base:bookworm'),
  /** Go version used when nothing else chooses one: a version, a prefix ("1.22") or "latest". */
  go: z.string().default('latest'),
  runtime: z.string().optional(),
  network: networkMode.default('open'),
  limits: limitsSchema.default(limitsSchema.parse({})),
  cache: cacheSchema.default(cacheSchema.parse({})),
  env: goEnv.default({}),
  /** Allow ptrace inside the sandbox (debuggers such as dlv); off, nothing can trace anything. */
  ptrace: z.boolean().default(false),
  /** Jail mode: project read-only, outputs in /out, no network, trimpath and CGO off. */
  jail: z.boolean().default(false),
  /**
   * A jail's C toolchain: the compiler this profile's image carries (its Debian package and
   * command, e.g. gcc). With it a jail build runs with CGO_ENABLED=1 and CC set to it, and its
   * provenance names the compiler and the package versions; without it, CGO stays off.
   */
  cToolchain: z.string().regex(/^[a-z][a-z0-9.+-]*$/, 'expected a compiler package name such as gcc').max(40).optional(),
});
export type Profile = z.infer<typeof profileSchema>;
export type ProfileLimits = z.infer<typeof limitsSchema>;

/** Daemon limits a request may raise up to (the profile's own values above them are lowered to them). */
export const policyLimitsSchema = z.strictObject({
  memory: sizeText.optional(),
  cpus: z.number().positive().optional(),
  pids: z.number().int().positive().optional(),
  timeout: durationText.optional(),
  output: sizeText.optional(),
  cacheSize: sizeText.optional(),
});

export const serveSchema = z.strictObject({
  users: z.union([z.literal('all'), z.array(z.string().min(1))]).default('all'),
  groups: z.array(z.string().min(1)).default([]),
});

/** A rule for some users or groups; its fields replace the defaults for them (later rules win). */
export const policyRuleSchema = z.strictObject({
  users: z.array(z.string().min(1)).default([]),
  groups: z.array(z.string().min(1)).default([]),
  allowedProfiles: z.array(z.string()).optional(),
  maxLimits: policyLimitsSchema.optional(),
  maxSandboxes: z.number().int().positive().optional(),
  networks: z.array(networkMode).optional(),
});

export const policySchema = z.strictObject({
  /** Concurrent sandboxes per user. */
  maxSandboxes: z.number().int().positive().default(4),
  /** Network modes a daemon sandbox may use; all when absent. */
  networks: z.array(networkMode).optional(),
  rules: z.array(policyRuleSchema).default([]),
});
export type PolicyConfig = z.infer<typeof policySchema>;

/**
 * Which engine runs sandboxes: the local one found by discovery (docker, the default), or a
 * Kubernetes cluster (docs/kubernetes.md). Sizes and durations stay text here; app/ converts.
 */
export const kubernetesEngineSchema = z.strictObject({
  kind: z.literal('kubernetes'),
  /** The admin's kubeconfig; absent: the in-cluster config when gobox runs in a pod. */
  kubeconfig: z.string().min(1).optional(),
  context: z.string().min(1).optional(),
  namespace: z.string().regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, { message: 'expected a namespace name (lower-case letters, digits and -)' }).default('gobox'),
  /** Pin pods to this node (a cluster without a scheduler needs it). */
  node: z.string().min(1).optional(),
  /** The toolchain store on the nodes: a ReadOnlyMany claim, or a hostPath (default: the store's own path). */
  toolchains: z.union([z.strictObject({ claim: z.string().min(1) }), z.strictObject({ hostPath: z.string().startsWith('/') })]).optional(),
  storageClass: z.string().min(1).optional(),
  /** Largest project copied into a pod (and back). */
  syncLimit: sizeText.default('256m'),
  /** How long a pod may stay Pending before the run fails with the reason. */
  startTimeout: durationText.default('60s'),
  imagePullPolicy: z.enum(['Always', 'IfNotPresent', 'Never']).default('Never'),
  /** The no-tracing seccomp profile's path under the kubelet's seccomp dir, where installed. */
  localhostSeccomp: z.string().min(1).optional(),
  /** Requests equal to limits (Guaranteed QoS); off, sandboxes ask for little and burst to their limits. */
  guaranteed: z.boolean().optional(),
  runtimeClasses: z.record(z.string(), z.string()).optional(),
  podCidr: z.string().optional(),
});
export const engineSchema = z.discriminatedUnion('kind', [z.strictObject({ kind: z.literal('docker') }), kubernetesEngineSchema]);
export type EngineConfig = z.infer<typeof engineSchema>;

/** Host policy, /etc/gobox/config.yaml. */
export const hostConfigSchema = z.strictObject({
  defaultProfile: z.string().default('default'),
  engine: engineSchema.default({ kind: 'docker' }),
  allowedProfiles: z.array(z.string()).optional(),
  env: goEnv.default({}),
  /** PEM file or directory merged with the image's system roots. */
  ca: z.string().optional(),
  goMirror: z.string().url().optional(),
  /** OCI runtime for every sandbox on this host (e.g. runsc); a profile's own runtime wins. */
  runtime: z.string().min(1).optional(),
  /**
   * Network mode `proxy`: the module proxy sandboxes may reach (also their GOPROXY when nothing
   * else sets one), plus further host:port pairs, e.g. sumdb.corp.example:443. Nothing else is reachable.
   */
  proxy: z
    .strictObject({
      url: z.string().refine((u) => URL.canParse(u) && /^https?:$/.test(new URL(u).protocol), { message: 'expected an http:// or https:// URL' }),
      allow: z.array(z.string().regex(/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, { message: 'expected host:port, e.g. sumdb.corp.example:443' })).default([]),
    })
    .optional(),
  /** Host-wide maxima for every request; policy rules may refine them per user or group. */
  maxLimits: policyLimitsSchema.default({}),
  /** gobox serve: whose sockets the daemon makes (all login users, listed users, or members of groups). */
  serve: serveSchema.default(serveSchema.parse({})),
  /** gobox serve: what a daemon request may ask for; per-user and per-group rules refine it. */
  policy: policySchema.default(policySchema.parse({})),
  /** gobox class through the daemon: which unix group may grade which users or groups. */
  classes: classGradersSchema,
  /**
   * gobox jail: signingKey, an ed25519 private key (PEM) that signs each build's provenance as a
   * DSSE envelope; trustedKeys, public keys (PEM) whose signatures verify accepts (the signing
   * key's own public half is trusted too).
   */
  jail: z
    .strictObject({
      signingKey: z.string().optional(),
      trustedKeys: z.array(z.string()).default([]),
    })
    .optional(),
});
export type HostConfig = z.infer<typeof hostConfigSchema>;

/** Every parsed profile can feed the security contract: tsc fails here if the two drift apart. */
export const profileFitsSandbox: (p: Profile) => SandboxProfile = (p) => p;
