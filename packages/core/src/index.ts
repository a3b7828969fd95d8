/** Public API of @meshd/core. */
export * from './errors.js';
