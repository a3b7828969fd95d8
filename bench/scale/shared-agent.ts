// EXPERIMENT (benchmarks only): a ClusterClient whose requests share one keep-alive HTTPS agent
// per cluster. @kubernetes/client-node 1.4 builds a new https.Agent for every request
// (KubeConfig.applySecurityAuthentication → createAgent), so each request pays a new TLS context
// and handshake. This factory, injected through PassOptions.connect, measures what reusing the
// connection would save; it is the fix proposed for packages/core/src/cluster/client.ts.
import { Agent } from 'node:https';
import { AppsV1Api, CoreV1Api, KubernetesObjectApi, ServerConfiguration, VersionApi, createConfiguration } from '@kubernetes/client-node';
import type { Configuration, KubeConfig, RequestContext, SecurityAuthentication } from '@kubernetes/client-node';
import { loadKubeConfig } from '@meshd/core';
import type { ClusterClient } from '@meshd/core';

class ObjectApi extends KubernetesObjectApi {
  constructor(config: Configuration, kc: KubeConfig) {
    super(config);
    this.setDefaultNamespace(kc);
  }
}

function sharedAgentAuth(kc: KubeConfig): SecurityAuthentication {
  const cluster = kc.getCurrentCluster();
  const user = kc.getCurrentUser();
  const decode = (b64: string | undefined): string | undefined => (b64 ? Buffer.from(b64, 'base64').toString('utf8') : undefined);
  const agent = new Agent({
    keepAlive: true,
    maxSockets: 8,
    // Drop idle sockets before the server does (kube-apiserver: 90 s), so none is reused as it closes.
    timeout: 60_000,
    ...(cluster?.caData ? { ca: decode(cluster.caData) } : {}),
    ...(user?.certData ? { cert: decode(user.certData) } : {}),
    ...(user?.keyData ? { key: decode(user.keyData) } : {}),
    ...(cluster?.skipTLSVerify ? { rejectUnauthorized: false } : {}),
  });
  return {
    getName: () => 'meshd-shared-agent',
    applySecurityAuthentication: async (ctx: RequestContext): Promise<void> => {
      await kc.applySecurityAuthentication(ctx); // headers (token, exec credentials) stay per request
      ctx.setAgent(agent);
    },
  };
}

/** connectCluster with one keep-alive agent per cluster (kubeconfigs with inline CA/cert data). */
export function connectWithSharedAgent(name: string, kubeconfigText: string): ClusterClient {
  const kc = loadKubeConfig(name, kubeconfigText);
  const server = kc.getCurrentCluster()?.server ?? '';
  const config = createConfiguration({ baseServer: new ServerConfiguration(server, {}), authMethods: { default: sharedAgentAuth(kc) } });
  return {
    name,
    server,
    kubeConfig: kc,
    core: new CoreV1Api(config),
    apps: new AppsV1Api(config),
    version: new VersionApi(config),
    objects: new ObjectApi(config, kc),
  };
}
