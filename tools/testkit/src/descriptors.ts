// Sample cluster directories for tests and benchmarks of every package: small, valid, line-stable.

/** What sampleDescriptor writes; every field has a default that makes a valid remote. */
export interface SampleDescriptor {
  name: string;
  controlPlane?: boolean;
  pilotEndpoint?: string;
  accessConfigFile?: string;
  serverAddress?: string;
}

/**
 * A valid descriptor whose lines never move: 1 apiVersion, 2 kind, 3 metadata, 4 name,
 * 5 annotations, 6 pilotEndpoint, 7 platform, 8 pilotCfgStore, 9 accessConfigFile, 10 spec,
 * 11 kubernetesApiEndpoints, 12 serverEndpoints, 13 clientCIDR, 14 serverAddress.
 * Annotation values start at column 36 (pilotEndpoint, pilotCfgStore), 31 (platform), 39 (accessConfigFile).
 */
export function sampleDescriptor(d: SampleDescriptor): string {
  return [
    'apiVersion: clusterregistry.k8s.io/v1alpha1',
    'kind: Cluster',
    'metadata:',
    `  name: ${d.name}`,
    '  annotations:',
    `    config.istio.io/pilotEndpoint: "${d.pilotEndpoint ?? '192.0.2.1:9080'}"`,
    '    config.istio.io/platform: Kubernetes',
    `    config.istio.io/pilotCfgStore: "${d.controlPlane === true ? 'true' : 'false'}"`,
    `    config.istio.io/accessConfigFile: ${d.accessConfigFile ?? `${d.name}.kube.conf`}`,
    'spec:',
    '  kubernetesApiEndpoints:',
    '    serverEndpoints:',
    '      - clientCIDR: 198.51.100.0/24',
    `        serverAddress: ${d.serverAddress ?? '198.51.100.10:6443'}`,
    '',
  ].join('\n');
}

/**
 * A valid kubeconfig whose lines never move: 4 cluster name, 6 server, 8 user name, 10 token,
 * 12 context name, 14 context cluster, 15 context user, 16 current-context.
 */
export function sampleKubeconfig(name: string, server = 'https://127.0.0.1:6443'): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `  - name: ${name}`,
    '    cluster:',
    `      server: ${server}`,
    'users:',
    `  - name: ${name}-admin`,
    '    user:',
    '      token: placeholder-token',
    'contexts:',
    `  - name: ${name}`,
    '    context:',
    `      cluster: ${name}`,
    `      user: ${name}-admin`,
    `current-context: ${name}`,
    '',
  ].join('\n');
}

/**
 * A valid three-cluster directory: control plane `cp` (cp.yaml) and remotes `east`, `west`, each
 * with `NAME.kube.conf`. File name → content.
 */
export function sampleDirectory(): Record<string, string> {
  const files: Record<string, string> = {};
  for (const [name, controlPlane] of [
    ['cp', true],
    ['east', false],
    ['west', false],
  ] as const) {
    files[`${name}.yaml`] = sampleDescriptor({ name, controlPlane });
    files[`${name}.kube.conf`] = sampleKubeconfig(name);
  }
  return files;
}
