export { parseGoVersion, compareGoVersions, normalizeGoVersion, toolchainName, type GoVersion } from './version.js';
export { findProjectRoot, readGoDirectives, directivesFile, type ProjectRoot, type GoDirectives } from './gomod.js';
export { resolveToolchain, type ResolveInput, type ResolvedToolchain } from './resolve.js';
export { ToolchainStore, type InstalledToolchain, type InstallOptions, type RemoveOptions } from './store.js';
export { DEFAULT_MIRROR, defaultMirror, type AvailableVersion } from './mirror.js';
export { ToolchainStores, type ListedToolchain, type StoreKind } from './stores.js';
