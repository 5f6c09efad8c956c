import { PassThrough } from 'node:stream';
import { Attach, type V1ContainerStatus } from '@kubernetes/client-node';
import { errorMessage, GoboxError } from '../../common/errors.js';
import type { AttachEnd, AttachOptions, SandboxHandle, WaitResult } from '../engine.js';
import type { KubeClients } from './client.js';
import { kubeCall, orMissing } from './errors.js';
import { execIn } from './exec.js';
import { AttachHandshake } from './attach-handshake.js';
import { copyBackInto } from './project-sync.js';
import { applyPodDeletions } from './deletions.js';
import type { TreeSnapshot } from './tree-snapshot.js';
import { PID_FILE, SANDBOX_CONTAINER, SYNC_CONTAINER, SYNC_MARKER } from './sync-sidecar.js';

const POLL_MS = 250;

export interface SyncedDir {
  hostPath: string;
  podPath: string;
  copyBack: boolean;
  /** What was copied in (copy-back dirs): what the command deleted is deleted on the host too. */
  snapshot?: TreeSnapshot | undefined;
}

/** Forwards into `to` without ever ending it: the client library ends the streams it is given. */
function forwardOnly(to: (b: Buffer) => void): PassThrough {
  const p = new PassThrough();
  p.on('data', to);
  return p;
}

const SYNC_EVERY_MS = 200;
const ATTACH_WITHIN_MS = 30_000;

/**
 * One sandbox pod, already running at its gate with the project inside (kubernetes-engine.ts).
 * attach connects to the command's streams, start opens the gate, wait follows the container
 * status and then copies the changed files back, remove deletes the pod and its files.
 */
export class KubernetesSandbox implements SandboxHandle {
  private gateIn = new PassThrough();
  private handshake: AttachHandshake | undefined;
  private socket: { send(data: Buffer): void; readyState: number } | undefined;
  private userStdin: NodeJS.ReadableStream | undefined;
  private removed = false;
  /** Whether the stream protocol can close stdin alone (v5); older ones close the whole attach. */
  private canCloseStdin = false;

  constructor(
    private readonly c: KubeClients,
    private readonly ns: string,
    readonly id: string,
    private readonly o: { synced: SyncedDir[]; owner: { uid: number; gid: number }; syncLimitBytes: number },
  ) {}

  async attach(opts: AttachOptions): Promise<{ detach(): void; ended: Promise<AttachEnd> }> {
    this.userStdin = opts.stdin;
    const handshake = new AttachHandshake((b) => opts.stdout.write(b), opts.tty ? '\r\n' : '\n');
    this.handshake = handshake;
    const ws = await kubeCall(this.c.server, `attach to pod ${this.id}`, () =>
      new Attach(this.c.kc).attach(this.ns, this.id, SANDBOX_CONTAINER, forwardOnly((b) => handshake.write(b)), opts.tty ? null : forwardOnly((b) => opts.stderr.write(b)), this.gateIn, opts.tty),
    );
    this.canCloseStdin = ws.protocol === 'v5.channel.k8s.io';
    this.socket = ws;
    let detached = false;
    const ended = new Promise<AttachEnd>((resolve) => {
      let failure: string | undefined;
      ws.on('error', (e: unknown) => (failure ??= errorMessage(e)));
      ws.on('close', () => setImmediate(() => resolve(detached || !failure ? {} : { error: failure })));
    });
    return {
      detach: () => {
        detached = true;
        this.userStdin?.removeAllListeners('data');
        ws.close();
      },
      ended,
    };
  }

  /**
   * Opens the gate: the line "go", then the caller's stdin, whose end closes the command's. On an
   * API older than the v5 stream protocol the command's stdin stays open instead (closing it there
   * would end the attach and lose the output).
   */
  async start(): Promise<void> {
    const h = this.handshake;
    if (!h) throw new GoboxError('the sandbox pod was started before it was attached');
    let timer: NodeJS.Timeout | undefined;
    const ask = () => {
      this.gateIn.write(h.nextSync());
      timer = setTimeout(ask, SYNC_EVERY_MS);
    };
    ask();
    const late = new Promise<'late'>((r) => setTimeout(() => r('late'), ATTACH_WITHIN_MS).unref());
    const outcome = await Promise.race([h.seen, late]);
    clearTimeout(timer);
    if (outcome === 'late') throw new GoboxError(`the output of sandbox pod ${this.id} could not be attached within ${ATTACH_WITHIN_MS / 1000}s`);
    this.gateIn.write(h.go());
    if (this.userStdin) this.userStdin.pipe(this.gateIn, { end: this.canCloseStdin });
    else if (this.canCloseStdin) this.gateIn.end();
  }

  private async sandboxStatus(): Promise<{ status?: V1ContainerStatus; phase?: string; reason?: string } | undefined> {
    const pod = await orMissing(kubeCall(this.c.server, `read pod ${this.id}`, () => this.c.core.readNamespacedPod({ name: this.id, namespace: this.ns })));
    if (!pod) return undefined;
    return { status: pod.status?.containerStatuses?.find((s) => s.name === SANDBOX_CONTAINER), phase: pod.status?.phase, reason: pod.status?.reason };
  }

  async wait(): Promise<WaitResult> {
    for (;;) {
      const s = await this.sandboxStatus();
      // Deleted under us (gc, an admin) or ended by activeDeadlineSeconds: killed, as a container would be.
      if (!s || (s.phase === 'Failed' && !s.status?.state?.terminated)) return { exitCode: 137, oomKilled: false, notices: [`the sandbox pod ${this.id} was ${s ? `ended by the cluster (${s.reason ?? 'Failed'})` : 'deleted'} before the command finished`] };
      const t = s.status?.state?.terminated;
      if (t) return { exitCode: t.exitCode, oomKilled: t.reason === 'OOMKilled', notices: await this.copyBack() };
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }

  /**
   * The files the command changed or created since the sync (ctime newer than the marker), back
   * into the host project; then what it deleted, deleted there too (deletions.ts).
   */
  private async copyBack(): Promise<string[]> {
    const notices: string[] = [];
    for (const d of this.o.synced.filter((s) => s.copyBack)) {
      const back = copyBackInto(d.hostPath, this.o.owner, this.o.syncLimitBytes);
      const script = `cd "$1" && find . ! -path . -cnewer ${SYNC_MARKER} \\( -type f -o -type d -o -type l \\) -print0 | tar --null --no-recursion -T - -cf -`;
      try {
        const r = await execIn(this.c, this.ns, this.id, SYNC_CONTAINER, ['/bin/sh', '-c', script, 'copy-back', d.podPath], { stdout: back.sink });
        const { skipped, lost } = await back.done;
        if (r.exitCode !== 0) notices.push(`warning: copying ${d.hostPath} back from the pod failed (exit ${r.exitCode}: ${r.stderr.trim().split('\n')[0] ?? ''}); some changes stay behind`);
        if (skipped.length) notices.push(`warning: not copied back into ${d.hostPath}: ${skipped.slice(0, 5).join('; ')}${skipped.length > 5 ? ` and ${skipped.length - 5} more` : ''}`);
        // A file the command moved shows as deleted here and created there: delete only once every
        // file and link came back, so no content exists only in the pod when its old copy goes.
        if (d.snapshot && r.exitCode === 0 && !lost) notices.push(...(await applyPodDeletions(this.c, this.ns, this.id, d.podPath, d.snapshot, this.o.owner)));
        else if (d.snapshot) notices.push(`warning: files deleted in the pod are not deleted in ${d.hostPath}, since not every file came back`);
      } catch (e) {
        notices.push(`warning: copying ${d.hostPath} back from the pod failed: ${errorMessage(e)}`);
      }
    }
    return notices;
  }

  async inspectState(): Promise<WaitResult & { running: boolean }> {
    const s = await this.sandboxStatus();
    const t = s?.status?.state?.terminated;
    return { exitCode: t?.exitCode ?? 0, oomKilled: t?.reason === 'OOMKilled', running: Boolean(s?.status?.state?.running) };
  }

  /** To the command's whole process group, as a terminal's Ctrl-C would; the sync container ignores it. */
  async kill(signal: string): Promise<void> {
    const sig = signal.replace(/^SIG/, '');
    if (!/^[A-Z0-9]+$/.test(sig)) throw new GoboxError(`not a signal: ${signal}`);
    const r = await execIn(this.c, this.ns, this.id, SYNC_CONTAINER, ['/bin/sh', '-c', `kill -s ${sig} -- -"$(cat ${PID_FILE})" 2>/dev/null || kill -s ${sig} "$(cat ${PID_FILE})" 2>/dev/null || true`], { timeoutMs: 15_000 });
    if (r.exitCode !== 0) throw new GoboxError(`could not send ${signal}: ${r.stderr.trim()}`);
  }

  /** The terminal's size, on the stream protocol's resize channel (4), as kubectl sends it. */
  async resize(rows: number, cols: number): Promise<void> {
    if (this.socket?.readyState !== 1) return;
    this.socket.send(Buffer.concat([Buffer.from([4]), Buffer.from(JSON.stringify({ Width: cols, Height: rows }))]));
  }

  async remove(): Promise<void> {
    if (this.removed) return;
    this.removed = true;
    await deletePod(this.c, this.ns, this.id);
  }
}

/** Deletes a sandbox pod at once: no grace, its command has ended or is to be ended. */
export async function deletePod(c: KubeClients, ns: string, pod: string): Promise<void> {
  await orMissing(kubeCall(c.server, `delete pod ${pod}`, () => c.core.deleteNamespacedPod({ name: pod, namespace: ns, gracePeriodSeconds: 0 })));
}
