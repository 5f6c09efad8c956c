import { GoboxError } from '../../common/errors.js';

/** What the Engine interface asks but a cluster does not do: one clear line, never a pretence. */
export function unsupported(what: string): Promise<never> {
  return Promise.reject(new GoboxError(`the kubernetes engine does not do ${what}`));
}
