// Issue 15, end to end: a chart written the way charts were in 2018 (extensions/v1beta1 Deployment
// without selector, rbac v1beta1 role and binding, selector-less Services with Endpoints) against
// today's API servers, with compat.convertRemovedApis off, then on.
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ClusterHandle } from '@meshd/testenv';
import type { PassReport } from '@meshd/core';
import { clientOf, endpointIps, meshd, settledWrites, useMesh, writeConfig } from './support/mesh.js';

const CHART_2018 = resolve(import.meta.dirname, 'fixtures/charts/istio-remote-2018');
const chartLine = `chart: ${CHART_2018}`;
const mesh = useMesh({ count: 2, config: [chartLine] });

/**
 * Write requests meshd makes: server-side apply, patch and delete of anything, the two creates of a
 * minted credential (its binding Secret and the TokenRequest), and the release inventory's create
 * (POST, with the hold) and conditional writes (PUT). Controllers create and update other objects
 * with POST/PUT, which are left out; no controller creates Secrets or PUTs ConfigMaps on these
 * clusters, and the one ConfigMap a controller creates, kube-root-ca.crt in every new Namespace, is
 * taken off: as meshd never deletes a Namespace, the Namespaces that exist now count those creates.
 */
async function meshdWrites(clusters: readonly ClusterHandle[]): Promise<number> {
  const filters = [
    { verbs: ['APPLY', 'PATCH', 'DELETE'] },
    { verbs: ['POST'], resources: ['secrets'], subresources: [''] },
    { verbs: ['POST'], resources: ['serviceaccounts'], subresources: ['token'] },
    { verbs: ['POST', 'PUT'], resources: ['configmaps'] },
  ];
  const counts = await Promise.all(clusters.flatMap((c) => filters.map((f) => c.writeRequestCount(f))));
  const namespaces = await Promise.all(clusters.map(async (c) => (await clientOf(c).core.listNamespace()).items.length));
  return counts.reduce((a, b) => a + b, 0) - namespaces.reduce((a, b) => a + b, 0);
}

async function applyJson(): Promise<{ code: number; report: PassReport }> {
  const run = await meshd(mesh.ws, 'apply', '--json');
  return { code: run.code, report: JSON.parse(run.stdout) as PassReport };
}

describe('a 2018 chart, compat off', () => {
  it('plan names each object the remote cannot serve, with its apiVersion, the hint and the code', async () => {
    const plan = await meshd(mesh.ws, 'plan');
    expect(plan.stderr + plan.stdout).toContain('MESHD_ERR_UNSERVED_API');
    expect(plan.code, plan.stdout + plan.stderr).toBe(1);
    for (const [kind, name, apiVersion, removed] of [
      ['Deployment', 'istio-system/istio-citadel', 'extensions/v1beta1', '1.16'],
      ['ClusterRole', 'istio-citadel-istio-system', 'rbac.authorization.k8s.io/v1beta1', '1.22'],
      ['ClusterRoleBinding', 'istio-citadel-istio-system', 'rbac.authorization.k8s.io/v1beta1', '1.22'],
    ]) {
      expect(plan.stdout).toMatch(
        new RegExp(
          `${kind} ${name}: ${apiVersion} is not served by remote-1 \\(v1\\.\\d+\\.\\d+[^;]*; removed in ${removed}\\); enable compat.convertRemovedApis or use a chart made for this Kubernetes version`,
        ),
      );
    }
    expect(plan.stdout).toContain('MESHD_ERR_UNSERVED_API');
  });

  it('apply lands every Service and Endpoints with the live IPs, reports each failure with its code, exits 1, counts its writes honestly', async () => {
    const before = await settledWrites(mesh.env.clusters);
    const patchesBefore = await meshdWrites(mesh.env.clusters);
    const { code, report } = await applyJson();
    expect(code).toBe(1);
    const [pilot, policy, statsd] = await Promise.all([
      mesh.env.controlPlane.podIp('pilot'),
      mesh.env.controlPlane.podIp('policy'),
      mesh.env.controlPlane.podIp('statsd-prom-bridge'),
    ]);
    const remote = mesh.env.clusters[1]!;
    expect(await endpointIps(remote, 'istio-pilot')).toEqual([pilot]);
    expect(await endpointIps(remote, 'istio-policy')).toEqual([policy]);
    expect(await endpointIps(remote, 'istio-statsd-prom-bridge')).toEqual([statsd]);
    const cluster = report.clusters.find((c) => c.name === 'remote-1');
    expect(cluster).toMatchObject({ state: 'failed', lastError: { code: 'MESHD_ERR_UNSERVED_API', retry: 'terminal' } });
    expect(cluster?.lastError?.message.match(/is not served by remote-1/g)).toHaveLength(3);
    expect(report.writes).toBeGreaterThan(0);
    await settledWrites(mesh.env.clusters);
    expect(report.writes).toBe((await meshdWrites(mesh.env.clusters)) - patchesBefore);
    expect(before.length).toBe(2);
  });

  it('a second apply writes nothing and still reports the parked failures', async () => {
    const before = await settledWrites(mesh.env.clusters);
    const { code, report } = await applyJson();
    expect(code).toBe(1);
    expect(report.writes).toBe(0);
    expect(report.clusters.find((c) => c.name === 'remote-1')?.lastError?.retry).toBe('terminal');
    expect(await settledWrites(mesh.env.clusters)).toEqual(before);
  });
});

describe('a 2018 chart, compat on', () => {
  beforeAll(async () => {
    await writeConfig(mesh.ws, [chartLine, 'compat: { convertRemovedApis: true }']);
  });

  it('plan shows each conversion', async () => {
    const plan = await meshd(mesh.ws, 'plan');
    expect(plan.stdout).toContain('converted: Deployment istio-system/istio-citadel: extensions/v1beta1 → apps/v1 (selector from the pod template labels');
    expect(plan.stdout).toContain('converted: ClusterRole istio-citadel-istio-system: rbac.authorization.k8s.io/v1beta1 → rbac.authorization.k8s.io/v1');
    expect(plan.stdout).toContain('converted: ClusterRoleBinding istio-citadel-istio-system: rbac.authorization.k8s.io/v1beta1 → rbac.authorization.k8s.io/v1');
    expect(plan.stdout).not.toContain('MESHD_ERR_UNSERVED_API');
  });

  it('apply converges; the Deployment is apps/v1 with a selector; reported writes equal the API servers’ count', async () => {
    await settledWrites(mesh.env.clusters);
    const patchesBefore = await meshdWrites(mesh.env.clusters);
    const { code, report } = await applyJson();
    expect(code, JSON.stringify(report.clusters, null, 2)).toBe(0);
    const deployment = await clientOf(mesh.env.clusters[1]!).apps.readNamespacedDeployment({ name: 'istio-citadel', namespace: 'istio-system' });
    expect(deployment.spec?.selector.matchLabels).toEqual({ istio: 'citadel' });
    const role = await clientOf(mesh.env.clusters[1]!).objects.read({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'istio-citadel-istio-system' },
    });
    expect(role.metadata?.labels?.['app.kubernetes.io/managed-by']).toBe('meshd');
    await settledWrites(mesh.env.clusters);
    expect(report.writes).toBe((await meshdWrites(mesh.env.clusters)) - patchesBefore);
  });

  it('a second apply makes zero writes', async () => {
    const before = await settledWrites(mesh.env.clusters);
    const { code, report } = await applyJson();
    expect(code).toBe(0);
    expect(report.writes).toBe(0);
    expect(await settledWrites(mesh.env.clusters)).toEqual(before);
  });

  it('a Pilot move updates only the Endpoints (and the inventory’s revision)', async () => {
    const newIp = await mesh.env.controlPlane.movePilot();
    const plan = await meshd(mesh.ws, 'plan', '--detailed-exitcode');
    expect(plan.code).toBe(2);
    const changed = plan.stdout.split('\n').filter((l) => /^\s+[-+~±] /.test(l));
    expect(changed).toEqual([expect.stringContaining('update Endpoints istio-system/istio-pilot')]);
    const patchesBefore = await meshdWrites(mesh.env.clusters);
    const { code, report } = await applyJson();
    expect(code).toBe(0);
    expect(await endpointIps(mesh.env.clusters[1]!, 'istio-pilot')).toEqual([newIp]);
    await settledWrites(mesh.env.clusters);
    expect(report.writes).toBe((await meshdWrites(mesh.env.clusters)) - patchesBefore);
  });
});
