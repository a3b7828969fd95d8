/** Public API of this package: the helm-template backend (rendering lives in @meshd/helm). */
export * from './backend.js';
export * from './config.js';
