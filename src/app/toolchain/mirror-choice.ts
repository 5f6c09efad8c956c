import { loadHostConfig } from '../../config/host-config.js';
import { DEFAULT_MIRROR } from '../../toolchain/mirror.js';

/** The Go download mirror, strongest first: --mirror, GOBOX_GO_MIRROR, host config goMirror, the official site. */
export async function chooseMirror(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  if (flag?.trim()) return flag.trim();
  if (env.GOBOX_GO_MIRROR?.trim()) return env.GOBOX_GO_MIRROR.trim();
  const host = await loadHostConfig(env);
  return host.config.goMirror ?? DEFAULT_MIRROR;
}
