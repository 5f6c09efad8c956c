/** The reproducible build jail (issue 11): fetch, build with provenance, verify by rebuild. */
export { jailBuild, type JailBuildOptions, type JailBuildResult } from './build.js';
export { jailFetch } from './fetch.js';
export { jailVerify, type VerifyReport } from './verify.js';
export { parseBuildArgs } from './flags.js';
export { runInJail } from './run-in-jail.js';
