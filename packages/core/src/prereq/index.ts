/** Live prerequisite checks of Istio 0.8 multicluster: gather facts (I/O), then judge them (pure). */
export * from './version.js';
export * from './cidr.js';
export * from './facts.js';
export * from './pilot-flags.js';
export * from './findings.js';
export * from './check-versions.js';
export * from './check-cidrs.js';
export * from './check.js';
export * from './facts-cache.js';
