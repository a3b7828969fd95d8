// The tiller backend recovering releases a user or a crash left broken, and refusing what is not its
// own: real clusters, real Tillers (v2.17.0), the Helm 2 client to break things as an operator would.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MeshdError } from '@meshd/core';
import { hasCode } from '@meshd/core';
import { startClusters } from '@meshd/testenv';
import type { ClusterHandle, TestEnv } from '@meshd/testenv';
import { CHART, clientOf, converge, endpointIps, helm2, history, meshOf, revisions, targetOf, tillerBackend } from './support.js';

let env: TestEnv;
let r1: ClusterHandle;
let r2: ClusterHandle;

beforeAll(async () => {
  env = await startClusters({ count: 3, tiller: true });
  [, r1, r2] = env.clusters as [ClusterHandle, ClusterHandle, ClusterHandle];
  // remote-1: a release meshd installed; remote-2 is kept for a release meshd did not install.
  const first = await converge(tillerBackend(), targetOf(r1), await meshOf(env));
  expect(first.plan.state).toBe('absent');
});

afterAll(async () => {
  await env?.stop();
});

/** Values like meshd's, with another Pilot IP: what an operator's manual upgrade would pass. */
async function operatorValues(pilot: string): Promise<string> {
  const file = join(env.dir, 'operator-values.json');
  await writeFile(file, JSON.stringify({ global: { pilotEndpoint: pilot, policyEndpoint: '203.0.113.2', statsdEndpoint: '203.0.113.3' } }));
  return file;
}

describe('tiller backend: failed releases are recovered, never left failed silently', () => {
  it('a FAILED upgrade (an operator waited for pods that never became ready) is upgraded to what meshd wants', async () => {
    await expect(helm2(r1, 'upgrade', 'istio-remote', CHART, '--values', await operatorValues('203.0.113.250'), '--wait', '--timeout', '1')).rejects.toThrow(
      /UPGRADE FAILED/,
    );
    expect((await revisions(r1)).slice(-2)).toEqual(['1:DEPLOYED', '2:FAILED']);
    const mesh = await meshOf(env);
    const { plan } = await converge(tillerBackend(), targetOf(r1), mesh);
    expect(plan.state).toBe('failed');
    expect(plan.reason).toMatch(
      /^revision 2 is FAILED \(Upgrade "istio-remote" failed: timed out waiting for the condition\); upgrading, back to revision 1 if that fails/,
    );
    expect(await revisions(r1)).toEqual(['1:SUPERSEDED', '2:FAILED', '3:DEPLOYED']);
    expect(await endpointIps(r1, 'istio-pilot')).toEqual([mesh.endpoints!.pilot]);
    expect((await tillerBackend().plan(targetOf(r1), mesh)).state).toBe('in-sync');
  });

  it("a release left PENDING_UPGRADE by a Tiller killed mid-upgrade is another client's lock (nothing written) until older than tiller.timeout, then rolled back and in sync", async () => {
    const upgrade = helm2(r1, 'upgrade', 'istio-remote', CHART, '--values', await operatorValues('203.0.113.251'), '--wait', '--timeout', '120').catch(
      (err: unknown) => err,
    );
    const deadline = Date.now() + 20_000;
    while ((await history(r1)).at(-1)?.status !== 'PENDING_UPGRADE' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    await r1.stopTiller();
    expect(String(await upgrade)).toMatch(/transport is closing|connection|EOF/);
    await r1.startTiller();
    expect((await revisions(r1)).at(-1)).toBe('4:PENDING_UPGRADE');
    const mesh = await meshOf(env);
    // Younger than tiller.timeout (60 s here): core's table's `locked`, its action `wait`.
    const held = await converge(tillerBackend(), targetOf(r1), mesh);
    expect([held.plan.state, held.plan.changes, held.plan.errorCode, held.writes]).toEqual(['locked', [], 'MESHD_ERR_RELEASE_LOCKED', 0]);
    expect(held.plan.error).toMatch(
      /^revision 4 is PENDING_UPGRADE since 20\d\d-\d\d-\d\dT[\d:.]+Z: another client's operation holds the release; nothing written \(taken as interrupted 60 s after it started\)$/,
    );
    expect((await revisions(r1)).at(-1)).toBe('4:PENDING_UPGRADE');
    // Older than a 4 s tiller.timeout: the operation died with its Tiller; `failed`, its action `retry`.
    const since = Date.parse(/since (\S+):/.exec(held.plan.error!)![1]!);
    await new Promise((r) => setTimeout(r, Math.max(0, since + 4_000 - Date.now())));
    const { plan } = await converge(tillerBackend({ timeout: '4s' }), targetOf(r1), mesh);
    expect(plan.state).toBe('failed');
    expect(plan.reason).toContain(
      'revision 4 is PENDING_UPGRADE (an operation was interrupted; Tiller refuses upgrades until it is resolved); rolling back to revision 3',
    );
    // The interrupted upgrade had already patched the three Endpoints: they are reset, then rolled back.
    expect(plan.changes.map((c) => `${c.op} ${c.kind}/${c.name}`)).toEqual([
      'recreate Endpoints/istio-pilot',
      'recreate Endpoints/istio-policy',
      'recreate Endpoints/istio-statsd-prom-bridge',
      'upgrade Release/istio-remote',
    ]);
    expect(plan.changes.at(-1)!.detail?.[0]).toBe('rollback to revision 3');
    expect((await revisions(r1)).slice(-2)).toEqual(['4:SUPERSEDED', '5:DEPLOYED']);
    expect(await endpointIps(r1, 'istio-pilot')).toEqual([mesh.endpoints!.pilot]);
    expect((await tillerBackend().plan(targetOf(r1), mesh)).state).toBe('in-sync');
  });

  it('an upgrade Tiller cannot carry out is rolled back and reported with its cause', async () => {
    const mesh = await meshOf(env);
    // The API server rejects this pull policy: Tiller's upgrade of the Deployment fails.
    const broken = tillerBackend({}, { values: { global: { imagePullPolicy: 'Sometimes' } } });
    const plan = await broken.plan(targetOf(r1), mesh);
    expect(plan.state).toBe('out-of-sync');
    const error = await plan.apply().then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(hasCode(error, 'MESHD_ERR_TILLER')).toBe(true);
    expect((error as MeshdError).terminal).toBe(false);
    expect((error as Error).message).toMatch(
      /^remote-1: helm upgrade istio-remote \(Tiller at 127\.0\.0\.1:\d+\) failed, exit code 1: UPGRADE FAILED: Deployment\.apps "istio-citadel" is invalid: .*Unsupported value: "Sometimes".*; rolled back to revision 5$/s,
    );
    // Tiller marks the failed revision SUPERSEDED when it rolls back; its description keeps the failure.
    const [failed, rolledBack] = (await history(r1)).slice(-2);
    expect([failed!.revision, failed!.description]).toEqual([
      6,
      expect.stringMatching(/^Upgrade "istio-remote" failed: Deployment.apps "istio-citadel" is invalid/),
    ]);
    expect([rolledBack!.revision, rolledBack!.status, rolledBack!.description]).toEqual([7, 'DEPLOYED', 'Rollback to 5']);
    expect((await tillerBackend().plan(targetOf(r1), mesh)).state).toBe('in-sync');
  });
});

describe('tiller backend: what is not meshd own, and a Tiller that does not answer', () => {
  it('a release meshd did not install is reported, never upgraded or purged', async () => {
    await helm2(r2, 'install', CHART, '--name', 'istio-remote', '--namespace', 'istio-system', '--values', await operatorValues('203.0.113.252'));
    const mesh = await meshOf(env);
    const plan = await tillerBackend().plan(targetOf(r2), mesh);
    expect([plan.state, plan.changes]).toEqual(['unmanaged', []]);
    expect(plan.error).toContain('meshd did not install it: its values carry no meshd.hash (set adopt: true to take it over)');
    const removal = await tillerBackend().planRemoval(targetOf(r2), mesh);
    expect([removal.state, removal.changes, removal.error]).toEqual(['unmanaged', [], undefined]);
    expect(await revisions(r2)).toEqual(['1:DEPLOYED']);
    expect(await endpointIps(r2, 'istio-pilot')).toEqual(['203.0.113.252']);
  });

  it('with adopt: true it takes the release over with one upgrade', async () => {
    const mesh = await meshOf(env, true);
    const { plan } = await converge(tillerBackend(), targetOf(r2), mesh);
    expect(plan.state).toBe('out-of-sync');
    expect(await revisions(r2)).toEqual(['1:SUPERSEDED', '2:DEPLOYED']);
    expect(await endpointIps(r2, 'istio-pilot')).toEqual([mesh.endpoints!.pilot]);
    expect((await tillerBackend().plan(targetOf(r2), await meshOf(env))).state).toBe('in-sync');
  });

  it('an unreachable Tiller is a retryable MESHD_ERR_TILLER, for install and for removal alike: nothing is deleted', async () => {
    await r1.stopTiller();
    try {
      const mesh = await meshOf(env);
      const backend = tillerBackend({ connectTimeout: '1500ms' });
      for (const attempt of [() => backend.plan(targetOf(r1), mesh), () => backend.planRemoval(targetOf(r1), mesh)]) {
        const error = await attempt().then(
          () => undefined,
          (err: unknown) => err,
        );
        expect(hasCode(error, 'MESHD_ERR_TILLER')).toBe(true);
        expect((error as MeshdError).terminal).toBe(false);
        expect((error as Error).message).toMatch(
          /^remote-1: helm history istio-remote \(Tiller at 127\.0\.0\.1:\d+\) failed, exit code 1: context deadline exceeded$/,
        );
      }
      expect(await endpointIps(r1, 'istio-pilot')).toEqual([mesh.endpoints!.pilot]);
    } finally {
      await r1.startTiller();
    }
    const records = await clientOf(r1).core.listNamespacedSecret({ namespace: 'kube-system', labelSelector: 'OWNER=TILLER,NAME=istio-remote' });
    expect(records.items.length).toBe(7);
  });
});
