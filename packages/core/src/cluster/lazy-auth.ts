import { ConnectionReusingKubeConfig } from './agent.js';
import { impersonationHeaders } from './impersonation.js';
import type { ConnectionSetup, RequestAuth } from './connection.js';
import { displayServer } from './display.js';
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
  const proxy = view.cluster.proxyUrl === undefined ? undefined : displayServer(view.cluster.proxyUrl);
  return {
    setup: async (purpose) => {
      let setup: ConnectionSetup;
      try {
        setup = await kc.connectionSetup(purpose);
      } catch (err) {
        throw credentialFailure(view, err);
      }
      // Impersonation is meshd's own (client-node sends `as` only, never `as-groups`): one set of headers.
      const headers = { ...setup.headers };
      delete headers['impersonate-user'];
      return { ...setup, headers: { ...headers, ...impersonationHeaders(view) }, ...(proxy ? { proxy } : {}) };
    },
  };
}
