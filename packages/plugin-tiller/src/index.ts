/**
 * Public API of @meshd/plugin-tiller: the tiller backend (istio-remote as a Helm 2 release through
 * each remote's Tiller) and the type of its configuration. Its planning parts stay inside.
 */
export { tillerPlugin } from './backend.js';
export type { TillerConfig } from './config.js';
