import { promises as fs } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import type { BuildArgs } from '../app/jail/flags.js';
import type { VerifyVia } from '../app/jail/verify.js';
import { ProvenanceSchema } from '../app/jail/provenance-schema.js';
import { z } from '../common/zod.js';
import { GoboxError } from '../common/errors.js';
import type { ExitPayload } from '../wire/client.js';
import { jailBuildReply, type JailBuildReply, type JailRequest } from '../wire/jail-request.js';
import { callDaemon } from './daemon-client.js';

/** What every jail request through the daemon carries besides its action. */
export interface JailCall {
  socket: string;
  profile?: string | undefined;
  go?: string | undefined;
  env: NodeJS.ProcessEnv;
}

function call(c: JailCall, cwd: string, jail: Partial<JailRequest> & Pick<JailRequest, 'action'>, io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream }): Promise<unknown> {
  return callDaemon(c.socket, {
    op: 'jail', cwd, command: ['jail', jail.action], profile: c.profile, go: c.go, env: c.env, tty: false, io,
    jail: { flags: [], packages: [], rebuild: false, ...jail },
  });
}

/** `gobox jail fetch` through the daemon: its run of go mod download and go mod verify, as this user. */
export async function fetchViaDaemon(c: JailCall, cwd: string, io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream }): Promise<ExitPayload> {
  return (await call(c, cwd, { action: 'fetch' }, io)) as ExitPayload;
}

/** `gobox jail build` through the daemon: it builds as this user and writes the outputs and record into `out` as them. */
export async function buildViaDaemon(c: JailCall, cwd: string, out: string, args: BuildArgs, stderr: NodeJS.WritableStream, rebuild = false): Promise<JailBuildReply> {
  const reply = await call(c, cwd, { action: 'build', out: path.resolve(cwd, out), flags: args.flags, packages: args.packages, rebuild }, { stdout: stderr, stderr });
  return jailBuildReply.parse(reply);
}

const signatureCheck = z.object({ present: z.boolean(), keyids: z.array(z.string()), problem: z.string().optional() });

/** Collects a run's stdout for `go version -m` (small: two binaries' build info). */
function collector(): Writable & { text: string } {
  const w = new Writable({
    write(chunk: Buffer, _enc, done) {
      if (w.text.length < 1 << 20) w.text += chunk.toString();
      done();
    },
  }) as Writable & { text: string };
  w.text = '';
  return w;
}

/** verify's daemon half: the rebuild (a daemon jail build of the copy), the signature check, `go version -m`. */
export function verifyVia(c: JailCall, stderr: NodeJS.WritableStream): VerifyVia {
  return {
    rebuild: async (cwd, out, args, go) => {
      const r = await buildViaDaemon({ ...c, go }, cwd, out, args, stderr, true);
      const provenance = ProvenanceSchema.parse(JSON.parse(await fs.readFile(r.provenanceFile, 'utf8')));
      return { outDir: r.outDir, provenance, ranAs: r.ranAs };
    },
    signature: async (provenanceFile, bytes, envelope) => {
      const r = await call(c, path.dirname(provenanceFile), { action: 'signature', provenanceFile, provenance: bytes.toString('utf8'), envelope }, { stdout: stderr, stderr });
      const check = signatureCheck.parse(r);
      return { present: check.present, keyids: check.keyids, ...(check.problem ? { problem: check.problem } : {}) };
    },
    buildInfo: async (dir, files, go) => {
      const out = collector();
      const err = collector();
      const r = (await callDaemon(c.socket, { op: 'run', cwd: dir, command: ['go', 'version', '-m', ...files], go, env: {}, tty: false, io: { stdout: out, stderr: err } })) as ExitPayload;
      if (r.exitCode !== 0) throw new GoboxError(err.text.trim().split('\n')[0] ?? `go version -m: exit ${r.exitCode}`);
      return out.text;
    },
  };
}
