import { describe, expect, it } from 'vitest';
import { CacheError } from '../common/errors.js';
import { confinedLoopPaths } from './paths.js';

describe('confinedLoopPaths: a hard volume names only its owner\'s files in the caches folder', () => {
  const dir = '/var/lib/gobox/caches';
  const own = { name: 'gobox-cache-1001', owner: '1001' };

  it('accepts the owner\'s own image and mount point, also written with dots', () => {
    expect(confinedLoopPaths({ ...own, image: `${dir}/1001.img`, mount: `${dir}/./1001.mnt` }, dir)).toEqual({ image: `${dir}/1001.img`, mount: `${dir}/1001.mnt` });
    expect(confinedLoopPaths({ ...own, image: undefined, mount: undefined }, dir)).toEqual({ image: `${dir}/1001.img`, mount: `${dir}/1001.mnt` });
  });

  it.each([
    ['an image outside', '/etc/shadow', `${dir}/1001.mnt`],
    ['a mount point outside', `${dir}/1001.img`, '/etc'],
    ['a way out with ..', `${dir}/../../../../etc/passwd`, `${dir}/1001.mnt`],
    ["another user's image", `${dir}/1002.img`, `${dir}/1002.mnt`],
    ['the caches folder itself', `${dir}/1001.img`, dir],
  ])('refuses %s', (_what, image, mount) => {
    expect(() => confinedLoopPaths({ ...own, image, mount }, dir)).toThrow(CacheError);
    expect(() => confinedLoopPaths({ ...own, image, mount }, dir)).toThrow(/refusing cache volume gobox-cache-1001/);
  });

  it.each([undefined, '0', '-1', '1001x', '../1'])('refuses an owner label %s', (owner) => {
    expect(() => confinedLoopPaths({ name: 'v', owner, image: undefined, mount: undefined }, dir)).toThrow(CacheError);
  });
});
