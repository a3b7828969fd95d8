import { describe, expect, it } from 'vitest';
import { sampleDescriptor, sampleKubeconfig } from '@meshd/testkit';
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
