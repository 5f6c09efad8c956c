/**
 * zod, as gobox's code loads it (every value import of zod goes through here;
 * src/architecture.test.ts holds that). `npm run build` replaces this module's output with one
 * bundled file (scripts/bundle-deps.mjs): zod is about a hundred ES modules, and resolving,
 * reading and linking them one by one cost more than the run's first steps. Unbundled (tsc
 * alone, tsx, the unit tests) it is a plain re-export.
 */
export { z } from 'zod';
