import { createHash, randomBytes, X509Certificate } from 'node:crypto';
import { chmod, mkdir, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError, errorMessage } from '../../common/errors.js';
import { helperCaller } from '../../common/helper-caller.js';
import { logger } from '../../common/logger.js';
import { stateDir } from '../../common/paths.js';
import type { HostConfig } from '../../config/schema.js';
import { connectEngine } from '../../engine/index.js';
import { imageFileReaderSpec } from '../../sandbox/helper-spec.js';

const log = logger('ca');
/** Debian's system roots, in the base image and (as a fallback) on the host. */
const SYSTEM_ROOTS = '/etc/ssl/certs/ca-certificates.crt';
const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/**
 * Host path of the merged CA bundle to mount read-only, or undefined when none is configured.
 * It must be a merge: SSL_CERT_FILE replaces Go's system roots rather than adding to them, so
 * a bundle holding only the private CA would break every public https fetch. It runs before
 * every sandbox, so the unchanged case costs a few small reads and one stat. The system roots
 * are those of `image`, the profile's image the sandbox runs, never a default one.
 */
export async function prepareCaBundle(host: { file?: string; config: HostConfig }, env: NodeJS.ProcessEnv, image: string): Promise<string | undefined> {
  if (!host.config.ca) return undefined;
  const where = `${host.file ?? 'host config'}: ca`;
  // A relative path means relative to the config file, as a reader of that file would expect.
  const caPath = path.resolve(host.file ? path.dirname(host.file) : process.cwd(), host.config.ca);
  const extra = await readHostCa(caPath, where);
  const roots = await systemRoots(image, env);
  return writeOnce(path.join(stateDir(env), 'ca'), 'bundle', [...pemBlocks(roots), ...extra].join('\n') + '\n');
}

function pemBlocks(text: string): string[] {
  return text.match(PEM_BLOCK) ?? [];
}

/** Every certificate in a PEM file, or in each *.pem / *.crt of a directory; each one must parse. */
async function readHostCa(caPath: string, where: string): Promise<string[]> {
  let files: string[];
  try {
    const st = await stat(caPath);
    files = st.isDirectory()
      ? (await readdir(caPath)).filter((f) => /\.(pem|crt)$/i.test(f)).sort().map((f) => path.join(caPath, f))
      : [caPath];
  } catch (e) {
    throw new ConfigError(`${where}: cannot read ${caPath}: ${(e as NodeJS.ErrnoException).code ?? errorMessage(e)}`);
  }
  if (files.length === 0) throw new ConfigError(`${where}: directory ${caPath} holds no *.pem or *.crt files`);
  const certs: string[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, 'latin1');
    } catch (e) {
      throw new ConfigError(`${where}: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? errorMessage(e)}`);
    }
    const blocks = pemBlocks(text);
    if (blocks.length === 0) throw new ConfigError(`${where}: ${file} is not a PEM certificate file (no -----BEGIN CERTIFICATE----- block)`);
    blocks.forEach((block, i) => {
      try {
        new X509Certificate(block);
      } catch (e) {
        throw new ConfigError(`${where}: ${file}: certificate ${i + 1} is not valid PEM: ${errorMessage(e)}`);
      }
    });
    certs.push(...blocks);
  }
  return certs;
}

/**
 * The image's own roots, read once per image id with a short helper container and kept under
 * the state dir. Before the image exists, or without an engine (`gobox env`), the host's roots
 * stand in: on a Debian host they are the same package.
 */
async function systemRoots(image: string, env: NodeJS.ProcessEnv): Promise<string> {
  const dir = path.join(stateDir(env), 'ca');
  try {
    const engine = await connectEngine(env);
    const id = await engine.imageId(image);
    if (id) {
      const cached = path.join(dir, `roots-${id.replace(/^sha256:/, '').slice(0, 16)}.pem`);
      const have = await readFile(cached, 'utf8').catch(() => undefined);
      if (have) return have;
      const res = await engine.runHelper(imageFileReaderSpec(image, SYSTEM_ROOTS, helperCaller()));
      const blocks = pemBlocks(res.output);
      if (res.exitCode === 0 && blocks.length > 0) {
        const text = blocks.join('\n') + '\n';
        await writeAtomic(cached, text);
        return text;
      }
      log.debug(`image ${image} has no usable ${SYSTEM_ROOTS} (exit ${res.exitCode}); using the host's`);
    }
  } catch (e) {
    log.debug(`cannot read system roots from image ${image} (${errorMessage(e)}); using the host's`);
  }
  try {
    return await readFile(SYSTEM_ROOTS, 'utf8');
  } catch {
    throw new ConfigError(`cannot find system root certificates to merge with the host CA (neither image ${image} nor this host has ${SYSTEM_ROOTS})`);
  }
}

/** Content-addressed: the same bundle is written once, and a changed CA gets a new file. */
async function writeOnce(dir: string, prefix: string, text: string): Promise<string> {
  const file = path.join(dir, `${prefix}-${createHash('sha256').update(text).digest('hex').slice(0, 16)}.pem`);
  const st = await stat(file).catch(() => undefined);
  if (st?.size === Buffer.byteLength(text)) return file;
  await writeAtomic(file, text);
  return file;
}

/** Temp file plus rename, so a sandbox never mounts half a bundle; 0644 so any sandbox user can read it. */
async function writeAtomic(file: string, text: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true, mode: 0o755 });
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(tmp, text, { mode: 0o644 });
  await chmod(tmp, 0o644); // the umask may have narrowed it
  await rename(tmp, file);
}
