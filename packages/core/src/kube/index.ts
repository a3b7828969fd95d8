/** `@meshd/core/kube`: Kubernetes objects and the reads and writes of them on a cluster. */
export * from './object.js';
export * from './io.js';
export * from './namespace-contents.js';
