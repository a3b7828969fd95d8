// The two registry shapes (reference §2): the guide's ConfigMap and 0.8.0's per-remote Secrets, with
// the guide's credentials (`credentials.mode: operator`: the operator's kubeconfigs are published);
// the default minted credentials are tested in credentials.int.test.ts.
import { expect, it } from 'vitest';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { clientOf, meshd, useMesh, writeConfig } from './support/mesh.js';

const mesh = useMesh({ count: 3, config: ['registry: { mode: secrets }', 'credentials: { mode: operator }'] });

async function registrySecrets(): Promise<Map<string, { uid: string; data: Record<string, string> }>> {
  const list = await clientOf(mesh.env.clusters[0]!).core.listNamespacedSecret({ namespace: 'istio-system', labelSelector: 'istio/multiCluster=true' });
  return new Map(list.items.map((s) => [s.metadata?.name ?? '', { uid: s.metadata?.uid ?? '', data: s.data ?? {} }]));
}

it('secrets mode publishes one Secret per remote, data key = Secret name = cluster', async () => {
  const run = await meshd(mesh.ws, 'apply');
  expect(run.code, run.stdout + run.stderr).toBe(0);
  const secrets = await registrySecrets();
  expect([...secrets.keys()].sort()).toEqual(['remote-1', 'remote-2']);
  const kubeconfig = Buffer.from(secrets.get('remote-1')?.data['remote-1'] ?? '', 'base64').toString();
  expect(kubeconfig).toContain(mesh.env.clusters[1]!.server);
  expect((await meshd(mesh.ws, 'plan', '--detailed-exitcode')).code).toBe(0);
});

it('a changed kubeconfig re-creates the Secret (0.8.0 Pilot ignores updates)', async () => {
  const before = await registrySecrets();
  const file = join(mesh.ws.dir, 'remote-1.kube.conf');
  const { readFile } = await import('node:fs/promises');
  await writeFile(file, `${await readFile(file, 'utf8')}\n# rotated by the operator\n`);
  const plan = await meshd(mesh.ws, 'plan');
  expect(plan.stdout).toMatch(/± recreate Secret istio-system\/remote-1/);
  expect((await meshd(mesh.ws, 'apply')).code).toBe(0);
  const after = await registrySecrets();
  expect(after.get('remote-1')?.uid).not.toBe(before.get('remote-1')?.uid);
  expect(after.get('remote-2')?.uid).toBe(before.get('remote-2')?.uid);
});

it('switching to configmap mode publishes the ConfigMap and removes the Secrets meshd made', async () => {
  await writeConfig(mesh.ws, ['registry: { mode: configmap }', 'credentials: { mode: operator }']);
  const run = await meshd(mesh.ws, 'apply');
  expect(run.code, run.stdout).toBe(0);
  expect((await registrySecrets()).size).toBe(0);
  const cm = await clientOf(mesh.env.clusters[0]!).core.readNamespacedConfigMap({ name: 'multicluster', namespace: 'istio-system' });
  expect(Object.keys(cm.data ?? {})).toHaveLength(6);
});

it("restartPilot rolls istio-pilot once per registry change (the guide's Pilot reads it at start only)", async () => {
  await writeConfig(mesh.ws, ['registry: { mode: configmap, restartPilot: true }', 'credentials: { mode: operator }']);
  const file = join(mesh.ws.dir, 'remote-2.kube.conf');
  const { readFile } = await import('node:fs/promises');
  await writeFile(file, `${await readFile(file, 'utf8')}\n# moved to a new bastion\n`);
  const plan = await meshd(mesh.ws, 'plan');
  expect(plan.stdout).toMatch(/~ update Deployment istio-system\/istio-pilot \(rollout restart: the registry changed/);
  expect((await meshd(mesh.ws, 'apply')).code).toBe(0);
  const apps = clientOf(mesh.env.clusters[0]!).apps;
  const annotation = async (): Promise<string | undefined> =>
    (await apps.readNamespacedDeployment({ name: 'istio-pilot', namespace: 'istio-system' })).spec?.template.metadata?.annotations?.['meshd.io/registry-hash'];
  const first = await annotation();
  expect(first).toMatch(/^[0-9a-f]{64}$/);
  const again = await meshd(mesh.ws, 'plan', '--detailed-exitcode');
  expect(again.code, again.stdout).toBe(0);
  expect(await annotation()).toBe(first);
});
