/** `@meshd/core/plan`: planning object changes: desired against live, hashing, semantic comparison, ordering, waves, the journal and outcome of a plan, served API versions. */
export * from './hash.js';
export * from './semantic.js';
export * from './order.js';
export * from './objects.js';
export * from './journal.js';
export * from './outcome.js';
export * from './waves.js';
export * from './served.js';
