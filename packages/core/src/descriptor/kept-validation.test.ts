import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sampleDescriptor, sampleDirectory, sampleKubeconfig } from '@meshd/testkit';
import { snapshotFromContents, type MemoryFile } from './memory-snapshot.js';
import { restoredValidation, snapshotDigest, storableValidation } from './kept-validation.js';
import { validateDirectory } from './validate.js';

const snapshotOf = (files: Record<string, MemoryFile>): ReturnType<typeof snapshotFromContents> =>
  snapshotFromContents(files, { dir: '/etc/meshd/multicluster' });

/** The validation stored, written to JSON and read back, then restored against the same snapshot. */
function roundTrip(files: Record<string, MemoryFile>): { validation: ReturnType<typeof validateDirectory>; json: string | undefined; restored: unknown } {
  const snapshot = snapshotOf(files);
  const validation = validateDirectory(snapshot);
  const stored = storableValidation(validation, snapshot);
  const json = stored === undefined ? undefined : JSON.stringify(stored);
  return { validation, json, restored: json === undefined ? undefined : restoredValidation(JSON.parse(json), snapshot) };
}

describe('a kept directory validation', () => {
  it('restores to the very validation it was made from, as JSON and as data', () => {
    const { validation, restored } = roundTrip(sampleDirectory());
    expect(validation.valid).toBe(true);
    expect(restored).toEqual(validation);
    expect(JSON.stringify(restored)).toBe(JSON.stringify(validation));
  });

  it('holds no file content: no credential, no descriptor text', () => {
    const files = { ...sampleDirectory(), 'east.kube.conf': sampleKubeconfig('east').replace('placeholder-token', 'tok-3f9a1c7e5d2b') };
    const { json } = roundTrip(files);
    expect(json).toBeDefined();
    expect(json).not.toContain('tok-3f9a1c7e5d2b');
    expect(json).not.toContain('kind: Config');
    expect(json).not.toContain('apiVersion: clusterregistry');
  });

  it('keeps each document of a file with several descriptors as its own text', () => {
    const files: Record<string, MemoryFile> = {
      'mesh.yaml': `${sampleDescriptor({ name: 'cp', controlPlane: true })}---\n${sampleDescriptor({ name: 'east' })}`,
      'cp.kube.conf': sampleKubeconfig('cp'),
      'east.kube.conf': sampleKubeconfig('east'),
    };
    const { validation, restored } = roundTrip(files);
    expect(validation.clusters.map((c) => c.name)).toEqual(['cp', 'east']);
    expect(JSON.stringify(restored)).toBe(JSON.stringify(validation));
  });

  it('keeps warnings with the verdict (a kubeconfig readable by others)', () => {
    const files: Record<string, MemoryFile> = { ...sampleDirectory(), 'west.kube.conf': { content: sampleKubeconfig('west'), mode: 0o644 } };
    const { validation, restored } = roundTrip(files);
    expect(validation.findings.some((f) => f.severity === 'warning' && f.file === 'west.kube.conf')).toBe(true);
    expect(JSON.stringify(restored)).toBe(JSON.stringify(validation));
  });

  it.each([
    ['a directory with an invalid file', { ...sampleDirectory(), 'west.yaml': 'kind: Cluster\nmetadata: {}\n' }],
    ['a directory without a control plane', { 'east.yaml': sampleDescriptor({ name: 'east' }), 'east.kube.conf': sampleKubeconfig('east') }],
  ])('is not made for %s (a command stops on it anyway)', (_name, files) => {
    const snapshot = snapshotOf(files);
    expect(storableValidation(validateDirectory(snapshot), snapshot)).toBeUndefined();
  });

  it('is refused when a reference does not fit the snapshot, or the shape is wrong', () => {
    const snapshot = snapshotOf(sampleDirectory());
    const stored = JSON.parse(JSON.stringify(storableValidation(validateDirectory(snapshot), snapshot))) as { clusters: { kubeconfig: unknown[] }[] };
    const variants: unknown[] = [
      null,
      'text',
      { ...stored, clusters: 'x' },
      { ...stored, extra: 1 },
      { ...stored, clusters: [{ ...stored.clusters[0], kubeconfig: ['nope.kube.conf', 0, 3] }] },
      { ...stored, clusters: [{ ...stored.clusters[0], kubeconfig: ['cp.kube.conf', 0, 1e9] }] },
      { ...stored, clusters: [{ ...stored.clusters[0], kubeconfig: ['cp.kube.conf', 5, 2] }] },
      { ...stored, clusters: [{ ...stored.clusters[0], kubeconfig: ['cp.kube.conf', -1, 2] }] },
      { ...stored, clusters: [{ ...stored.clusters[0], kubeconfig: ['__proto__', 0, 0] }] },
      { ...stored, registryFiles: { 'cp.yaml': ['east.yaml', 0, 4] } },
    ];
    for (const variant of variants) expect(restoredValidation(variant, snapshot)).toBeUndefined();
    expect(restoredValidation(stored, snapshot)).toBeDefined();
  });

  it('for any edit of a sample directory: made exactly when the directory is valid, and restores exactly', () => {
    const edits = fc.record({
      file: fc.constantFrom('east.yaml', 'east.kube.conf', 'cp.yaml'),
      at: fc.nat(),
      text: fc.constantFrom('', ' ', '\n', '#x\n', '---\n', 'a: 1\n', '\uFEFF', 'token: t\n', '  '),
    });
    fc.assert(
      fc.property(fc.array(edits, { maxLength: 3 }), (changes) => {
        const files: Record<string, string> = sampleDirectory();
        for (const { file, at, text } of changes) {
          const old = files[file] ?? '';
          const cut = at % (old.length + 1);
          files[file] = old.slice(0, cut) + text + old.slice(cut);
        }
        const { validation, restored, json } = roundTrip(files);
        expect(json !== undefined).toBe(validation.valid);
        if (json !== undefined) expect(JSON.stringify(restored)).toBe(JSON.stringify(validation));
      }),
      { numRuns: 300 },
    );
  });
});

describe('snapshotDigest', () => {
  const base = (): Record<string, MemoryFile> => sampleDirectory();

  it('is the same for the same files, whatever order they were listed in', () => {
    const files = base();
    const reversed = Object.fromEntries(Object.entries(files).reverse());
    expect(snapshotDigest(snapshotOf(files))).toBe(snapshotDigest(snapshotOf(reversed)));
  });

  it.each([
    ['one byte of a kubeconfig', (f: Record<string, MemoryFile>) => ({ ...f, 'east.kube.conf': `${sampleKubeconfig('east')} ` })],
    ['a file mode', (f: Record<string, MemoryFile>) => ({ ...f, 'east.kube.conf': { content: sampleKubeconfig('east'), mode: 0o640 } })],
    ['a file renamed', (f: Record<string, MemoryFile>) => ({ ...f, 'east2.yaml': f['east.yaml']!, 'east.yaml': undefined })],
    ['a file added', (f: Record<string, MemoryFile>) => ({ ...f, 'notes.txt': 'x' })],
    [
      'content moved between two files',
      (f: Record<string, MemoryFile>) => ({ ...f, 'cp.kube.conf': `${sampleKubeconfig('cp')}#`, 'east.kube.conf': `#${sampleKubeconfig('east')}` }),
    ],
  ])('changes with %s', (_name, change) => {
    const changed = Object.fromEntries(Object.entries(change(base())).filter((e): e is [string, MemoryFile] => e[1] !== undefined));
    expect(snapshotDigest(snapshotOf(changed))).not.toBe(snapshotDigest(snapshotOf(base())));
  });

  it('changes with the directory named', () => {
    expect(snapshotDigest(snapshotFromContents(base(), { dir: '/a' }))).not.toBe(snapshotDigest(snapshotFromContents(base(), { dir: '/b' })));
  });
});
