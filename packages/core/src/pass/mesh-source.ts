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
  const files: Record<string, string> = {};
  for (const r of records) {
    const before = files[r.file];
    files[r.file] = before === undefined ? r.descriptorText : `${before}\n---\n${r.descriptorText}`;
    files[r.accessConfigFile] = r.kubeconfigText;
  }
  // Every record passed validation when it was written: no registry size limit applies to reading it.
  return buildDesiredMesh(validateDirectory(snapshotFromContents(files, { dir: '(state)' }), { registryMode: 'secrets' }));
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
