/** `@meshd/core/util`: small helpers the packages share: deadlines and memoised parsing of texts. */
export * from './text-memo.js';
export * from './deadline.js';
