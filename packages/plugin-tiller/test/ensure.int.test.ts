// Tiller's prerequisites (tiller.ensure) and the in-cluster path (helm's port-forward, helm init)
// against real clusters. An in-cluster Tiller cannot run here (no kubelet): the tests show meshd
// deploys it and then reports clearly that it never became ready.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasCode } from '@meshd/core';
import { startClusters } from '@meshd/testenv';
import type { ClusterHandle, TestEnv } from '@meshd/testenv';
import { clientOf, converge, meshOf, revisions, targetOf, tillerBackend } from './support.js';

let env: TestEnv;
let r1: ClusterHandle;
let r2: ClusterHandle;

/** The Tiller sessions' temp dirs in `dir` (a private TMPDIR: other test files' sessions come and go in the shared one). */
const sessionDirs = async (dir: string): Promise<string[]> => (await readdir(dir)).filter((f) => f.startsWith('meshd-tiller-'));

beforeAll(async () => {
  env = await startClusters({ count: 3, tiller: true });
  [, r1, r2] = env.clusters as [ClusterHandle, ClusterHandle, ClusterHandle];
});

afterAll(async () => {
  await env?.stop();
});

describe('tiller.ensure with a Tiller outside the cluster', () => {
  it('creates ServiceAccount and ClusterRoleBinding tiller (to cluster-admin) once, then nothing', async () => {
    const backend = tillerBackend({ ensure: true });
    const mesh = await meshOf(env);
    const { plan } = await converge(backend, targetOf(r1), mesh);
    expect(plan.changes.map((c) => `${c.op} ${c.kind} ${c.name}`)).toEqual([
      'create ServiceAccount tiller',
      'create ClusterRoleBinding tiller',
      'install Release istio-remote',
    ]);
    const sa = await clientOf(r1).core.readNamespacedServiceAccount({ name: 'tiller', namespace: 'kube-system' });
    expect(sa.metadata?.labels?.['app.kubernetes.io/managed-by']).toBe('meshd');
    const crb = await clientOf(r1).objects.read({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'tiller' } });
    expect(crb).toMatchObject({
      roleRef: { kind: 'ClusterRole', name: 'cluster-admin' },
      subjects: [{ kind: 'ServiceAccount', name: 'tiller', namespace: 'kube-system' }],
    });
    const again = await backend.plan(targetOf(r1), mesh);
    expect([again.state, again.changes]).toEqual(['in-sync', []]);
    expect(await revisions(r1)).toEqual(['1:DEPLOYED']);
  });
});

describe('Tiller inside the cluster (no tillerHost: helm port-forwards through the API server)', () => {
  const inCluster = (): ReturnType<typeof targetOf> => targetOf(r2, {});

  it('without ensure, says no Tiller answered and how to fix it; the session leaves no file behind', async () => {
    const privateTmp = await mkdtemp(join(tmpdir(), 'ensure-test-'));
    const shared = process.env.TMPDIR;
    process.env.TMPDIR = privateTmp;
    try {
      const plan = await tillerBackend().plan(inCluster(), await meshOf(env));
      expect([plan.state, plan.changes]).toEqual(['failed', []]);
      expect(plan.error).toBe(
        'helm found no Tiller (could not find tiller): set tiller.ensure: true to install it, or clusters.remote-2.tillerHost to reach one outside the cluster',
      );
      expect(await sessionDirs(privateTmp)).toEqual([]);
    } finally {
      if (shared === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = shared;
      await rm(privateTmp, { recursive: true, force: true });
    }
  });

  it('with ensure, deploys Tiller (helm init --service-account tiller), then reports that it never became ready', async () => {
    const backend = tillerBackend({ ensure: true, connectTimeout: '2s' });
    const mesh = await meshOf(env);
    const plan = await backend.plan(inCluster(), mesh);
    expect(plan.state).toBe('absent');
    expect(plan.changes.map((c) => `${c.op} ${c.kind} ${c.namespace ?? ''}/${c.name}`)).toEqual([
      'create ServiceAccount kube-system/tiller',
      'create ClusterRoleBinding /tiller',
      'install Deployment kube-system/tiller-deploy',
      'install Release istio-system/istio-remote',
    ]);
    const error = await plan.apply().then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(hasCode(error, 'MESHD_ERR_TILLER')).toBe(true);
    expect((error as Error).message).toBe(
      'remote-2: helm init (Tiller in namespace kube-system (port-forward)) failed, exit code 1: tiller was not found. polling deadline exceeded',
    );
    const deployment = await clientOf(r2).apps.readNamespacedDeployment({ name: 'tiller-deploy', namespace: 'kube-system' });
    expect(deployment.spec?.template.spec?.serviceAccountName).toBe('tiller');
    const next = await backend.plan(inCluster(), mesh);
    // kube-controller-manager has made the Pod by now, or not yet: helm says either.
    expect(next.error).toMatch(/^Deployment kube-system\/tiller-deploy exists but helm finds no ready Tiller pod \(could not find (a ready )?tiller( pod)?\)$/);
    expect(next.changes).toEqual([]);
  });
});
