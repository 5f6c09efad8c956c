import { promises as fs } from 'node:fs';
import path from 'node:path';
import { hashDir } from './dirhash.js';
import { gitFacts, readGoSum } from './facts.js';
import { prepareOutDir } from './out-dir.js';
import { envelopeFile } from './signing.js';

export interface SourceFacts {
  dirHash: string;
  modules: { path: string; version: string; h1: string }[];
}

/** The record and its optional DSSE envelope, as bytes: the site only writes them. */
export interface JailRecord {
  provenance: Buffer;
  envelope?: Buffer;
}

/**
 * Where a jail build's files live and who touches them. Direct mode: the caller itself, in their
 * own out dir. Through the shared-host daemon (daemon/jail-site.ts): root runs the container, but
 * the user's project, out dir and git are read and written only by a child process with the
 * user's uid, so root's reach never lends a user a directory of someone else's.
 */
export interface JailSite {
  /** Validates (or makes) the out dir; its real path. */
  outDir(dir: string, projectRoot: string): Promise<string>;
  gitFacts(root: string): Promise<{ commit?: string; epoch: number }>;
  /** The source tree's digest and go.sum's modules (hashed while the jail builds). */
  source(root: string, excluded: string[]): Promise<SourceFacts>;
  /** A fresh dir the jail mounts at /out, writable by the sandbox user. */
  stage(outDir: string): Promise<string>;
  /** Puts the outputs (already hashed in the stage) and the record into the out dir. */
  deliver(stage: string, outDir: string, outputs: string[], record: JailRecord): Promise<void>;
  dispose(stage: string): Promise<void>;
}

const asRoot = () => process.getuid?.() === 0;

/** Direct mode: the caller's own process does it all; as root on a user's behalf, the files become the user's. */
export function directSite(owner: { uid: number; gid: number }): JailSite {
  return {
    outDir: (dir, root) => prepareOutDir(dir, root, owner),
    gitFacts,
    source: async (root, excluded) => {
      const [dirHash, modules] = await Promise.all([hashDir(root, 'source', excluded), readGoSum(root)]);
      return { dirHash, modules };
    },
    // Staged in the out dir (same file system, so outputs move by rename), owned by the sandbox user.
    stage: async (outDir) => {
      const stage = await fs.mkdtemp(path.join(outDir, '.gobox-jail-'));
      if (asRoot()) await fs.chown(stage, owner.uid, owner.gid);
      return stage;
    },
    deliver: async (stage, outDir, outputs, record) => {
      for (const name of outputs) await fs.rename(path.join(stage, 'bin', name), path.join(outDir, name));
      const provenanceFile = path.join(outDir, 'provenance.json');
      const written: [string, string][] = [[path.join(stage, 'provenance.json'), provenanceFile]];
      await fs.writeFile(written[0]![0], record.provenance, { mode: 0o644 });
      if (record.envelope) {
        written.push([path.join(stage, 'provenance.dsse.json'), envelopeFile(provenanceFile)]);
        await fs.writeFile(written[1]![0], record.envelope, { mode: 0o644 });
      }
      for (const [tmp, final] of written) {
        if (asRoot()) await fs.chown(tmp, owner.uid, owner.gid);
        await fs.rename(tmp, final);
      }
    },
    dispose: (stage) => fs.rm(stage, { recursive: true, force: true }),
  };
}
