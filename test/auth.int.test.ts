// Connections come from each cluster's kubeconfig as the operator wrote it: token users (every other
// test) and exec credential plugins (here), through @kubernetes/client-node.
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { endpointIps, meshd, useMesh } from './support/mesh.js';

const mesh = useMesh({ count: 2 });

/** Replaces the remote's token user with an exec plugin (a script printing an ExecCredential). */
async function useExecPlugin(name: string, token: string): Promise<string> {
  const script = join(mesh.ws.root, `${name}-credential.sh`);
  const credential = JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: { token } });
  await writeFile(script, `#!/bin/sh\necho '${credential}'\n`);
  await chmod(script, 0o700);
  const file = join(mesh.ws.dir, `${name}.kube.conf`);
  const kubeconfig = parse(await readFile(file, 'utf8')) as { users: { name: string; user: Record<string, unknown> }[] };
  for (const u of kubeconfig.users) u.user = { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: script, interactiveMode: 'Never' } };
  await writeFile(file, stringify(kubeconfig), { mode: 0o600 });
  return script;
}

it('a remote whose kubeconfig uses an exec credential plugin is joined', async () => {
  const remote = mesh.env.clusters[1]!;
  await useExecPlugin(remote.name, remote.token);
  const run = await meshd(mesh.ws, 'apply');
  expect(run.code, run.stdout + run.stderr).toBe(0);
  expect(await endpointIps(remote, 'istio-pilot')).toEqual([await mesh.env.controlPlane.podIp('pilot')]);
});

it('an exec plugin handing out a wrong token makes that remote "unauthorized: 401 Unauthorized" (not unreachable), without leaking the token', async () => {
  const remote = mesh.env.clusters[1]!;
  await useExecPlugin(remote.name, 'not-the-right-token-123');
  const run = await meshd(mesh.ws, 'plan');
  expect(run.code).toBe(1);
  expect(run.stdout).toMatch(/cluster remote-1 [^\n]*: unauthorized\n\s+error \[MESHD_ERR_UNAUTHORIZED\]: 401 Unauthorized\n/);
  expect(run.stdout).not.toMatch(/HTTP-Code|Headers|unreachable/);
  expect(run.stdout + run.stderr).not.toContain('not-the-right-token-123');
  const json = JSON.parse((await meshd(mesh.ws, 'plan', '--json')).stdout) as {
    clusters: { name: string; state: string; reachable: boolean; lastError?: { code: string; message: string; retry: string } }[];
  };
  expect(json.clusters.find((c) => c.name === 'remote-1')).toMatchObject({
    state: 'unauthorized',
    reachable: false,
    lastError: { code: 'MESHD_ERR_UNAUTHORIZED', message: '401 Unauthorized', retry: 'backoff' },
  });
});

it('a wrong token in the kubeconfig itself is "401 Unauthorized" with its code, and nothing on the remote changes', async () => {
  const remote = mesh.env.clusters[1]!;
  const file = join(mesh.ws.dir, `${remote.name}.kube.conf`);
  await writeFile(file, (await readFile(remote.kubeconfigPath, 'utf8')).replace(remote.token, 'wrong-token-0123456789abcdef'), { mode: 0o600 });
  const run = await meshd(mesh.ws, 'apply', '--json');
  expect(run.code).toBe(1);
  const report = JSON.parse(run.stdout) as {
    clusters: { name: string; state: string; lastError?: { code: string; message: string; retry: string }; components: unknown[] }[];
  };
  const cluster = report.clusters.find((c) => c.name === 'remote-1');
  expect(cluster).toMatchObject({ state: 'unauthorized', lastError: { code: 'MESHD_ERR_UNAUTHORIZED', message: '401 Unauthorized', retry: 'backoff' } });
  // No component ran against it; the minted-credentials step only says the stored credential stays published.
  expect((cluster?.components as { component: string; writes: number }[]).map((c) => [c.component, c.writes])).toEqual([['credentials', 0]]);
  expect(run.stdout + run.stderr).not.toContain('wrong-token-0123456789abcdef');
});

it('an exec plugin that fails is "exec plugin failed: <first line of its stderr>" (MESHD_ERR_EXEC_PLUGIN), not unreachable', async () => {
  const remote = mesh.env.clusters[1]!;
  const script = await useExecPlugin(remote.name, 'unused-token-0123456789');
  await writeFile(script, '#!/bin/sh\necho "error: the SSO session expired; run sso-login" >&2\necho "debug: more detail" >&2\nexit 1\n');
  const run = await meshd(mesh.ws, 'plan');
  expect(run.code).toBe(1);
  expect(run.stdout).toMatch(
    /cluster remote-1 [^\n]*: unauthorized\n\s+error \[MESHD_ERR_EXEC_PLUGIN\]: exec plugin failed: error: the SSO session expired; run sso-login\n/,
  );
  expect(run.stdout).not.toContain('debug: more detail');
  const json = JSON.parse((await meshd(mesh.ws, 'plan', '--json')).stdout) as {
    clusters: { name: string; lastError?: { code: string; message: string; retry: string } }[];
  };
  expect(json.clusters.find((c) => c.name === 'remote-1')?.lastError?.code).toBe('MESHD_ERR_EXEC_PLUGIN');
});

it('a remote whose kubeconfig uses a client certificate is joined', async () => {
  const remote = mesh.env.clusters[1]!;
  const file = join(mesh.ws.dir, `${remote.name}.kube.conf`);
  await writeFile(file, await remote.clientCertKubeconfigText(), { mode: 0o600 });
  const moved = await mesh.env.controlPlane.movePilot();
  const run = await meshd(mesh.ws, 'apply');
  expect(run.code, run.stdout + run.stderr).toBe(0);
  expect(await endpointIps(remote, 'istio-pilot')).toEqual([moved]);
  expect(run.stdout + run.stderr).not.toMatch(/BEGIN (EC )?PRIVATE KEY|client-key-data/);
});
