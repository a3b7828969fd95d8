/** The helm rendering layer: run `helm template`, resolve values, cache renders, order objects. */
export * from './args.js';
export * from './cache.js';
export * from './digest.js';
export * from './hash.js';

export * from './parse.js';
export * from './render.js';
export * from './scope.js';
export * from './store.js';
export * from './stored.js';
export * from './values.js';
export * from './endpoint-sentinels.js';
export * from './shortcut.js';
