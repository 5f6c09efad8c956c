import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { packageRoot } from '../../common/paths.js';

export const RECIPE_FILES = ['Dockerfile', 'packages.txt', 'finalize.sh'] as const;
export const DEFAULT_IMAGE = 'gobox-base:bookworm';
export const DEBIAN_SUITE = 'bookworm';

export function imagesDir(): string {
  return path.join(packageRoot(), 'images');
}

/** A hash of the recipe files, stored as an image label so a stale image can be told apart. */
export async function recipeHash(): Promise<string> {
  const h = createHash('sha256');
  for (const f of RECIPE_FILES) h.update(f).update(await readFile(path.join(imagesDir(), f)));
  return h.digest('hex').slice(0, 16);
}

export async function recipePackages(): Promise<string[]> {
  const text = await readFile(path.join(imagesDir(), 'packages.txt'), 'utf8');
  return text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
}

/** Only gobox's own base image can be built here; other images in a profile must exist already. */
export function isBuildableRef(ref: string): boolean {
  return ref.startsWith('gobox-base:');
}
