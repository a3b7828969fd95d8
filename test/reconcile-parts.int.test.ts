// The reconcile contract (issue 14 step 1), on real API servers: a cluster key's pass reconciles its
// own cluster only — it never reads or writes the registry and never mints or revokes a Pilot
// credential, and says whether membership changed — and the registry key's pass alone writes the
// registry, revokes a departed cluster's credential and forgets it. Writes are counted by each
// kube-apiserver (apiserver_request_total), not by meshd.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { loadPlugins, runPass } from '@meshd/core';
import { readDirectorySnapshot } from '@meshd/core/descriptor';
import { StateStore } from '@meshd/core/state';
import type { PassOptions, PassReport } from '@meshd/core';
import { captureIo, silentLogger } from '@meshd/testkit';
import type { ClusterHandle } from '@meshd/testenv';
import { describe, expect, it } from 'vitest';
import { BUILTIN_PLUGINS, loadInvocationConfig } from 'meshd';
import { clientOf, settledWrites, stateDirOf, useJoinedMesh } from './support/mesh.js';
import { recordingRequests } from './support/requests.js';

const mesh = useJoinedMesh(3);
const cp = (): ClusterHandle => mesh.cp();
const remote = (i: number): ClusterHandle => mesh.remote(i);

/** One pass of the daemon's kind (`clusters` for one remote, or `registry`) over the current workspace. */
async function daemonPass(part: 'clusters' | 'registry', cluster?: string): Promise<PassReport> {
  const io = captureIo(mesh.ws.root);
  const config = await loadInvocationConfig({ dir: mesh.ws.dir, config: mesh.ws.configPath, io });
  const state = await StateStore.open(stateDirOf(mesh.ws));
  const logger = silentLogger();
  const signal = new AbortController().signal;
  const options: PassOptions = {
    mode: 'apply',
    part,
    snapshot: await readDirectorySnapshot(config.directory),
    config,
    plugins: loadPlugins(BUILTIN_PLUGINS, config, logger, signal),
    logger,
    signal,
    state,
  };
  if (cluster !== undefined) options.scope = new Set([cluster]);
  return runPass(options);
}

async function registryKeys(): Promise<string[] | undefined> {
  try {
    const cm = await clientOf(cp()).core.readNamespacedConfigMap({ name: 'multicluster', namespace: 'istio-system' });
    return Object.keys(cm.data ?? {}).sort();
  } catch {
    return undefined;
  }
}

describe('a cluster key never touches the registry', () => {
  it('with the registry deleted under it: the remote converges, zero writes on the control plane, the registry stays gone until the registry key', async () => {
    await mesh.joined([1, 2]);
    await clientOf(cp()).core.deleteNamespacedConfigMap({ name: 'multicluster', namespace: 'istio-system' });
    const [cpBefore] = await settledWrites([cp()]);
    const report = await daemonPass('clusters', remote(1).name);
    expect(report.converged, JSON.stringify(report.errors)).toBe(true);
    expect(report.part).toBe('clusters');
    expect(report.registry).toBeUndefined();
    expect(report.membershipChanged).toBe(false);
    expect(report.clusters.map((c) => [c.name, c.state])).toEqual([
      ['cp', 'converged'],
      ['remote-1', 'converged'],
    ]);
    const [cpAfter] = await settledWrites([cp()]);
    expect(cpAfter).toBe(cpBefore);
    expect(await registryKeys()).toBeUndefined();

    const registry = await daemonPass('registry');
    expect(registry.converged, JSON.stringify(registry.errors)).toBe(true);
    // The registry key reports the control plane only: each remote is its own key's to report.
    expect(registry.clusters.map((c) => c.name)).toEqual(['cp']);
    expect(registry.registry?.writes).toBeGreaterThan(0);
    expect(await registryKeys()).toEqual(['cp.kube.conf', 'cp.yaml', 'remote-1.kube.conf', 'remote-1.yaml', 'remote-2.kube.conf', 'remote-2.yaml']);
  });

  it('a registry key with nothing changed writes nothing anywhere', async () => {
    await mesh.joined([1]);
    const before = await settledWrites([cp(), remote(1)]);
    const registry = await daemonPass('registry');
    expect(registry.converged, JSON.stringify(registry.errors)).toBe(true);
    expect(registry.writes).toBe(0);
    expect(await settledWrites([cp(), remote(1)])).toEqual(before);
  });
});

describe('a remote leaving, key by key', () => {
  it('its key uninstalls it and says membership changed; the registry lists it until the registry key drops it, revokes its credential and forgets it', async () => {
    await mesh.joined([1, 2]);
    const stored = await StateStore.open(stateDirOf(mesh.ws), { readOnly: true });
    expect(stored.credentials.get(remote(2).name)).toBeDefined();
    await rm(join(mesh.ws.dir, `${remote(2).name}.yaml`));
    await rm(join(mesh.ws.dir, `${remote(2).name}.kube.conf`));

    const [cpBefore] = await settledWrites([cp()]);
    const leaving = await daemonPass('clusters', remote(2).name);
    expect(leaving.clusters.find((c) => c.name === remote(2).name)?.state).toBe('removed');
    expect(leaving.membershipChanged).toBe(true);
    expect((await settledWrites([cp()]))[0]).toBe(cpBefore);
    expect(await registryKeys()).toContain('remote-2.yaml');
    const departed = await StateStore.open(stateDirOf(mesh.ws), { readOnly: true });
    expect(departed.member(remote(2).name)?.leftAt).toBeDefined();
    expect(departed.credentials.get(remote(2).name)).toBeDefined();

    // Another remote's key in the meantime neither removes nor re-adds anything.
    const other = await daemonPass('clusters', remote(1).name);
    expect(other.membershipChanged).toBe(false);
    expect(other.clusters.map((c) => c.name)).toEqual(['cp', 'remote-1']);

    const registry = await daemonPass('registry');
    expect(registry.converged, JSON.stringify(registry.errors)).toBe(true);
    expect(await registryKeys()).toEqual(['cp.kube.conf', 'cp.yaml', 'remote-1.kube.conf', 'remote-1.yaml']);
    const after = await StateStore.open(stateDirOf(mesh.ws), { readOnly: true });
    expect(after.member(remote(2).name)).toBeUndefined();
    expect(after.credentials.get(remote(2).name)).toBeUndefined();
  });
});

describe("a remote's release is read once per pass when only the secrets addon wrote", () => {
  it('istio.default rotated on the control plane: the copy is rewritten, the backend keeps its early plan and its inventory is read once', async () => {
    await mesh.joined([1]);
    const core = clientOf(cp()).core;
    const source = await core.readNamespacedSecret({ name: 'istio.default', namespace: 'default' });
    const rotated = Buffer.from(`-----BEGIN CERTIFICATE-----\nMIIBrotated${Date.now()}\n-----END CERTIFICATE-----\n`).toString('base64');
    await core.replaceNamespacedSecret({
      name: 'istio.default',
      namespace: 'default',
      body: { ...source, data: { ...source.data, 'cert-chain.pem': rotated } },
    });

    const { result, requests } = await recordingRequests(() => daemonPass('clusters', remote(1).name));
    expect(result.converged, JSON.stringify(result.errors)).toBe(true);
    const components = result.clusters.find((c) => c.name === remote(1).name)?.components ?? [];
    expect(components.map((c) => [c.component, c.state, c.writes > 0])).toEqual([
      ['secrets', 'out-of-sync', true],
      ['helm-template', 'in-sync', false],
    ]);
    const copy = await clientOf(remote(1)).core.readNamespacedSecret({ name: 'istio.default', namespace: 'default' });
    expect(copy.data?.['cert-chain.pem']).toBe(rotated);
    // The release's inventory (the backend's observation starts with it), on remote-1's API server.
    const server = new URL(remote(1).server).host;
    const inventoryReads = requests.filter(
      (r) => r.server === server && r.method === 'GET' && r.path === '/api/v1/namespaces/istio-system/configmaps/meshd-release-istio-remote',
    );
    expect(inventoryReads.length).toBe(1);
  });
});
