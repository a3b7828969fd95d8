// @meshd/testenv: real Kubernetes clusters on 127.0.0.1 for meshd's integration tests and demo.
export { startClusters, type StartClustersOptions, type TestEnv } from './env.js';
export type { ClusterHandle } from './cluster.js';
export type { ClusterPorts } from './layout.js';
export type { AnyRequestFilter, RequestFilter } from './metrics.js';
export { WRITE_VERBS, sumWriteRequests } from './metrics.js';
export { MESHD_RESOURCES, settledWrites, writesOn, type SettleOptions } from './writes.js';
export type { ControlPlaneHelpers, MoveOptions } from './control-plane/control-plane.js';
export { ISTIO_COMPONENTS, ISTIO_NAMESPACE, componentSpecs, type IstioComponent } from './control-plane/components.js';
export { STAND_IN_LABEL } from './control-plane/objects.js';
export { createRootCa, issueCert, type KeyAndCert } from './control-plane/pki.js';
export { binaryPaths, cacheRoot, missingBinaries, type BinaryPaths } from './paths.js';
export { isPortFree } from './ports.js';
export { readState, stateFile, clustersFile, type ClusterEntry, type EnvState } from './state.js';
export { stopDetachedEnv } from './down.js';
export { TILLER_NAMESPACE } from './tiller.js';
export { ToxiproxyClient, type Toxic, type ToxicSpec, type ToxicStream, type ToxiproxyProxy } from './toxiproxy/client.js';
export { LinkFaults, type FlapOptions } from './toxiproxy/faults.js';
export { istiodBinaryPath } from './istiod.js';
