import { PassThrough, type Readable, type Writable } from 'node:stream';
import { Exec, type V1Status } from '@kubernetes/client-node';
import { GoboxError } from '../../common/errors.js';
import { convertKubeError } from './errors.js';
import type { KubeClients } from './client.js';

export interface ExecResult {
  exitCode: number;
  stderr: string;
}

/** The exit code in an exec's final Status: Success, or a NonZeroExitCode cause. */
export function exitCodeOf(status: V1Status): number {
  if (status.status === 'Success') return 0;
  const cause = status.details?.causes?.find((c) => c.reason === 'ExitCode');
  const code = Number(cause?.message);
  return Number.isInteger(code) ? code : 1;
}

/**
 * Runs a command in a running container over the exec websocket: stdin streamed in (its end
 * closes the command's stdin), stdout handed to `stdout` (ended with the exec), stderr kept for
 * the message. Resolves with the exit code once the API sends the final status.
 */
export async function execIn(c: KubeClients, ns: string, pod: string, container: string, command: string[], io: { stdin?: Readable; stdout?: Writable; timeoutMs?: number } = {}): Promise<ExecResult> {
  const errBuf = new PassThrough();
  let stderr = '';
  errBuf.on('data', (b: Buffer) => (stderr = (stderr + b.toString()).slice(-4000)));
  const out = io.stdout ?? new PassThrough().resume();
  let ws: Awaited<ReturnType<Exec['exec']>> | undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    return await new Promise<ExecResult>((resolve, reject) => {
      let status: V1Status | undefined;
      if (io.timeoutMs) timer = setTimeout(() => (ws?.close(), reject(new GoboxError(`${command[0]} in pod ${pod} did not finish within ${io.timeoutMs! / 1000}s`))), io.timeoutMs);
      new Exec(c.kc)
        .exec(ns, pod, container, command, out, errBuf, io.stdin ?? null, false, (s) => (status = s))
        .then((socket) => {
          ws = socket;
          socket.on('close', () => (status ? resolve({ exitCode: exitCodeOf(status), stderr }) : reject(new GoboxError(`the exec of ${command[0]} in pod ${pod} ended without a status${stderr ? `: ${stderr.trim()}` : ''}`))));
          socket.on('error', (e: unknown) => reject(convertKubeError(e, `exec ${command[0]} in pod ${pod}`, c.server)));
        }, (e: unknown) => reject(convertKubeError(e, `exec ${command[0]} in pod ${pod}`, c.server)));
    });
  } finally {
    clearTimeout(timer);
  }
}
