import { describe, expect, it } from 'vitest';
import { snapshotFromContents } from './memory-snapshot.js';
import { buildDesiredMesh, type DesiredMesh } from './mesh.js';
import { sampleDescriptor, sampleDirectory, sampleKubeconfig } from '@meshd/testkit';
import { validateDirectory } from './validate.js';

type Files = Record<string, string | null>;

function meshOf(files: Files, lastGood?: DesiredMesh): DesiredMesh | undefined {
  const present = Object.fromEntries(Object.entries({ ...sampleDirectory(), ...files }).filter((e): e is [string, string] => e[1] !== null));
  return buildDesiredMesh(validateDirectory(snapshotFromContents(present)), lastGood);
}

/** The mesh as a short text: control plane, remotes with the server they reach. */
function summary(mesh: DesiredMesh | undefined): string {
  if (mesh === undefined) return 'none';
  const remotes = mesh.remotes.map((r) => `${r.name}@${r.server}`).join(',');
  return `cp=${mesh.controlPlane.name} remotes=${remotes} files=${Object.keys(mesh.registryFiles).join(',')}`;
}

const lastGood = meshOf({}, undefined);
const ALL_FILES = 'cp.kube.conf,cp.yaml,east.kube.conf,east.yaml,west.kube.conf,west.yaml';
const broken = 'apiVersion: [\n';

describe('buildDesiredMesh', () => {
  it.each<[string, Files, DesiredMesh | undefined, string]>([
    ['valid directory, first run', {}, undefined, `cp=cp remotes=east@https://127.0.0.1:6443,west@https://127.0.0.1:6443 files=${ALL_FILES}`],
    [
      'a new cluster joins',
      { 'north.yaml': sampleDescriptor({ name: 'north' }), 'north.kube.conf': sampleKubeconfig('north', 'https://203.0.113.1:6443') },
      lastGood,
      `cp=cp remotes=east@https://127.0.0.1:6443,north@https://203.0.113.1:6443,west@https://127.0.0.1:6443 files=${ALL_FILES.replace('east.yaml,', 'east.yaml,north.kube.conf,north.yaml,')}`,
    ],
    [
      'a removed descriptor leaves (rule 1)',
      { 'west.yaml': null, 'west.kube.conf': null },
      lastGood,
      'cp=cp remotes=east@https://127.0.0.1:6443 files=cp.kube.conf,cp.yaml,east.kube.conf,east.yaml',
    ],
    [
      'a broken remote keeps its last good version (rule 2)',
      { 'west.yaml': broken },
      lastGood,
      `cp=cp remotes=east@https://127.0.0.1:6443,west@https://127.0.0.1:6443 files=${ALL_FILES}`,
    ],
    [
      'a broken remote without last good is left out',
      { 'west.yaml': broken },
      undefined,
      'cp=cp remotes=east@https://127.0.0.1:6443 files=cp.kube.conf,cp.yaml,east.kube.conf,east.yaml',
    ],
    [
      'a broken kubeconfig keeps the last good cluster',
      { 'east.kube.conf': 'garbage: [' },
      lastGood,
      `cp=cp remotes=east@https://127.0.0.1:6443,west@https://127.0.0.1:6443 files=${ALL_FILES}`,
    ],
    [
      'a broken control plane keeps its last good version',
      { 'cp.yaml': broken, 'east.kube.conf': sampleKubeconfig('east', 'https://192.0.2.1:6443') },
      lastGood,
      `cp=cp remotes=east@https://192.0.2.1:6443,west@https://127.0.0.1:6443 files=${ALL_FILES}`,
    ],
    ['a broken control plane without last good: nothing', { 'cp.yaml': broken }, undefined, 'none'],
    ['two control planes: the last good mesh (rule 4)', { 'east.yaml': sampleDescriptor({ name: 'east', controlPlane: true }) }, lastGood, summary(lastGood)],
    ['no control plane: the last good mesh (rule 4)', { 'cp.yaml': sampleDescriptor({ name: 'cp' }) }, lastGood, summary(lastGood)],
    ['no control plane and no last good: nothing', { 'cp.yaml': sampleDescriptor({ name: 'cp' }) }, undefined, 'none'],
    [
      'a cluster moved to another valid file wins over its broken old file',
      { 'west.yaml': broken, 'west2.yaml': sampleDescriptor({ name: 'west', accessConfigFile: 'west.kube.conf' }) },
      lastGood,
      `cp=cp remotes=east@https://127.0.0.1:6443,west@https://127.0.0.1:6443 files=${ALL_FILES.replace('west.yaml', 'west2.yaml')}`,
    ],
  ])('%s', (_name, files, previous, expected) => {
    expect(summary(meshOf(files, previous))).toBe(expected);
  });

  it('keeps the last good registry text of a broken file, byte for byte', () => {
    const mesh = meshOf({ 'west.yaml': broken }, lastGood);
    expect(mesh?.registryFiles['west.yaml']).toBe(sampleDescriptor({ name: 'west' }));
    expect(mesh?.remotes.find((r) => r.name === 'west')).toBe(lastGood?.remotes.find((r) => r.name === 'west'));
  });

  it('describes the control plane and the remotes from their descriptors', () => {
    const mesh = meshOf({});
    expect(mesh?.pilotEndpoint).toBe('192.0.2.1:9080');
    expect(mesh?.controlPlane).toMatchObject({ name: 'cp', role: 'control-plane', file: 'cp.yaml', accessConfigFile: 'cp.kube.conf', platform: 'Kubernetes' });
    expect(mesh?.controlPlane.annotations['config.istio.io/pilotCfgStore']).toBe('true');
    expect(mesh?.controlPlane.kubeconfigText).toBe(sampleKubeconfig('cp'));
    expect(mesh?.remotes.map((r) => r.role)).toEqual(['remote', 'remote']);
  });
});
