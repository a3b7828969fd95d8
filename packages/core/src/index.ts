/**
 * Public API of @meshd/core: the plugin API, the reconcile pass and meshd.yaml, with the error
 * catalogue they all speak. The rest is behind subpath exports, one a folder:
 * `@meshd/core/cluster` (clients), `/kube` (objects, reads and writes), `/apply`, `/plan`,
 * `/release` (the release engine plugins build on), `/registry`, `/discovery`, `/prereq`,
 * `/descriptor`, `/state`, `/compat`, `/credentials`, `/util`, and `/offline` (what works without a
 * cluster: errors, descriptors, config).
 */
export * from './errors.js';
export * from './plugin/types.js';
export * from './plugin/define.js';
export * from './plugin/watch.js';
export * from './pass/index.js';
export * from './config/index.js';
