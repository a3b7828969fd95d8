/**
 * @meshd/testkit: what tests and benchmarks share and no package ships — fake loggers, sample
 * descriptors and kubeconfigs, report builders, stand-in pods. Nothing here runs in meshd itself.
 */
export * from './descriptors.js';
export * from './io.js';
export * from './logger.js';
export * from './pods.js';
export * from './reports.js';
