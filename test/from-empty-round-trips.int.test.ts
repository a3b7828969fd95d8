// Issue 17: the one-shot `meshd apply` from empty on three real clusters waits for fewer answers
// before asking the next question, and writes exactly what it wrote before. Each request meshd
// sends is recorded on its way out (test/support/requests.ts: the real requests, nothing stubbed);
// writes are counted by each kube-apiserver (apiserver_request_total).
import type { ClusterHandle } from '@meshd/testenv';
import { roundTripsInSequence } from '@meshd/testkit';
import { describe, expect, it } from 'vitest';
import { MESHD_RESOURCES, meshd, settledWrites, useMesh } from './support/mesh.js';
import { recordingRequests } from './support/requests.js';
import type { RecordedRequest } from './support/requests.js';

const mesh = useMesh({ count: 3 });

/** Writes a from-empty apply makes on the three clusters (counted by the API servers, status subresources left out). */
const WRITES_FROM_EMPTY = 47;
/**
 * Round trips in sequence of a from-empty apply, a guard against regressions (the checks above are the
 * exact ones): 44–56 before the requests that need no answer went together, 35–44 after, at load 20–45.
 */
const MAX_ROUND_TRIPS_IN_SEQUENCE = 46;

/** The requests that went to one cluster. */
function to(cluster: ClusterHandle, requests: readonly RecordedRequest[]): RecordedRequest[] {
  const host = new URL(cluster.server).host;
  return requests.filter((r) => r.server === host);
}

/** The one request matching method and path (a RegExp on the path); fails the test when there is not exactly one. */
function only(requests: readonly RecordedRequest[], method: string, path: RegExp): RecordedRequest {
  const found = requests.filter((r) => r.method === method && path.test(r.path));
  expect(found.map((r) => `${r.method} ${r.path}`)).toHaveLength(1);
  return found[0] as RecordedRequest;
}

/** True when the two requests were in flight at the same time. */
function overlap(a: RecordedRequest, b: RecordedRequest): boolean {
  return a.start < b.end && b.start < a.end;
}

describe('meshd apply from empty', () => {
  it('asks what does not depend on an answer together, in fewer round trips, with the same writes', async () => {
    const [cp, ...remotes] = mesh.env.clusters as [ClusterHandle, ...ClusterHandle[]];
    const settled = (): Promise<number[]> => settledWrites(mesh.env.clusters, { filter: { resources: [...MESHD_RESOURCES], subresources: [''] } });
    const before = await settled();
    const { result: run, requests } = await recordingRequests(() => meshd(mesh.ws, 'apply'));
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const after = await settled();
    // 16 per remote (namespace, pending and final inventory, 10 chart objects, 3 reader objects), 2
    // more per remote from kube-controller-manager (the namespace's ServiceAccount and root CA), the
    // reader on the control plane and the registry: what it always wrote, nothing more.
    expect(after.reduce((n, w, i) => n + w - (before[i] ?? 0), 0)).toBe(WRITES_FROM_EMPTY);

    const onCp = to(cp, requests);
    // The registry is read while the control plane is probed, the remotes are probed meanwhile, and
    // Pilot's flags are read with the endpoints: none waits for the other.
    const registry = only(onCp, 'GET', /^\/api\/v1\/namespaces\/istio-system\/configmaps$/);
    expect(registry.start).toBeLessThan(only(onCp, 'GET', /^\/apis\/networking\.k8s\.io\/v1\/servicecidrs$/).end);
    for (const remote of remotes) expect(only(to(remote, requests), 'GET', /^\/version$/).start).toBeLessThan(registry.end);
    const pods = onCp.filter((r) => r.method === 'GET' && r.path === '/api/v1/namespaces/istio-system/pods');
    expect(pods.length).toBeGreaterThan(0);
    expect(only(onCp, 'GET', /\/deployments\/istio-pilot$/).start).toBeLessThan(Math.min(...pods.map((p) => p.end)));

    for (const cluster of mesh.env.clusters) {
      // The core group's discovery is asked with the probe, not after it.
      const onCluster = to(cluster, requests);
      expect(only(onCluster, 'GET', /^\/api\/v1$/).start).toBeLessThan(only(onCluster, 'GET', /^\/apis\/networking\.k8s\.io\/v1\/servicecidrs$/).end);
    }
    // The secrets addon's sources are read once for every remote (its mesh-wide observe, started with the
    // survey): before any remote's own observe lists its copies, not after it.
    const sources = only(onCp, 'GET', /^\/api\/v1\/secrets$/);
    for (const remote of remotes) {
      const onRemote = to(remote, requests);
      expect(sources.start).toBeLessThan(only(onRemote, 'GET', /^\/api\/v1\/secrets$/).start);
      // The chart's API groups are looked up together.
      expect(overlap(only(onRemote, 'GET', /^\/apis\/rbac\.authorization\.k8s\.io\/v1$/), only(onRemote, 'GET', /^\/apis\/apps\/v1$/))).toBe(true);
      // The chart's ClusterRoleBinding is written with its Services (its ClusterRole went first).
      const binding = only(onRemote, 'PATCH', /\/clusterrolebindings\/istio-citadel-istio-system$/);
      const role = only(onRemote, 'PATCH', /\/clusterroles\/istio-citadel-istio-system$/);
      expect(role.end).toBeLessThanOrEqual(binding.start);
      expect(onRemote.filter((r) => r.method === 'PATCH' && r.path.includes('/services/')).some((s) => overlap(s, binding))).toBe(true);
      // The Pilot reader's objects are read with the check that its namespace exists.
      const reader = only(onRemote, 'GET', /\/serviceaccounts\/meshd-pilot-reader$/);
      expect(onRemote.filter((r) => r.method === 'GET' && r.path === '/api/v1/namespaces/istio-system').some((n) => overlap(n, reader))).toBe(true);
    }
    expect(roundTripsInSequence(requests)).toBeLessThanOrEqual(MAX_ROUND_TRIPS_IN_SEQUENCE);
  });
});
