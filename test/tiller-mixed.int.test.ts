// Issue 7, end to end: one mesh, two backends. `meshd apply` (in-process) installs istio-remote on
// remote-1 through its Tiller (clusters.remote-1.backend: tiller) and on remote-2 with helm-template,
// keeps both in sync, follows Pilot, switches remote-2's backend both ways (core has the previous
// backend uninstall, then the new one install; issue 14), finishes a switch that failed halfway, and
// purges remote-1 when it leaves.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { binaryPaths } from '@meshd/testenv';
import type { ClusterHandle, TestEnv } from '@meshd/testenv';
import { addCluster, clientOf, endpointIps, meshd, releaseRevisions, settledWrites, useMesh, writeConfig } from './support/mesh.js';

/** The lines `meshd plan|apply` printed for one cluster. */
const block = (stdout: string, cluster: string): string => stdout.split(/\n(?=cluster |registry )/).find((b) => b.startsWith(`cluster ${cluster} `)) ?? '';
const inventory = (c: ClusterHandle) => clientOf(c).core.readNamespacedConfigMap({ name: 'meshd-release-istio-remote', namespace: 'istio-system' });

/**
 * meshd.yaml's lines for the Helm 2 client of the tiller backend and the given clusters that use it;
 * `templateClusters` use helm-template but keep their tillerHost (a switch away from Tiller needs it to purge).
 */
function tillerConfig(tillerClusters: ClusterHandle[], templateClusters: ClusterHandle[] = []): string[] {
  const entry = (c: ClusterHandle, backend: string): string => `${c.name}: { backend: ${backend}, tillerHost: "${c.tillerHost!}" }`;
  const clusters = [...tillerClusters.map((c) => entry(c, 'tiller')), ...templateClusters.map((c) => entry(c, 'helm-template'))].join(', ');
  return [`tiller: { helmBinary: ${binaryPaths().helm2!} }`, `clusters: { ${clusters} }`];
}

/** The Service istio-pilot on a remote: who installed it shows in its labels. */
const pilotService = (c: ClusterHandle) => clientOf(c).core.readNamespacedService({ name: 'istio-pilot', namespace: 'istio-system' });

// remote-1 uses Tiller; remote-2 helm-template.
const mesh = useMesh({ count: 3, tiller: true, config: (env: TestEnv) => tillerConfig([env.clusters[1]!]) });
const r1 = (): ClusterHandle => mesh.remote(1);
const r2 = (): ClusterHandle => mesh.remote(2);

describe('a mesh with one Tiller remote and one helm-template remote', () => {
  it('meshd apply installs remote-1 through Tiller and remote-2 with helm-template', async () => {
    const run = await meshd(mesh.ws, 'apply');
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(block(run.stdout, 'remote-1')).toMatch(
      /\n\s+tiller: absent — not installed \(Tiller at 127\.0\.0\.1:\d+\) \[1 write\(s\)\]\n\s+\+ install Release istio-system\/istio-remote/,
    );
    expect(block(run.stdout, 'remote-1')).not.toContain('helm-template');
    expect(block(run.stdout, 'remote-2')).toMatch(/\n\s+helm-template: absent/);
    expect(block(run.stdout, 'remote-2')).not.toContain('tiller');
    const pilot = await mesh.env.controlPlane.podIp('pilot');
    for (const remote of [r1(), r2()]) expect(await endpointIps(remote, 'istio-pilot')).toEqual([pilot]);
    expect(await releaseRevisions(r1())).toEqual(['1:DEPLOYED']);
    expect(await releaseRevisions(r2())).toEqual([]);
    await expect(inventory(r1())).rejects.toThrow();
    expect((await inventory(r2())).data?.phase).toBe('applied');
  });

  it('then plans no change, and a second apply writes nothing and makes no new revision', async () => {
    const plan = await meshd(mesh.ws, 'plan', '--detailed-exitcode');
    expect(plan.code, plan.stdout).toBe(0);
    expect(plan.stdout).toMatch(/tiller: in-sync — revision 1 DEPLOYED; every object matches/);
    const before = await settledWrites(mesh.env.clusters);
    const again = await meshd(mesh.ws, 'apply');
    expect(again.code).toBe(0);
    expect(await settledWrites(mesh.env.clusters)).toEqual(before);
    expect(await releaseRevisions(r1())).toEqual(['1:DEPLOYED']);
  });

  it('follows Pilot: one upgrade through Tiller on remote-1, one Endpoints update on remote-2', async () => {
    const newIp = await mesh.env.controlPlane.movePilot();
    const plan = await meshd(mesh.ws, 'plan', '--detailed-exitcode');
    expect(plan.code).toBe(2);
    const changed = plan.stdout.split('\n').filter((l) => /^\s+[-+~±] /.test(l));
    expect(changed).toEqual([
      expect.stringMatching(
        /^\s+~ upgrade Release istio-system\/istio-remote \(revision 1 → new revision; Tiller at [\d.:]+; changes Endpoints\/istio-pilot \(\.subsets\)\)$/,
      ),
      expect.stringContaining('update Endpoints istio-system/istio-pilot'),
    ]);
    const run = await meshd(mesh.ws, 'apply');
    expect(run.code, run.stdout).toBe(0);
    for (const remote of [r1(), r2()]) expect(await endpointIps(remote, 'istio-pilot')).toEqual([newIp]);
    expect(await releaseRevisions(r1())).toEqual(['1:SUPERSEDED', '2:DEPLOYED']);
  });

  it('moving remote-2 to Tiller: core has helm-template uninstall what it applied, then Tiller installs the release, in one pass', async () => {
    await writeConfig(mesh.ws, tillerConfig([r1(), r2()]));
    const run = await meshd(mesh.ws, 'apply');
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const remote2 = block(run.stdout, 'remote-2');
    expect(remote2).toMatch(
      /\n\s+helm-template: removed — backend changed from helm-template to tiller: helm-template uninstalls what it installed, then tiller installs the release \[\d+ write\(s\)\]\n/,
    );
    expect(remote2.match(/ - delete /g)).toHaveLength(11);
    expect(remote2).toMatch(
      /\n\s+tiller: absent — not installed \(Tiller at [\d.:]+\) \[1 write\(s\)\]\n\s+\+ install Release istio-system\/istio-remote \(Tiller at [\d.:]+; creates ServiceAccount\/istio-citadel-service-account;/,
    );
    expect(remote2.indexOf('helm-template: removed')).toBeLessThan(remote2.indexOf('tiller: absent'));
    expect(await releaseRevisions(r2())).toEqual(['1:DEPLOYED']);
    await expect(inventory(r2())).rejects.toThrow();
    expect(await endpointIps(r2(), 'istio-pilot')).toEqual([await mesh.env.controlPlane.podIp('pilot')]);
    const svc = await pilotService(r2());
    expect(svc.metadata?.labels).toMatchObject({ heritage: 'Tiller', release: 'istio-remote' });
    expect(svc.metadata?.labels?.['app.kubernetes.io/managed-by']).toBeUndefined();
    expect((await meshd(mesh.ws, 'plan', '--detailed-exitcode')).code).toBe(0);
  });

  it('moving remote-2 back to helm-template: meshd plan shows the purge and helm-template waiting; apply purges the Tiller release, then applies it', async () => {
    await writeConfig(mesh.ws, tillerConfig([r1()], [r2()]));
    const plan = await meshd(mesh.ws, 'plan', '--detailed-exitcode');
    expect(plan.code, plan.stdout + plan.stderr).toBe(2);
    expect(block(plan.stdout, 'remote-2')).toMatch(
      /\n\s+tiller: removed — backend changed from tiller to helm-template: tiller uninstalls what it installed, then helm-template installs the release\n\s+- uninstall Release istio-system\/istio-remote/,
    );
    expect(block(plan.stdout, 'remote-2')).toMatch(
      /\n\s+helm-template: waiting — installs the release once tiller has uninstalled it \(apply does both in one pass\)/,
    );
    expect(await releaseRevisions(r2())).toEqual(['1:DEPLOYED']);
    const run = await meshd(mesh.ws, 'apply');
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const remote2 = block(run.stdout, 'remote-2');
    expect(remote2).toMatch(
      /\n\s+tiller: removed — backend changed from tiller to helm-template: tiller uninstalls what it installed, then helm-template installs the release \[1 write\(s\)\]/,
    );
    expect(remote2).toMatch(
      /\n\s+helm-template: absent — not installed \(revision [0-9a-f]+\) \[\d+ write\(s\)\]\n\s+\+ create ServiceAccount istio-system\/istio-citadel-service-account/,
    );
    expect(await releaseRevisions(r2())).toEqual([]);
    expect((await inventory(r2())).data?.phase).toBe('applied');
    expect(await endpointIps(r2(), 'istio-pilot')).toEqual([await mesh.env.controlPlane.podIp('pilot')]);
    const svc = await pilotService(r2());
    expect(svc.metadata?.labels?.['app.kubernetes.io/managed-by']).toBe('meshd');
    expect(svc.metadata?.labels?.heritage).not.toBe('Tiller');
    expect(await releaseRevisions(r1())).toEqual(['1:SUPERSEDED', '2:DEPLOYED']);
    expect((await meshd(mesh.ws, 'plan', '--detailed-exitcode')).code).toBe(0);
  });

  it('a switch that fails halfway is finished by the next pass: Tiller down, helm-template is uninstalled and the install fails; Tiller back, the next apply installs', async () => {
    await r2().stopTiller();
    try {
      await writeConfig(mesh.ws, tillerConfig([r1(), r2()]));
      const failed = await meshd(mesh.ws, 'apply');
      expect(failed.code, failed.stdout + failed.stderr).toBe(1);
      const remote2 = block(failed.stdout, 'remote-2');
      expect(remote2).toMatch(/\n\s+helm-template: removed — backend changed from helm-template to tiller: helm-template uninstalls what it installed/);
      expect(remote2).toMatch(/\n\s+tiller: (failed|error)/);
      await expect(inventory(r2())).rejects.toThrow();
      expect(await endpointIps(r2(), 'istio-pilot')).toBeUndefined();
    } finally {
      await r2().startTiller();
    }
    const run = await meshd(mesh.ws, 'apply');
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const remote2 = block(run.stdout, 'remote-2');
    expect(remote2).not.toContain('helm-template');
    expect(remote2).toMatch(/\n\s+tiller: absent — not installed \(Tiller at [\d.:]+\) \[1 write\(s\)\]/);
    expect(await releaseRevisions(r2())).toEqual(['1:DEPLOYED']);
    expect(await endpointIps(r2(), 'istio-pilot')).toEqual([await mesh.env.controlPlane.podIp('pilot')]);
    expect((await meshd(mesh.ws, 'plan', '--detailed-exitcode')).code).toBe(0);
  }, 360_000);

  it('removing remote-1 purges its release; the registry drops it; remote-2 is untouched', async () => {
    await rm(join(mesh.ws.dir, 'remote-1.yaml'));
    await rm(join(mesh.ws.dir, 'remote-1.kube.conf'));
    const before = await releaseRevisions(r2());
    const run = await meshd(mesh.ws, 'apply');
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/tiller: removed — its descriptor was removed \(revision 2 DEPLOYED\): helm delete --purge/);
    expect(await releaseRevisions(r1())).toEqual([]);
    expect(await endpointIps(r1(), 'istio-pilot')).toBeUndefined();
    const cm = await clientOf(mesh.env.clusters[0]!).core.readNamespacedConfigMap({ name: 'multicluster', namespace: 'istio-system' });
    expect(Object.keys(cm.data ?? {}).sort()).toEqual(['cp.kube.conf', 'cp.yaml', 'remote-2.kube.conf', 'remote-2.yaml']);
    expect(await releaseRevisions(r2())).toEqual(before);
  });

  it('backend: tiller for the whole mesh: remote-1 joins again and is installed through its Tiller', async () => {
    const hosts = [r1(), r2()].map((c) => `${c.name}: { tillerHost: "${c.tillerHost!}" }`).join(', ');
    await writeConfig(mesh.ws, ['backend: tiller', `tiller: { helmBinary: ${binaryPaths().helm2!} }`, `clusters: { ${hosts} }`]);
    await addCluster(mesh.ws, r1());
    const run = await meshd(mesh.ws, 'apply');
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(block(run.stdout, 'remote-1')).toMatch(/\n\s+tiller: absent — not installed/);
    expect(block(run.stdout, 'remote-2')).toMatch(/\n\s+tiller: in-sync — revision 1 DEPLOYED/);
    expect(await releaseRevisions(r1())).toEqual(['1:DEPLOYED']);
    expect(await endpointIps(r1(), 'istio-pilot')).toEqual([await mesh.env.controlPlane.podIp('pilot')]);
  });
});
