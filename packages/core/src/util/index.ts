/** `@meshd/core/util`: small helpers the packages share: deadlines, memoised parsing of texts and shared reads in flight. */
export * from './text-memo.js';
export * from './deadline.js';
export * from './in-flight.js';
