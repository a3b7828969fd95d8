/** `@meshd/core/apply`: carrying out a plan's actions on a cluster, in waves, with or without a journal. */
export * from './execute-actions.js';
export * from './execute-journaled.js';
