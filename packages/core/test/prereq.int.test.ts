// Prerequisite facts and checks against real kube-apiservers from @meshd/testenv (3 clusters:
// cp with the stand-in Istio control plane, remote-1, remote-2; distinct pod and service CIDRs).
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { binaryPaths, startClusters, type TestEnv } from '@meshd/testenv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkPrerequisites, ClusterFactsCache, gatherClusterFacts, pilotMulticlusterFlags, STABLE_FACTS_TTL_MS, type ClusterFacts } from '@meshd/core/prereq';
import { connectCluster, type ClusterClient } from '@meshd/core/cluster';
import type { KubeObject } from '@meshd/core/kube';

let env: TestEnv;
let clients: ClusterClient[];

beforeAll(async () => {
  env = await startClusters({ count: 3 });
  clients = await Promise.all(env.clusters.map(async (c) => connectCluster({ name: c.name, kubeconfigText: await readFile(c.kubeconfigPath, 'utf8') })));
});

afterAll(async () => {
  await env?.stop();
});

const gatherAll = (): Promise<Array<{ name: string; facts: ClusterFacts; helmBinaries: string[] }>> =>
  Promise.all(clients.map(async (c, i) => ({ name: c.name, facts: await gatherClusterFacts(c), helmBinaries: i > 0 ? ['helm'] : [] })));

describe('gatherClusterFacts', () => {
  it("reads version v1.34.4, each cluster's own pod and service CIDRs, and its identity (kube-system UID)", async () => {
    const all = await gatherAll();
    for (const [i, { facts }] of all.entries()) {
      const cluster = env.clusters[i]!;
      const kubeSystem = await clients[i]!.core.readNamespace({ name: 'kube-system' });
      expect(facts).toEqual({
        gitVersion: 'v1.34.4',
        major: '1',
        minor: '34',
        podCIDRs: [cluster.podCidr],
        serviceCIDRs: [cluster.serviceCidr],
        identity: kubeSystem.metadata?.uid,
      });
    }
    expect(new Set(all.map(({ facts }) => facts.identity)).size).toBe(3);
    const ranges = all.flatMap(({ facts }) => [...facts.podCIDRs!, ...facts.serviceCIDRs!]);
    expect(new Set(ranges).size).toBe(6);
  });
});

describe('pilotMulticlusterFlags', () => {
  it('detects the registry flag on the stand-in Pilot, and its absence when turned off', async () => {
    const [cp] = clients as [ClusterClient];
    expect(await pilotMulticlusterFlags(cp)).toEqual({
      found: 'deployment',
      enabled: true,
      flags: ['--clusterRegistriesConfigMap clusterregistry'],
    });
    await env.controlPlane.setPilotMulticluster(false);
    try {
      expect(await pilotMulticlusterFlags(cp)).toEqual({ found: 'deployment', enabled: false, flags: [] });
    } finally {
      await env.controlPlane.setPilotMulticluster(true);
    }
  });

  it('says there is no Pilot on a cluster without one', async () => {
    expect(await pilotMulticlusterFlags(clients[1]!)).toEqual({ found: 'no-deployment', enabled: false, flags: [] });
  });
});

describe('checkPrerequisites on live facts', () => {
  it('passes the test mesh with the real helm binary, without a finding', async () => {
    const { stdout } = await promisify(execFile)(binaryPaths().helm, ['version', '--short']);
    const report = checkPrerequisites({
      controlPlane: 'cp',
      clusters: await gatherAll(),
      pilot: await pilotMulticlusterFlags(clients[0]!),
      helm: { helm: { output: stdout } },
    });
    expect(report.findings).toEqual({ cp: [], 'remote-1': [], 'remote-2': [] });
    expect(report.blocked.size).toBe(0);
  });

  it('warns on the control plane when Pilot is not configured for multicluster', async () => {
    await env.controlPlane.setPilotMulticluster(false);
    try {
      const report = checkPrerequisites({ controlPlane: 'cp', clusters: await gatherAll(), pilot: await pilotMulticlusterFlags(clients[0]!) });
      expect(report.findings.cp?.map((f) => `${f.severity}:${f.code}`)).toEqual(['warning:PILOT_NOT_MULTICLUSTER']);
      expect(report.blocked.size).toBe(0);
    } finally {
      await env.controlPlane.setPilotMulticluster(true);
    }
  });

  it("sees a new ServiceCIDR that overlaps another cluster's pods, and blocks the newcomer", async () => {
    const [, first, second] = env.clusters;
    const overlapping = first!.podCidr.replace(/\.0\.0\/16$/, '.128.0/24');
    const serviceCidr = { apiVersion: 'networking.k8s.io/v1', kind: 'ServiceCIDR', metadata: { name: 'extra' }, spec: { cidrs: [overlapping] } };
    await clients[2]!.objects.create(serviceCidr);
    try {
      const clusters = await gatherAll();
      expect(clusters[2]!.facts.serviceCIDRs).toEqual([second!.serviceCidr, overlapping].sort());
      const report = checkPrerequisites({ controlPlane: 'cp', clusters, joined: new Set(['cp', 'remote-1']) });
      expect([...report.blocked]).toEqual(['remote-2']);
      expect(report.findings['remote-2']).toEqual([
        {
          severity: 'error',
          code: 'CIDR_OVERLAP',
          message: `clusters remote-1 and remote-2 have overlapping address ranges: remote-1 pod ${first!.podCidr} overlaps remote-2 service ${overlapping}`,
        },
      ]);
      expect(report.findings['remote-1']?.map((f) => f.severity)).toEqual(['warning']);
    } finally {
      await clients[2]!.objects.delete(serviceCidr);
    }
  });
});

describe('ClusterFactsCache (the daemon keeps CIDRs and identity between passes)', () => {
  const serviceCidr = (name: string, cidr: string): KubeObject => ({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'ServiceCIDR',
    metadata: { name },
    spec: { cidrs: [cidr] },
  });

  it('sees a new ServiceCIDR once the kept facts are older than the TTL, or at once after forget (what a failed probe does)', async () => {
    let now = 0;
    const cache = new ClusterFactsCache({ now: () => now });
    const client = clients[1]!;
    const own = env.clusters[1]!.serviceCidr;
    const probe = (): Promise<ClusterFacts> => cache.facts(client, { since: performance.now() });
    const added = [serviceCidr('kept-1', '198.51.100.0/25'), serviceCidr('kept-2', '198.51.100.128/25')];
    const first = await probe();
    expect(first).toEqual(await gatherClusterFacts(client));
    try {
      await client.objects.create(added[0]!);
      now = STABLE_FACTS_TTL_MS;
      expect(await probe()).toEqual(first); // the version asked, the CIDRs kept
      now = STABLE_FACTS_TTL_MS + 1;
      expect((await probe()).serviceCIDRs).toEqual([own, '198.51.100.0/25'].sort());
      await client.objects.create(added[1]!);
      expect((await probe()).serviceCIDRs).toEqual([own, '198.51.100.0/25'].sort()); // kept again
      cache.forget(client);
      expect((await probe()).serviceCIDRs).toEqual([own, '198.51.100.0/25', '198.51.100.128/25'].sort());
    } finally {
      for (const o of added) await client.objects.delete(o).catch(() => undefined);
    }
  });
});
