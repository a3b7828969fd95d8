import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { waitUntil } from './https.js';
import { logTail } from './logs.js';
import { cacheRoot, wrapperModuleVersion } from './paths.js';
import type { Supervisor } from './supervisor.js';

/** Ports of the out-of-cluster istiod, all on 127.0.0.1. */
export interface IstiodPorts {
  http: number;
  grpc: number;
  monitoring: number;
  ctrlz: number;
}

/** Where `bash tools/build.sh istiod` caches pilot-discovery for the pinned istio.io/istio version. */
export function istiodBinaryPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(cacheRoot(env), 'istiod', wrapperModuleVersion('istiod', 'istio.io/istio'), 'pilot-discovery');
}

/**
 * istiod's environment out of cluster (reference/real-istiod.md): no CA, no webhooks, no config
 * distribution tracking; nothing inherited from the launching process apart from PATH.
 */
export function istiodEnv(clusterId: string, home: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    POD_NAMESPACE: 'istio-system',
    POD_NAME: 'istiod-0',
    REVISION: 'default',
    CLUSTER_ID: clusterId,
    ENABLE_CA_SERVER: 'false',
    PILOT_CERT_PROVIDER: 'none',
    PILOT_ENABLE_XDS_IDENTITY_CHECK: 'false',
    INJECTION_WEBHOOK_CONFIG_NAME: '',
    VALIDATION_WEBHOOK_CONFIG_NAME: '',
    PILOT_ENABLE_CONFIG_DISTRIBUTION_TRACKING: 'false',
    ISTIOD_CUSTOM_HOST: 'localhost',
    JWT_POLICY: 'third-party-jwt',
    PILOT_REMOTE_CLUSTER_TIMEOUT: '30s',
  };
}

/** `pilot-discovery discovery` flags: every listener on 127.0.0.1, the secure ones off. */
export function istiodArgs(o: { kubeconfig: string; clusterId: string; meshConfig: string; ports: IstiodPorts }): string[] {
  const at = (port: number): string => `127.0.0.1:${port}`;
  return [
    'discovery',
    '--kubeconfig',
    o.kubeconfig,
    '--clusterID',
    o.clusterId,
    '--domain',
    'cluster.local',
    '--meshConfig',
    o.meshConfig,
    '--httpAddr',
    at(o.ports.http),
    '--httpsAddr',
    '',
    '--grpcAddr',
    at(o.ports.grpc),
    '--secureGRPCAddr',
    '',
    '--monitoringAddr',
    at(o.ports.monitoring),
    '--ctrlz_port',
    String(o.ports.ctrlz),
    '--ctrlz_address',
    '127.0.0.1',
  ];
}

/** The smallest mesh config istiod starts with. */
export const MESH_CONFIG = ['trustDomain: cluster.local', 'rootNamespace: istio-system', 'defaultConfig:', '  discoveryAddress: localhost:15012', ''].join(
  '\n',
);

/** Options of startIstiod. */
export interface StartIstiodOptions {
  supervisor: Supervisor;
  /** pilot-discovery (istiodBinaryPath()); must exist. */
  binary: string;
  /** Where mesh.yaml and istiod.log go. */
  workDir: string;
  /** The control plane's admin kubeconfig and cluster ID. */
  kubeconfig: string;
  clusterId: string;
  ports: IstiodPorts;
}

/** Fetches a URL on loopback; status and body. */
async function get(url: string): Promise<{ status: number; body: string }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
  return { status: res.status, body: await res.text() };
}

/**
 * Runs istiod (pilot-discovery) out of cluster against the control plane under `supervisor` (so it
 * dies with the clusters) and resolves with its debug URL (`http://127.0.0.1:PORT`, serving
 * /debug/clusterz, /debug/registryz, /metrics) once /debug/clusterz lists the control plane.
 */
export async function startIstiod(o: StartIstiodOptions): Promise<string> {
  if (!existsSync(o.binary)) throw new Error(`istiod is not built (${o.binary} missing): run \`bash tools/build.sh istiod\``);
  await mkdir(o.workDir, { recursive: true });
  const meshConfig = join(o.workDir, 'mesh.yaml');
  await writeFile(meshConfig, MESH_CONFIG);
  const log = join(o.workDir, 'istiod.log');
  await o.supervisor.spawn({ name: 'istiod', command: o.binary, args: istiodArgs({ ...o, meshConfig }), log, env: istiodEnv(o.clusterId, o.workDir) });
  const debugUrl = `http://127.0.0.1:${o.ports.monitoring}`;
  await waitUntil(
    'istiod /debug/clusterz',
    async () => {
      const res = await get(`${debugUrl}/debug/clusterz`);
      return res.status === 200 && res.body.includes(`"${o.clusterId}"`);
    },
    {
      timeoutMs: 120_000,
      intervalMs: 250,
      abortReason: () => (o.supervisor.children().has('istiod') ? undefined : `istiod exited; end of its log:\n${logTail(log)}`),
    },
  );
  return debugUrl;
}
