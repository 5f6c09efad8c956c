/**
 * yaml, as gobox's code loads it (every value import of yaml goes through here;
 * src/architecture.test.ts holds that). `npm run build` replaces this module's output with one
 * bundled file (scripts/bundle-deps.mjs): yaml is about seventy CommonJS modules, and finding,
 * reading and compiling them one by one was a tenth of an in-process run's time before its
 * first step (every run reads the host config and a profile). Unbundled (tsc alone, tsx, the
 * unit tests) it is a plain re-export.
 */
export { parse, stringify, YAMLParseError } from 'yaml';
