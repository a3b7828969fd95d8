// What the registry step reads on three real clusters: the pass lists meshd's registry objects on the
// control plane at its start, and the step takes a desired object from that list when meshd owns it
// (a no-op then reads the `multicluster` ConfigMap by name no more: one round trip less at the end of
// every pass); a name meshd does not own yet is still read, so an operator's own object of that name
// is found and left alone. Requests are recorded on their way out (test/support/requests.ts).
import { describe, expect, it } from 'vitest';
import { clientOf, meshd, useMesh } from './support/mesh.js';
import { recordingRequests } from './support/requests.js';

const mesh = useMesh({ count: 3, apply: true });
const REGISTRY = '/api/v1/namespaces/istio-system/configmaps/multicluster';

/** One `meshd apply` and the GETs of the registry ConfigMap by name it sent. */
async function applyCountingRegistryReads(): Promise<{ code: number; out: string; reads: number }> {
  const { result, requests } = await recordingRequests(() => meshd(mesh.ws, 'apply'));
  const reads = requests.filter((r) => r.method === 'GET' && r.path === REGISTRY).length;
  return { code: result.code, out: result.stdout + result.stderr, reads };
}

describe('the registry step', () => {
  it('takes the ConfigMap meshd owns from the pass start list: a no-op never reads it by name', async () => {
    const cp = clientOf(mesh.env.clusters[0]!);
    const before = await cp.core.readNamespacedConfigMap({ name: 'multicluster', namespace: 'istio-system' });
    const noOp = await applyCountingRegistryReads();
    expect(noOp.code, noOp.out).toBe(0);
    expect(noOp.out).toMatch(/0 write request\(s\); converged/);
    expect(noOp.reads).toBe(0);
    const after = await cp.core.readNamespacedConfigMap({ name: 'multicluster', namespace: 'istio-system' });
    expect(after.metadata?.resourceVersion).toBe(before.metadata?.resourceVersion);
  });

  it('still reads a name it does not own, and leaves an operator ConfigMap of that name alone', async () => {
    const cp = clientOf(mesh.env.clusters[0]!);
    await cp.core.deleteNamespacedConfigMap({ name: 'multicluster', namespace: 'istio-system' });
    const foreign = { 'operator.yaml': 'made by hand' };
    await cp.core.createNamespacedConfigMap({ namespace: 'istio-system', body: { metadata: { name: 'multicluster' }, data: foreign } });
    const run = await applyCountingRegistryReads();
    expect(run.code, run.out).not.toBe(0);
    expect(run.reads).toBe(1);
    expect(run.out).toContain('multicluster');
    const kept = await cp.core.readNamespacedConfigMap({ name: 'multicluster', namespace: 'istio-system' });
    expect(kept.data).toEqual(foreign);
  });
});
