/** `@meshd/core/cluster`: connections to clusters: the client, its pool, watches, how a cluster's failure is told, which APIs it serves. */
export * from './client.js';
export * from './http2-watch.js';
export * from './session-liveness.js';
export * from './pool.js';
export * from './display.js';
export * from './failure.js';
export * from './served-apis.js';
export * from './kubeconfig-view.js';
export { kubeconfigValue } from './kubeconfig-value.js';
export type {
  CallOptions,
  CoreApi,
  AppsApi,
  VersionApi,
  ObjectApi,
  ObjectSpec,
  ApiResource,
  WriteOptions,
  PatchOptions,
  DeleteOptions,
  ListOptions,
} from './apis.js';
export { MAX_RESPONSE_BYTES } from './http.js';
