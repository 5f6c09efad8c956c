/** Toolchain admin for `gobox toolchain`: the mirror to install from, and whether a version is in use. */
export { chooseMirror } from './mirror-choice.js';
export { toolchainInUse } from './in-use.js';
