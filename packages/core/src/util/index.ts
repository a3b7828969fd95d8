/** `@meshd/core/util`: small helpers the packages share: deadlines, memoised parsing of texts, shared reads in flight, bounded concurrency. */
export * from './text-memo.js';
export * from './deadline.js';
export * from './any-signal.js';
export * from './in-flight.js';
export * from './concurrency.js';
