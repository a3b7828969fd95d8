/**
 * `@meshd/core/offline`: what works without a cluster — the error catalogue, cluster descriptors
 * (reading and validating a directory) and meshd.yaml. Nothing here reaches
 * @kubernetes/client-node, so `meshd validate` imports this instead of the whole package and starts
 * without loading the Kubernetes client. The same names are exported by `@meshd/core`.
 */
export * from './errors.js';
export * from './descriptor/index.js';
export * from './config/index.js';
