import { stringify } from 'yaml';

/** What a token kubeconfig for one cluster contains. */
export interface KubeconfigInput {
  name: string;
  server: string;
  /** PEM bundle that verifies the API server's serving certificate. */
  caPem: string;
  token: string;
}

/** A kubeconfig (YAML text) with one cluster, one token user and one current context, all named `name`. */
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
    users: [{ name: user, user: { token: input.token } }],
    contexts: [{ name: input.name, context: { cluster: input.name, user } }],
    'current-context': input.name,
    preferences: {},
  });
}
