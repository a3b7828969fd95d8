// BASELINE (benchmarks only): a ClusterClient built the way @kubernetes/client-node 1.4 connects by
// default — a plain KubeConfig as the auth method, so every request gets a new https.Agent (a new
// TLS context and handshake), and no per-cluster request limit. bench/scale/agent-experiment.ts
// runs passes with it and with meshd's own connectCluster (keep-alive agents, one TLS context per
// cluster, 4 requests in flight) to show what the connection reuse saves.
import { AppsV1Api, CoreV1Api, KubeConfig, KubernetesObjectApi, ServerConfiguration, VersionApi, createConfiguration } from '@kubernetes/client-node';
import type { Configuration } from '@kubernetes/client-node';
import { connectCluster, loadKubeConfig, type ClusterClient } from '@meshd/core/cluster';

class ObjectApi extends KubernetesObjectApi {
  constructor(config: Configuration, kc: KubeConfig) {
    super(config);
    this.setDefaultNamespace(kc);
  }
}

/** A ClusterClient with client-node's default connection handling. */
export function connectStockClient(name: string, kubeconfigText: string): ClusterClient {
  const kc = new KubeConfig();
  kc.loadFromString(kubeconfigText);
  const server = kc.getCurrentCluster()?.server ?? '';
  const config = createConfiguration({ baseServer: new ServerConfiguration(server, {}), authMethods: { default: kc } });
  // client-node's generated APIs take the same parameters as meshd's (apis.ts); per-call options
  // (meshd's { signal }) are ignored by them, as the stock client would.
  const stock = {
    name,
    server,
    kubeConfig: loadKubeConfig(name, kubeconfigText),
    core: new CoreV1Api(config),
    apps: new AppsV1Api(config),
    version: new VersionApi(config),
    objects: new ObjectApi(config, kc),
  };
  // Watches are not what this baseline measures: meshd's own transport.
  return { ...stock, watches: connectCluster({ name, kubeconfigText }).watches } as unknown as ClusterClient;
}
