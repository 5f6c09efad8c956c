/** The network a run joins, from its profile's mode (app/run uses it; no other layer does). */
export { resolveNetwork } from './resolve.js';
