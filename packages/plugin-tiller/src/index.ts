/** Public API of this package: the tiller backend and its pure planning parts. */
export * from './backend.js';
export * from './config.js';
export * from './steps.js';
export * from './plan.js';
export * from './decide.js';
export * from './removal.js';
export * from './observe.js';
export * from './prerequisites.js';
export * from './component.js';
export * from './execute.js';
export * from './helm2/args.js';
export * from './helm2/parse.js';
export * from './helm2/session.js';
export * from './helm2/location.js';
