import { stringify } from 'yaml';

/** What a minted kubeconfig holds: inline CA data, a bearer token and the published server. */
export interface ReaderKubeconfig {
  cluster: string;
  server: string;
  /** PEM text of the CA bundle (inlined as certificate-authority-data). */
  caPem: string;
  token: string;
  /** ServiceAccount name (the kubeconfig's user name). */
  user: string;
}

/**
 * Pure: the kubeconfig the registry publishes for Pilot: one cluster, one user, one context, all
 * data inline (istiod refuses file paths, exec plugins and auth providers). A credential: never log it.
 */
export function renderReaderKubeconfig(k: ReaderKubeconfig): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: k.cluster, cluster: { server: k.server, 'certificate-authority-data': Buffer.from(k.caPem, 'utf8').toString('base64') } }],
    users: [{ name: k.user, user: { token: k.token } }],
    contexts: [{ name: k.cluster, context: { cluster: k.cluster, user: k.user } }],
    'current-context': k.cluster,
  });
}
