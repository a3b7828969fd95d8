import { ConnectionReusingKubeConfig } from './agent.js';
import type { RequestAuth } from './connection.js';
import { credentialFailure } from './failure.js';
import type { KubeconfigView } from './kubeconfig-view.js';

/**
 * Request credentials from @kubernetes/client-node, for the kubeconfigs meshd's own request layer
 * does not speak (auth.ts needsClientNode: exec plugins, auth-providers, impersonation, proxies).
 * Imported with `await import()` on such a kubeconfig's first request only: loading client-node
 * evaluates hundreds of modules, which a one-shot command with plain kubeconfigs never pays.
 */
export function clientNodeAuth(view: KubeconfigView): RequestAuth {
  const kc = new ConnectionReusingKubeConfig();
  kc.loadFromString(view.text);
  return {
    setup: async (purpose) => {
      try {
        return await kc.connectionSetup(purpose);
      } catch (err) {
        throw credentialFailure(view, err);
      }
    },
  };
}
