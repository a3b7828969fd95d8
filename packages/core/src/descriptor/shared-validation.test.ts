import { describe, expect, it } from 'vitest';
import { sampleDescriptor, sampleDirectory, sampleKubeconfig } from '@meshd/testkit';
import { snapshotFromContents } from './memory-snapshot.js';
import { buildDesiredMesh, type DesiredMesh } from './mesh.js';
import { desiredMeshOf, validateDirectoryOnce } from './shared-validation.js';
import { validateDirectory } from './validate.js';

type Files = Record<string, string | null>;

function snapshotOf(files: Files): ReturnType<typeof snapshotFromContents> {
  const present = Object.fromEntries(Object.entries({ ...sampleDirectory(), ...files }).filter((e): e is [string, string] => e[1] !== null));
  return snapshotFromContents(present);
}

const broken = 'apiVersion: [\n';

describe('validateDirectoryOnce', () => {
  it('gives every caller of one snapshot and options the same verdict, validated once', () => {
    const snapshot = snapshotOf({});
    const first = validateDirectoryOnce(snapshot, { registryMode: 'secrets', backends: ['helm-template'] });
    // The same object: the second caller did not validate again (a new validation is a new object).
    expect(validateDirectoryOnce(snapshot, { registryMode: 'secrets', backends: ['helm-template'] })).toBe(first);
    expect(first).toEqual(validateDirectory(snapshot, { registryMode: 'secrets', backends: ['helm-template'] }));
  });

  it('validates again for other options or another snapshot of the same bytes', () => {
    const snapshot = snapshotOf({
      'east.yaml': sampleDescriptor({ name: 'east' }).replace('  annotations:\n', '  annotations:\n    meshd.io/backend: tiller\n'),
    });
    const helmOnly = validateDirectoryOnce(snapshot, { backends: ['helm-template'] });
    const withTiller = validateDirectoryOnce(snapshot, { backends: ['helm-template', 'tiller'] });
    expect(helmOnly.invalidFiles).toEqual(['east.yaml']);
    expect(withTiller.invalidFiles).toEqual([]);
    expect(validateDirectoryOnce(snapshotOf({}), { backends: ['helm-template'] })).not.toBe(
      validateDirectoryOnce(snapshotOf({}), { backends: ['helm-template'] }),
    );
  });

  it('reports a file that turned invalid with its file, line and field, as validateDirectory does', () => {
    const bad = sampleDescriptor({ name: 'west', pilotEndpoint: 'not an endpoint' });
    const validation = validateDirectoryOnce(snapshotOf({ 'west.yaml': bad }));
    expect(validation.invalidFiles).toEqual(['west.yaml']);
    expect(validation.findings.filter((f) => f.severity === 'error').map((f) => `${f.file}:${f.line}`)).toEqual(['west.yaml:6']);
    expect(validation).toEqual(validateDirectory(snapshotOf({ 'west.yaml': bad })));
  });
});

/** buildDesiredMesh's cases where the last good mesh matters (mesh.test.ts has them all). */
const CASES: [string, Files][] = [
  ['a valid directory', {}],
  ['a broken remote', { 'west.yaml': broken }],
  ['a broken kubeconfig', { 'east.kube.conf': 'garbage: [' }],
  ['a broken control plane and a changed remote', { 'cp.yaml': broken, 'east.kube.conf': sampleKubeconfig('east', 'https://192.0.2.10:6443') }],
  ['two control planes', { 'east.yaml': sampleDescriptor({ name: 'east', controlPlane: true }) }],
  ['no control plane', { 'cp.yaml': sampleDescriptor({ name: 'cp' }) }],
];

describe('desiredMeshOf', () => {
  const lastGood = buildDesiredMesh(validateDirectory(snapshotOf({})));

  it.each(CASES)('%s: every later pass (its last good mesh the one before) gets the mesh it would build, the same object', (_name, files) => {
    for (const start of [lastGood, undefined]) {
      const validation = validateDirectory(snapshotOf(files));
      const first = desiredMeshOf(validation, start);
      expect(first).toEqual(buildDesiredMesh(validation, start));
      let previous: DesiredMesh | undefined = first;
      for (let pass = 0; pass < 3; pass += 1) {
        const next = desiredMeshOf(validation, previous);
        expect(next).toEqual(buildDesiredMesh(validation, previous));
        expect(next).toBe(first);
        previous = next;
      }
    }
  });

  it('builds again over another last good mesh', () => {
    const validation = validateDirectory(snapshotOf({ 'west.yaml': broken }));
    const withWest = desiredMeshOf(validation, lastGood);
    const withoutWest = desiredMeshOf(validation, undefined);
    expect(withWest?.remotes.map((r) => r.name)).toEqual(['east', 'west']);
    expect(withoutWest?.remotes.map((r) => r.name)).toEqual(['east']);
  });
});
