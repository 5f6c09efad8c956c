/** The user's cache volume: `gobox cache`, the daemon's cache info and its after-run check. */
export { cacheContext, cacheInfo, cacheOwner, clearCacheOf, trimCache, type CacheInfo } from './admin.js';
export { afterRunCache, cacheVolumeName } from './volume.js';
export { hardPaths } from './hard-limit.js';
