/** Cluster descriptors: reading a directory snapshot, validating it, and the desired mesh it asks for. */
export { ANNOTATIONS, BACKEND_ANNOTATION, DESCRIPTOR_API_VERSION, DESCRIPTOR_KIND, parseGoBool } from './annotations.js';
export type { ClusterDescriptor, ClusterSpec } from './cluster-schema.js';
export { buildDesiredMesh, type DesiredMesh } from './mesh.js';
export { errorAt, formatFinding, hasErrors, sortFindings, warningAt, type Finding, type Position, type Severity } from './finding.js';
export { validateKubeconfig, type KubeconfigCheck } from './kubeconfig.js';
export { isDnsLabel, isDnsSubdomain, isHostName, isIpAddress, parseCidr, parseHostPort, parsePort, type Cidr, type HostPort } from './network.js';
export { snapshotFromContents, type MemoryFile } from './memory-snapshot.js';
export { readDirectorySnapshot, type ReadSnapshotOptions } from './read-snapshot.js';
export { ignoredReason, isDescriptorFileName, MAX_FILE_BYTES, MAX_REGISTRY_BYTES, type DirectorySnapshot, type SnapshotFile } from './snapshot.js';
export type { ClusterRole, DirectoryValidation, ValidCluster } from './types.js';
export { validateDirectory } from './validate.js';
export { desiredMeshOf, validateDirectoryOnce } from './shared-validation.js';
export type { ValidateDirectoryOptions } from './validate.js';
