import type { V1Container, V1Pod } from '@kubernetes/client-node';

export const SANDBOX_CONTAINER = 'sandbox';
export const SYNC_CONTAINER = 'sync';
/** A small shared dir: the command's pid (for signals) and the marker that dates the project sync. */
export const CONTROL_DIR = '/gobox-ctl';
export const PID_FILE = `${CONTROL_DIR}/pid`;
export const SYNC_MARKER = `${CONTROL_DIR}/synced`;

/**
 * The command waits at a gate until the project is in the pod and gobox's attach is wired up: it
 * records its pid, answers "sync N" lines on stdin with "gobox-sync N" on stdout (the handshake
 * of attach-handshake.ts), and on "go" execs the user's command, which keeps the same stdin. So
 * nothing the command writes can come before gobox is attached, and it never sees half a project.
 * On a TTY the lines are not echoed.
 */
export function gateCommand(command: string[], workdir: string, tty: boolean): string[] {
  const quiet = tty ? 'stty -echo 2>/dev/null; ' : '';
  const loud = tty ? 'stty echo 2>/dev/null; ' : '';
  const gate = `while IFS= read -r line; do case "$line" in go) break;; "sync "*) echo "gobox-$line";; esac; done; ${loud}[ "$line" = go ] || exit 125`;
  // The working directory is entered here, once the project is in: as the pod's workingDir the
  // runtime would make it first, as root, and the project's copy could not set its mode.
  return ['/bin/sh', '-c', `echo $$ > ${PID_FILE}; ${quiet}${gate}; cd -- "$1" || exit 125; shift; exec "$@"`, 'gobox-gate', workdir, ...command];
}

/**
 * The pod's second container: it only waits (ignoring the signals sent to the user's command),
 * so gobox can exec tar in it to stream the project in before the gate opens and the changed
 * files out after the command has ended, when the sandbox container can no longer be exec'd.
 * It shares the project volumes and the user, and asks for almost nothing.
 */
export function syncContainer(sandbox: V1Container, syncedVolumes: { volume: string; podPath: string }[]): V1Container {
  const limits = { memory: String(128 * 1024 ** 2), cpu: '200m' };
  const requests = { memory: String(16 * 1024 ** 2), cpu: '10m' };
  return {
    name: SYNC_CONTAINER,
    image: sandbox.image!,
    imagePullPolicy: sandbox.imagePullPolicy!,
    command: ['/bin/sh', '-c', 'trap "" INT TERM HUP; while :; do sleep 3600; done'],
    workingDir: '/',
    volumeMounts: [...syncedVolumes.map((s) => ({ name: s.volume, mountPath: s.podPath })), { name: 'control', mountPath: CONTROL_DIR }],
    resources: { requests, limits },
    securityContext: { ...sandbox.securityContext },
  };
}

/**
 * Kubernetes expands $(VAR) in a container's command and turns "$$" into "$": every "$" is
 * doubled so the command runs exactly as the user typed it (`sh -c 'echo $$'`, `$(pwd)`).
 */
export const escapeForKubernetes = (argv: string[]): string[] => argv.map((a) => a.replaceAll('$', '$$$$'));

/** Adds the gate, the sync container and the control dir; one process namespace lets a signal reach the command's group. */
export function withSyncSidecar(pod: V1Pod, command: string[], tty: boolean, synced: { volume: string; podPath: string }[]): V1Pod {
  const spec = pod.spec!;
  const sandbox = spec.containers[0]!;
  sandbox.command = escapeForKubernetes(gateCommand(command, sandbox.workingDir ?? '/', tty));
  sandbox.workingDir = '/';
  sandbox.stdin = true;
  sandbox.stdinOnce = true;
  sandbox.volumeMounts = [...(sandbox.volumeMounts ?? []), { name: 'control', mountPath: CONTROL_DIR }];
  spec.volumes = [...(spec.volumes ?? []), { name: 'control', emptyDir: { medium: 'Memory', sizeLimit: String(1024 ** 2) } }];
  spec.containers = [sandbox, syncContainer(sandbox, synced)];
  spec.shareProcessNamespace = true;
  return pod;
}
