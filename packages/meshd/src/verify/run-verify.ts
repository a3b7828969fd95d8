import { buildDesiredMesh, validateDirectory } from '@meshd/core/descriptor';
import { clusterFailureOf, connectCluster, isNotFound } from '@meshd/core/cluster';
import { discoverEndpoints } from '@meshd/core/discovery';
import { gatherClusterFacts, pilotMulticlusterFlags } from '@meshd/core/prereq';
import type { ClusterClient } from '@meshd/core/cluster';
import type { DesiredMesh, DirectorySnapshot, ValidCluster } from '@meshd/core/descriptor';
import type { ErrorCode, MeshdConfig, MeshEndpoints } from '@meshd/core';
import { secretsConfigOf } from '@meshd/plugin-secrets';
import type { Redactor } from '../output/redact.js';
import {
  CHECKS,
  failed,
  judgeCidrs,
  judgeEndpoints,
  judgePilotFlags,
  judgeRootCert,
  ok,
  REMOTE_ENDPOINTS,
  type CheckName,
  type CheckResult,
  type RootCertPair,
} from './checks.js';
import { istiodChecks } from './istiod.js';
import { clientWithCredential, inlineCredentialOf, pilotReadFailures, publishedKubeconfig } from './published-credential.js';

/** What verifyMesh needs; it reads nothing else and writes nowhere. */
export interface VerifyInput {
  config: MeshdConfig;
  snapshot: DirectorySnapshot;
  /** Learns the published credentials before anything could print them. */
  redactor: Redactor;
  /** Connection factory (default connectCluster with a 10 s timeout). */
  connect?: (cluster: ValidCluster) => ClusterClient;
  fetchImpl?: typeof fetch;
}

const describe = (err: unknown): string => clusterFailureOf(err).message;
const codeOf = (err: unknown): ErrorCode => clusterFailureOf(err).code;

/** A check that could not be made because a request failed: failed, with the failure's own code. */
function unreachable(check: CheckName, cluster: string | undefined, what: string, err: unknown): CheckResult {
  return failed(check, cluster, `${what}: ${describe(err)}`, codeOf(err));
}

async function endpointIps(remote: ClusterClient, namespace: string, name: string): Promise<string[] | undefined> {
  try {
    const ep = await remote.core.readNamespacedEndpoints({ name, namespace });
    return (ep.subsets ?? []).flatMap((s) => (s.addresses ?? []).map((a) => a.ip));
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

async function endpointsCheck(remote: ClusterClient, config: MeshdConfig, expected: MeshEndpoints): Promise<CheckResult> {
  const ns = config.release.namespace;
  const [pilot, policy, statsd] = await Promise.all([
    endpointIps(remote, ns, REMOTE_ENDPOINTS.pilot),
    endpointIps(remote, ns, REMOTE_ENDPOINTS.policy),
    endpointIps(remote, ns, REMOTE_ENDPOINTS.statsd),
  ]);
  return judgeEndpoints(remote.name, expected, { pilot, policy, statsd });
}

async function rootOf(client: ClusterClient, namespace: string): Promise<string | undefined | null> {
  try {
    const secret = await client.core.readNamespacedSecret({ name: 'istio.default', namespace });
    const root = secret.data?.['root-cert.pem'];
    return root === undefined ? undefined : Buffer.from(root, 'base64').toString('utf8');
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

async function namespaceExists(client: ClusterClient, name: string): Promise<boolean> {
  try {
    await client.core.readNamespace({ name });
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}

async function rootCertCheck(cp: ClusterClient, remote: ClusterClient, namespaces: readonly string[]): Promise<CheckResult> {
  const fallback = await rootOf(cp, 'istio-system');
  const pairs = await Promise.all(
    namespaces.map(async (namespace): Promise<RootCertPair | undefined> => {
      if (!(await namespaceExists(remote, namespace))) return undefined;
      const pair: RootCertPair = { namespace };
      const cpRoot = (await rootOf(cp, namespace)) ?? fallback;
      const remoteRoot = await rootOf(remote, namespace);
      if (typeof cpRoot === 'string') pair.controlPlane = cpRoot;
      if (typeof remoteRoot === 'string') pair.remote = remoteRoot;
      return pair;
    }),
  );
  return judgeRootCert(
    remote.name,
    pairs.filter((p): p is RootCertPair => p !== undefined),
  );
}

async function credentialCheck(cp: ClusterClient, input: VerifyInput, remote: ValidCluster): Promise<CheckResult> {
  let published: string | { missing: string };
  try {
    published = await publishedKubeconfig(cp, input.config, remote);
  } catch (err) {
    return isNotFound(err)
      ? failed(
          'credential',
          remote.name,
          `nothing is published for ${remote.name} (registry.mode: ${input.config.registry.mode}): Pilot does not know this cluster`,
        )
      : unreachable('credential', remote.name, 'reading the registry on the control plane', err);
  }
  if (typeof published !== 'string') return failed('credential', remote.name, `${published.missing}: Pilot does not know this cluster`);
  input.redactor.addKubeconfig(published);
  const credential = inlineCredentialOf(published);
  if ('refused' in credential) return failed('credential', remote.name, `the published kubeconfig cannot be used: ${credential.refused}`);
  const failures = await pilotReadFailures(clientWithCredential(remote, credential), describe);
  const moved =
    credential.server !== undefined && credential.server.replace(/\/+$/, '') !== remote.server.replace(/\/+$/, '')
      ? ` (note: it names ${credential.server}, the directory ${remote.server})`
      : '';
  if (failures.length > 0) return failed('credential', remote.name, `the published credential cannot list what Pilot reads: ${failures.join('; ')}${moved}`);
  return ok('credential', remote.name, `the published credential lists pods, services, endpoints, namespaces and nodes${moved}`);
}

async function remoteChecks(cp: ClusterClient, input: VerifyInput, remote: ValidCluster, expected: MeshEndpoints | Error): Promise<CheckResult[]> {
  const client = (input.connect ?? defaultConnect)(remote);
  const guard = async (check: CheckName, run: () => Promise<CheckResult>): Promise<CheckResult> =>
    run().catch((err: unknown) => unreachable(check, remote.name, `cannot read ${remote.name}`, err));
  const endpoints =
    expected instanceof Error
      ? Promise.resolve(failed('endpoints', remote.name, `the live control-plane endpoints are unknown: ${describe(expected)}`, codeOf(expected)))
      : guard('endpoints', () => endpointsCheck(client, input.config, expected));
  return Promise.all([
    endpoints,
    guard('credential', () => credentialCheck(cp, input, remote)),
    guard('root-cert', () => rootCertCheck(cp, client, secretsConfigOf(input.config).namespaces)),
  ]);
}

function defaultConnect(cluster: ValidCluster): ClusterClient {
  return connectCluster({ name: cluster.name, kubeconfigText: cluster.kubeconfigText });
}

async function meshChecks(cp: ClusterClient, mesh: DesiredMesh, input: VerifyInput): Promise<CheckResult[]> {
  const connect = input.connect ?? defaultConnect;
  const flags = pilotMulticlusterFlags(cp).then(
    (f) => judgePilotFlags(cp.name, f),
    (err: unknown) => unreachable('pilot-flags', cp.name, 'reading istio-system/istio-pilot', err),
  );
  const cidrs = Promise.all(
    [mesh.controlPlane, ...mesh.remotes].map(async (c) => ({ name: c.name, facts: await gatherClusterFacts(c === mesh.controlPlane ? cp : connect(c)) })),
  ).then(
    (facts) => judgeCidrs(cp.name, facts),
    (err: unknown) => unreachable('cidrs', undefined, 'reading Nodes and ServiceCIDRs', err),
  );
  return Promise.all([flags, cidrs]);
}

/**
 * `meshd verify`: checks the live mesh end to end against what the directory and meshd.yaml say,
 * with read requests only (list/get; it never writes to any cluster). One result per check and
 * cluster, in CHECKS order; a request that fails makes its check fail with the failure's code.
 */
export async function verifyMesh(input: VerifyInput): Promise<CheckResult[]> {
  const validation = validateDirectory(input.snapshot, { registryMode: input.config.registry.mode });
  const mesh = validation.valid ? buildDesiredMesh(validation) : undefined;
  if (!mesh) {
    const errors = validation.findings.filter((f) => f.severity === 'error').length;
    return [
      failed(
        'directory',
        undefined,
        `the cluster directory ${input.config.directory} is invalid (${errors} error${errors === 1 ? '' : 's'}; run meshd validate)`,
        'MESHD_ERR_INVALID_DIRECTORY',
      ),
    ];
  }
  const results: CheckResult[] = [
    ok(
      'directory',
      undefined,
      `${input.config.directory}: control plane ${mesh.controlPlane.name}, ${mesh.remotes.length} remote${mesh.remotes.length === 1 ? '' : 's'}`,
    ),
  ];
  const cp = (input.connect ?? defaultConnect)(mesh.controlPlane);
  const expected = await discoverEndpoints(cp, input.config.endpoints).then(
    (d): MeshEndpoints => ({ pilot: d.pilot.ip, policy: d.policy.ip, statsd: d.statsd.ip }),
    (err: unknown) => (err instanceof Error ? err : new Error(String(err))),
  );
  const [mesh0, remotes, istiod] = await Promise.all([
    meshChecks(cp, mesh, input),
    Promise.all(mesh.remotes.map((r) => remoteChecks(cp, input, r, expected))),
    istiodChecks(
      input.config.istiod.debugUrl,
      mesh.remotes.map((r) => r.name),
      input.fetchImpl ?? fetch,
    ),
  ]);
  results.push(...mesh0, ...remotes.flat(), ...istiod);
  return results.sort((a, b) => CHECKS.indexOf(a.check) - CHECKS.indexOf(b.check));
}
