/** Public API of this package. */
export * from './render/index.js';
export * from './backend.js';
export * from './config.js';
export * from './release-values.js';
