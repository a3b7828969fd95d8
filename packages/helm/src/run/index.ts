/** Running helm: one runner for Helm 2 and 3, and version detection. */
export * from './exec.js';
export * from './detect.js';
export * from './detect-shared.js';
