import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { sampleDescriptor, sampleKubeconfig } from '@meshd/testkit';
import { snapshotFromContents } from '../descriptor/memory-snapshot.js';
import { buildDesiredMesh } from '../descriptor/mesh.js';
import { validateDirectory } from '../descriptor/validate.js';
import type { MemberRecord } from '../state/store.js';
import { meshFromState } from './mesh-source.js';

function record(name: string, role: MemberRecord['role'], server = 'https://192.0.2.1:6443'): MemberRecord {
  return {
    name,
    role,
    file: `${name}.yaml`,
    descriptorText: sampleDescriptor({ name, controlPlane: role === 'control-plane' }),
    accessConfigFile: `${name}.kube.conf`,
    kubeconfigText: sampleKubeconfig(name, server),
  };
}

describe('meshFromState', () => {
  const records = [record('cp', 'control-plane'), record('east', 'remote'), record('west', 'remote')];

  it('gives every pass that reads the same records the same mesh, validated once', () => {
    const first = meshFromState(records);
    expect(first?.remotes.map((r) => r.name)).toEqual(['east', 'west']);
    // A copy of the list holding the same records (each pass's members() is a new array).
    expect(meshFromState([...records])).toBe(first);
  });

  it('builds again once a record changed (the store replaces a changed record with a new object)', () => {
    const first = meshFromState(records);
    const moved = [records[0], record('east', 'remote', 'https://198.51.100.7:6443'), records[2]].filter((r) => r !== undefined);
    const next = meshFromState(moved);
    expect(next).not.toBe(first);
    expect(next?.remotes.find((r) => r.name === 'east')?.server).toBe('https://198.51.100.7:6443');
    expect(meshFromState(records.slice(0, 2))?.remotes.map((r) => r.name)).toEqual(['east']);
    expect(meshFromState([])).toBeUndefined();
  });
});

/** What the mesh from state means: the records' files as one directory (several records of a file as its documents), validated as a whole. */
function meshOfDirectory(records: readonly MemberRecord[]): ReturnType<typeof meshFromState> {
  const files: Record<string, string> = {};
  for (const r of records) {
    files[r.file] = files[r.file] === undefined ? r.descriptorText : `${files[r.file]}\n---\n${r.descriptorText}`;
    files[r.accessConfigFile] = r.kubeconfigText;
  }
  return buildDesiredMesh(validateDirectory(snapshotFromContents(files, { dir: '(state)' }), { registryMode: 'secrets' }));
}

/** A member record with the oddities a state directory could hold: shared files, a second control plane, another pilotEndpoint, a broken descriptor. */
const oddRecord = fc
  .record({
    name: fc.constantFrom('cp', 'east', 'west', 'north', 'south'),
    // Mostly a sound mesh (each oddity one time in five to ten), so most sets are built record by record.
    otherRole: fc.constantFrom(false, false, false, false, false, false, false, false, true),
    file: fc.constantFrom('own', 'own', 'own', 'own', 'shared.yaml', 'east.kube.conf'),
    kubeconfig: fc.constantFrom('own', 'own', 'own', 'own', 'shared.kube.conf', 'shared.yaml'),
    server: fc.constantFrom('https://192.0.2.1:6443', 'https://198.51.100.7:6443'),
    endpoint: fc.constantFrom('192.0.2.1:9080', '192.0.2.1:9080', '192.0.2.1:9080', '192.0.2.1:9080', '192.0.2.9:9080'),
    broken: fc.constantFrom(false, false, false, false, false, false, false, false, true),
    describedName: fc.constantFrom(undefined, undefined, undefined, undefined, undefined, undefined, undefined, undefined, 'other'),
  })
  .map((o): MemberRecord => {
    const controlPlane = (o.name === 'cp') !== o.otherRole;
    const accessConfigFile = o.kubeconfig === 'own' ? `${o.name}.kube.conf` : o.kubeconfig;
    const descriptor = sampleDescriptor({ name: o.describedName ?? o.name, controlPlane, pilotEndpoint: o.endpoint, accessConfigFile });
    return {
      name: o.name,
      role: controlPlane ? 'control-plane' : 'remote',
      file: o.file === 'own' ? `${o.name}.yaml` : o.file,
      descriptorText: o.broken ? descriptor.replace('kind: Cluster', 'kind: [Cluster') : descriptor,
      accessConfigFile,
      kubeconfigText: sampleKubeconfig(o.name, o.server),
    };
  });

describe('meshFromState, record by record', () => {
  it('is the mesh of the records validated together as one directory, whatever files they share or how they disagree', () => {
    fc.assert(
      fc.property(fc.uniqueArray(oddRecord, { selector: (r) => r.name, maxLength: 5 }), (records) => {
        // Fresh objects: the meshes remembered by record objects do not answer for another run.
        const copies = records.map((r) => ({ ...r }));
        expect(meshFromState(copies)).toEqual(meshOfDirectory(records));
      }),
      { numRuns: 300 },
    );
  });

  it('builds a mesh that grows by one record per pass from the records it validated before', () => {
    const records = [record('cp', 'control-plane'), ...['a', 'b', 'c', 'd'].map((n) => record(n, 'remote'))];
    for (let n = 1; n <= records.length; n += 1) expect(meshFromState(records.slice(0, n))).toEqual(meshOfDirectory(records.slice(0, n)));
    const changed = { ...records[2]!, kubeconfigText: sampleKubeconfig('b', 'https://203.0.113.5:6443') };
    const next = [records[0]!, records[1]!, changed, records[3]!, records[4]!];
    expect(meshFromState(next)?.remotes.find((r) => r.name === 'b')?.server).toBe('https://203.0.113.5:6443');
    expect(meshFromState(next)).toEqual(meshOfDirectory(next));
  });
});
