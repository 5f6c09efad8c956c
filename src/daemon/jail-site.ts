import { constants, promises as fs } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { JailSite, SourceFacts } from '../app/jail/site.js';
import { runAsUser } from './as-user.js';
import type { HostUser } from './users.js';

const HELPER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'jail-as-user.js');

const stagesIn = (stateDir: string) => path.join(stateDir, 'jail-stage');

/**
 * At the daemon's start no jail build of it can be running, so every stage left in its state dir
 * belongs to a daemon that died mid-build (crash, SIGKILL, power loss): removed, never reused.
 */
export async function sweepStages(stateDir: string): Promise<string[]> {
  const stages = stagesIn(stateDir);
  const left = await fs.readdir(stages).catch(() => [] as string[]);
  for (const name of left) await fs.rm(path.join(stages, name), { recursive: true, force: true });
  return left;
}

/**
 * A jail build through the daemon: root runs the container, the user's files are the user's to
 * touch (jail-as-user.ts, run with their uid). The stage the jail writes into is root's own: a
 * dir only the sandbox user may write, under a 0700 dir of the daemon's state, so nobody on the
 * host can swap an output between the build and its hashing; the hashed bytes are then handed
 * to the user's helper as open files, and it writes them into the out dir.
 */
export function daemonSite(user: HostUser, stateDir: string): JailSite {
  const stages = stagesIn(stateDir);
  return {
    outDir: async (dir, root) => String((await runAsUser(user, HELPER, ['out', dir, root])).outDir),
    gitFacts: async (root) => {
      const a = await runAsUser(user, HELPER, ['git', root]);
      return { epoch: Number(a.epoch), ...(typeof a.commit === 'string' ? { commit: a.commit } : {}) };
    },
    source: async (root, excluded) => {
      const a = await runAsUser(user, HELPER, ['source', root], { input: JSON.stringify(excluded) });
      return { dirHash: String(a.dirHash), modules: a.modules as SourceFacts['modules'] };
    },
    stage: async (_outDir, writer) => {
      await fs.mkdir(stages, { recursive: true, mode: 0o700 });
      await fs.chmod(stages, 0o700);
      const box = await fs.mkdtemp(path.join(stages, `${user.uid}-`));
      const out = path.join(box, 'out');
      await fs.mkdir(out, { mode: 0o700 });
      await fs.chown(out, writer.uid, writer.gid);
      return out;
    },
    // In the same root-only box: the user's module copy step writes it, the rebuild's uid reads it.
    moduleCopy: async (stage) => {
      const dir = path.join(path.dirname(stage), 'modules');
      await fs.mkdir(dir, { mode: 0o755 });
      await fs.chown(dir, user.uid, user.gid);
      return dir;
    },
    deliver: async (stage, outDir, outputs, record) => {
      const files: { name: string; mode: number; handle: FileHandle }[] = [];
      try {
        for (const name of outputs) {
          const handle = await fs.open(path.join(stage, 'bin', name), constants.O_RDONLY | constants.O_NOFOLLOW);
          files.push({ name, mode: (await handle.stat()).mode, handle });
        }
        const input = JSON.stringify({
          files: files.map(({ name, mode }) => ({ name, mode })),
          provenance: record.provenance.toString('base64'),
          ...(record.envelope ? { envelope: record.envelope.toString('base64') } : {}),
        });
        await runAsUser(user, HELPER, ['deliver', outDir], { input, fds: files.map((f) => f.handle.fd) });
      } finally {
        for (const f of files) await f.handle.close();
      }
    },
    dispose: (stage) => fs.rm(path.dirname(stage), { recursive: true, force: true }),
  };
}
