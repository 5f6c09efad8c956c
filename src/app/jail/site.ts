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
  /** A fresh dir the jail mounts at /out, writable by the uid the jail runs as (its bin/ and meta/ too). */
  stage(outDir: string, writer: { uid: number; gid: number }): Promise<string>;
  /** verify's rebuild: a fresh dir beside the stage for its module copy, writable by the build's owner. */
  moduleCopy(stage: string): Promise<string>;
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
    // Staged in the out dir (same file system, so outputs move by rename), writable by the jail's
    // uid: theirs as root; else, for verify's rebuild as another uid, open to it (the out dir is
    // then the verify's own, inside its 0700 work dir).
    stage: async (outDir, writer) => {
      const stage = await fs.mkdtemp(path.join(outDir, '.gobox-jail-'));
      for (const dir of [stage, path.join(stage, 'bin'), path.join(stage, 'meta')]) {
        if (dir !== stage) await fs.mkdir(dir);
        if (asRoot()) await fs.chown(dir, writer.uid, writer.gid);
        else if (writer.uid !== process.getuid?.()) await fs.chmod(dir, 0o777);
      }
      return stage;
    },
    moduleCopy: async (stage) => {
      const dir = `${stage}-modules`;
      await fs.mkdir(dir, { mode: 0o755 });
      if (asRoot()) await fs.chown(dir, owner.uid, owner.gid);
      return dir;
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
    dispose: async (stage) => {
      await fs.rm(stage, { recursive: true, force: true });
      await removeModuleTree(`${stage}-modules`);
    },
  };
}

/** A module cache's dirs are read-only (Go makes them 0555): writable again first, or its owner cannot remove it. */
async function removeModuleTree(dir: string): Promise<void> {
  const walk = async (d: string): Promise<void> => {
    await fs.chmod(d, 0o700).catch(() => {});
    for (const e of await fs.readdir(d, { withFileTypes: true }).catch(() => [])) if (e.isDirectory()) await walk(path.join(d, e.name));
  };
  if (!asRoot()) await walk(dir);
  await fs.rm(dir, { recursive: true, force: true });
}
