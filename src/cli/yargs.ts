/**
 * yargs, as the CLI loads it. `npm run build` replaces this module's output with one bundled
 * file (scripts/bundle-deps.mjs): yargs and its dependencies are about 45 ES modules, and
 * resolving, reading and linking them one by one was a fifth of `gobox --version`. Types and
 * behaviour are yargs's own; unbundled (tsc alone, tsx) it is a plain re-export.
 */
export { default } from 'yargs';
export { hideBin } from 'yargs/helpers';
