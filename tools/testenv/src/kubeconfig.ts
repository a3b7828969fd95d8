import { stringify } from 'yaml';

/** What a token kubeconfig for one cluster contains. */
export interface KubeconfigInput {
  name: string;
  server: string;
  /** PEM bundle that verifies the API server's serving certificate. */
  caPem: string;
  /** A bearer token user… */
  token?: string;
  /** …or a client certificate user (PEM). */
  clientCert?: { certPem: string; keyPem: string };
}

function userOf(input: KubeconfigInput): Record<string, string> {
  if (input.clientCert) {
    return {
      'client-certificate-data': Buffer.from(input.clientCert.certPem).toString('base64'),
      'client-key-data': Buffer.from(input.clientCert.keyPem).toString('base64'),
    };
  }
  return { token: input.token ?? '' };
}

/** A kubeconfig (YAML text) with one cluster, one user (token or client certificate) and one current context, all named `name`. */
export function renderKubeconfig(input: KubeconfigInput): string {
  const user = `${input.name}-admin`;
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: input.name,
        cluster: { server: input.server, 'certificate-authority-data': Buffer.from(input.caPem).toString('base64') },
      },
    ],
    users: [{ name: user, user: userOf(input) }],
    contexts: [{ name: input.name, context: { cluster: input.name, user } }],
    'current-context': input.name,
    preferences: {},
  });
}
