/** Public API of @meshd/core. */
export * from './errors.js';
export * from './kube/object.js';
