export { checkInstall, installShims, removeShims, type InstallResult, type RemoveResult } from './install.js';
export { shimStatus, installedShims, type ShimStatus, type InstalledShims } from './status.js';
export { shimFinding } from './finding.js';
export { SHIM_MARK, SHIM_TOOLS, GUARD_VAR, isGoboxFile, pathLine } from './script.js';
export type { EntryPath, Reach } from './entry-paths.js';
export { shimClient } from './client-build.js';
