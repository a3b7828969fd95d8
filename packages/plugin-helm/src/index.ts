/** Public API of this package. */
export * from './render/index.js';
