export { cacheLimitBytes, defaultTrimTarget, MIN_CACHE_BYTES, parseSizeArg } from './size.js';
export { planTrim, type CacheEntry, type TrimPlan } from './trim-plan.js';
export { CLEAR_SCRIPT, parseScan, SCAN_SCRIPT, TRIM_SCRIPT, type CacheScan } from './scan.js';
export { cachesDir, confinedLoopPaths, loopPaths, type LoopPaths } from './paths.js';
export { attachImage, createImage, detachImage, growImage, hardLimitUnavailable, imageBytes, isAttached } from './loop-image.js';
export { liveRuns, trimHolder, usableLockDir, withRunMarker, withTrimLock } from './run-lock.js';
export { CACHE_LABEL, cacheVolumeLabels, volumeMode, type CacheMode } from './labels.js';
export { mountAt } from './mountinfo.js';
