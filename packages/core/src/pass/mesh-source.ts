import { snapshotFromContents } from '../descriptor/memory-snapshot.js';
import type { DesiredMesh, ValidCluster } from '../descriptor/mesh.js';
import { buildDesiredMesh } from '../descriptor/mesh.js';
import { validateDirectory } from '../descriptor/validate.js';
import type { PublishedCluster } from '../registry/desired.js';
import type { MemberRecord } from '../state/store.js';

/**
 * The last few meshes built from member records, by the records they were built from. The state
 * store replaces a record with a new object when it changes and never mutates one it holds, so the
 * same record objects mean the same mesh: every key's pass of a daemon round reads the same records
 * and gets the mesh validated once, instead of re-parsing every member's descriptor and kubeconfig.
 */
const rememberedMeshes: { records: readonly MemberRecord[]; mesh: DesiredMesh | undefined }[] = [];
const REMEMBERED_MESHES = 4;

/**
 * Pure: the mesh meshd remembers on the bastion (its state directory): the last good version of
 * every member, and the only place left to find the kubeconfig of a cluster whose files were
 * deleted. Never built from anything read from a cluster (the registry is output only). Built once
 * for the same record objects (see rememberedMeshes).
 */
export function meshFromState(records: readonly MemberRecord[]): DesiredMesh | undefined {
  if (records.length === 0) return undefined;
  const known = rememberedMeshes.find((m) => sameRecords(m.records, records));
  if (known) return known.mesh;
  const mesh = buildMeshFromState(records);
  rememberedMeshes.unshift({ records: [...records], mesh });
  rememberedMeshes.length = Math.min(rememberedMeshes.length, REMEMBERED_MESHES);
  return mesh;
}

function sameRecords(a: readonly MemberRecord[], b: readonly MemberRecord[]): boolean {
  return a.length === b.length && a.every((r, i) => r === b[i]);
}

function buildMeshFromState(records: readonly MemberRecord[]): DesiredMesh | undefined {
  const assembled = meshOfRecordClusters(records);
  return assembled === SHARED_FILES ? meshOfRecordsAsDirectory(records) : assembled;
}

/** The records' files as one directory, validated as a whole: what the mesh from state means. */
function meshOfRecordsAsDirectory(records: readonly MemberRecord[]): DesiredMesh | undefined {
  const files: Record<string, string> = {};
  for (const r of records) {
    const before = files[r.file];
    files[r.file] = before === undefined ? r.descriptorText : `${before}\n---\n${r.descriptorText}`;
    files[r.accessConfigFile] = r.kubeconfigText;
  }
  // Every record passed validation when it was written: no registry size limit applies to reading it.
  return buildDesiredMesh(validateDirectory(snapshotFromContents(files, { dir: '(state)' }), { registryMode: 'secrets' }));
}

/** One record's files validated on their own: its cluster and its registry files, or null when that is not the whole story. */
interface RecordCluster {
  cluster: ValidCluster;
  registryFiles: Record<string, string>;
}

/**
 * Each record's own validation, by record object (the store never mutates a record it holds). A
 * daemon's first round writes one record per key; validating every record again for each key was
 * O(N) YAML parses per key, O(N²) per round: at 200 clusters 11 % of the daemon's CPU.
 */
const recordClusters = new WeakMap<MemberRecord, RecordCluster | null>();

/** The record's descriptor and kubeconfig validated as a directory of their own; null unless that yields exactly its one valid cluster. */
function recordCluster(r: MemberRecord): RecordCluster | null {
  const known = recordClusters.get(r);
  if (known !== undefined) return known;
  let result: RecordCluster | null = null;
  if (r.file !== r.accessConfigFile) {
    const alone = validateDirectory(snapshotFromContents({ [r.file]: r.descriptorText, [r.accessConfigFile]: r.kubeconfigText }, { dir: '(state)' }), {
      registryMode: 'secrets',
    });
    const [cluster, ...more] = alone.clusters;
    // A remote alone is "no control plane" (a directory error), which says nothing about its own file.
    if (cluster?.name === r.name && cluster.role === r.role && more.length === 0 && alone.invalidFiles.length === 0)
      result = { cluster, registryFiles: alone.registryFiles };
  }
  recordClusters.set(r, result);
  return result;
}

/** The records cannot be validated one by one (see meshOfRecordClusters): validate them together. */
const SHARED_FILES = Symbol('shared files');

/**
 * The mesh of records that each validate on their own, none sharing a file with another (a
 * descriptor file, a kubeconfig, or one's kubeconfig being another's descriptor), and agreeing with
 * each other (unique names, one control plane, one pilotEndpoint): then validating them together
 * finds nothing the single validations did not, and gives these clusters and files. Any other set
 * is SHARED_FILES (the whole validation decides). O(N) with each record validated once.
 */
function meshOfRecordClusters(records: readonly MemberRecord[]): DesiredMesh | undefined | typeof SHARED_FILES {
  const clusters: ValidCluster[] = [];
  const registryFiles: Record<string, string> = {};
  const names = new Set<string>();
  const files = new Set<string>();
  for (const r of records) {
    const own = recordCluster(r);
    if (own === null || names.has(r.name) || files.has(r.file) || files.has(r.accessConfigFile)) return SHARED_FILES;
    names.add(r.name);
    files.add(r.file).add(r.accessConfigFile);
    clusters.push(own.cluster);
    Object.assign(registryFiles, own.registryFiles);
  }
  const controlPlanes = clusters.filter((c) => c.role === 'control-plane');
  const endpoint = controlPlanes[0]?.pilotEndpoint;
  if (controlPlanes.length !== 1 || clusters.some((c) => c.pilotEndpoint !== endpoint)) return SHARED_FILES;
  clusters.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return buildDesiredMesh({ findings: [], clusters, invalidFiles: [], directoryErrors: [], registryFiles, valid: true });
}

/** Pure: the state record of a member, keeping what meshd learnt about it before (its identity, its installed backend). */
export function memberRecordOf(c: ValidCluster, previous: MemberRecord | undefined, identity: string | undefined): MemberRecord {
  const record: MemberRecord = {
    name: c.name,
    role: c.role,
    file: c.file,
    descriptorText: c.descriptorText,
    accessConfigFile: c.accessConfigFile,
    kubeconfigText: c.kubeconfigText,
  };
  const known = identity ?? previous?.identity;
  if (known !== undefined) record.identity = known;
  if (previous?.backend !== undefined && previous.leftAt === undefined) record.backend = previous.backend;
  return record;
}

/** The registry entry of a cluster. */
export function publishedOf(c: ValidCluster): PublishedCluster {
  return { name: c.name, role: c.role, file: c.file, descriptorText: c.descriptorText, accessConfigFile: c.accessConfigFile, kubeconfigText: c.kubeconfigText };
}

/** Pure: the files the ConfigMap mode publishes for these clusters, taken from the meshes that define them. */
export function filesOf(clusters: readonly ValidCluster[], sources: readonly (DesiredMesh | undefined)[]): Record<string, string> {
  const files: Record<string, string> = {};
  for (const c of clusters) {
    for (const name of [c.file, c.accessConfigFile]) {
      const text = sources.map((m) => m?.registryFiles[name]).find((t) => t !== undefined);
      if (text !== undefined) files[name] = text;
    }
  }
  return files;
}
