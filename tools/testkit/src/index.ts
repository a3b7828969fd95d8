/**
 * @meshd/testkit: what tests and benchmarks share and no package ships — fake loggers, sample
 * descriptors and kubeconfigs, report builders, stand-in pods, the real `meshd run` as a child
 * process, the Helm 2 client an operator runs against a Tiller. Nothing here runs in meshd itself.
 */
export * from './daemon-process.js';
export * from './descriptors.js';
export * from './helm2.js';
export * from './io.js';
export * from './logger.js';
export * from './pods.js';
export * from './reports.js';
export * from './round-trips.js';
