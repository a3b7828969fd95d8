// SIMULATION (benchmarks only): what a simulated cluster holds before meshd runs. Every cluster: the
// usual namespaces, one Node with its pod CIDR, a ServiceCIDR. The control plane also: the Istio 0.8
// components (Deployments, Running and Ready Pods at pod IPs) and the istio.default secrets.
import { randomBytes } from 'node:crypto';
import { componentSpecs, ISTIO_COMPONENTS, ISTIO_NAMESPACE } from '@meshd/testenv';
import type { IstioComponent } from '@meshd/testenv';
import type { SimResource } from './resources.js';
import { findResource } from './resources.js';
import type { SimObject } from './selectors.js';
import type { ClusterStore } from './store.js';

/** The addresses one simulated cluster uses (distinct per cluster, as meshd's prerequisites want). */
export interface SimNetwork {
  podCidr: string;
  serviceCidr: string;
}

/** Pod and service CIDRs of the index-th simulated cluster (up to 4096 clusters). */
export function simNetwork(index: number): SimNetwork {
  return { podCidr: `10.${(index >> 8) & 255}.${index & 255}.0/24`, serviceCidr: `172.${16 + (index >> 8)}.${index & 255}.0/24` };
}

const type = (group: string, plural: string): SimResource => {
  const res = findResource(group, 'v1', plural);
  if (!res) throw new Error(`simulation has no ${plural}`);
  return res;
};

/** An object `kind` (`apiVersion Kind`) named `ns/name` (or `name`), with more top-level fields. */
const obj = (kind: string, id: string, rest: Record<string, unknown> = {}): SimObject => {
  const [apiVersion = 'v1', kindName = ''] = kind.split(' ');
  const [namespace, name] = id.includes('/') ? id.split('/') : [undefined, id];
  return { apiVersion, kind: kindName, metadata: { name: name ?? '', ...(namespace ? { namespace } : {}) }, ...rest };
};

/** PEM-looking text of about the size of a real certificate or key (content is random). */
function fakePem(label: string, bytes: number): string {
  const body = randomBytes(bytes)
    .toString('base64')
    .replace(/(.{64})/g, '$1\n');
  return `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`;
}

const b64 = (text: string): string => Buffer.from(text).toString('base64');

/** Namespaces, Node, ServiceCIDR and default ServiceAccounts of any cluster. */
export function seedCluster(store: ClusterStore, network: SimNetwork, namespaces: readonly string[]): void {
  for (const ns of ['default', 'kube-system', ...namespaces]) {
    store.create(type('', 'namespaces'), obj('v1 Namespace', ns));
    store.create(type('', 'serviceaccounts'), obj('v1 ServiceAccount', `${ns}/default`));
  }
  store.create(type('', 'nodes'), obj('v1 Node', 'sim-node', { spec: { podCIDR: network.podCidr, podCIDRs: [network.podCidr] } }));
  store.create(type('networking.k8s.io', 'servicecidrs'), obj('networking.k8s.io/v1 ServiceCIDR', 'kubernetes', { spec: { cidrs: [network.serviceCidr] } }));
}

function podOf(component: IstioComponent, ip: string, serial: number): SimObject {
  const spec = componentSpecs(true)[component];
  const now = new Date().toISOString();
  const conditions = ['PodScheduled', 'Initialized', 'ContainersReady', 'Ready'].map((t) => ({ type: t, status: 'True', lastTransitionTime: now }));
  return obj('v1 Pod', `${ISTIO_NAMESPACE}/${spec.deployment}-sim-${serial}`, {
    metadata: { name: `${spec.deployment}-sim-${serial}`, namespace: ISTIO_NAMESPACE, labels: { ...spec.labels } },
    spec: { nodeName: 'sim-node', serviceAccountName: spec.serviceAccount, containers: spec.containers },
    status: { phase: 'Running', podIP: ip, podIPs: [{ ip }], hostIP: '127.0.0.1', conditions },
  });
}

/** The stand-in Istio control plane of the simulated control-plane cluster; movePilot changes Pilot's IP. */
export class SimControlPlane {
  private serial = 0;
  private readonly pods = new Map<IstioComponent, SimObject>();

  constructor(
    private readonly store: ClusterStore,
    private readonly network: SimNetwork,
  ) {}

  /** Creates istio-system's Deployments and Pods and istio.default in `secretNamespaces`. */
  seed(secretNamespaces: readonly string[]): void {
    const specs = componentSpecs(true);
    for (const component of ISTIO_COMPONENTS) {
      const s = specs[component];
      const template = { metadata: { labels: s.labels }, spec: { serviceAccountName: s.serviceAccount, containers: s.containers } };
      this.store.create(
        type('apps', 'deployments'),
        obj('apps/v1 Deployment', `${ISTIO_NAMESPACE}/${s.deployment}`, { spec: { replicas: 1, selector: { matchLabels: s.labels }, template } }),
      );
      this.startPod(component);
    }
    const root = fakePem('CERTIFICATE', 800);
    this.store.create(
      type('', 'secrets'),
      obj('v1 Secret', `${ISTIO_NAMESPACE}/istio-ca-secret`, {
        type: 'istio.io/ca-root',
        data: { 'ca-cert.pem': b64(root), 'ca-key.pem': b64(fakePem('RSA PRIVATE KEY', 1200)) },
      }),
    );
    for (const ns of secretNamespaces) {
      const data = { 'cert-chain.pem': b64(fakePem('CERTIFICATE', 900)), 'key.pem': b64(fakePem('RSA PRIVATE KEY', 1200)), 'root-cert.pem': b64(root) };
      this.store.create(
        type('', 'secrets'),
        obj('v1 Secret', `${ns}/istio.default`, {
          type: 'istio.io/key-and-cert',
          metadata: { name: 'istio.default', namespace: ns, annotations: { 'istio.io/service-account.name': 'default' } },
          data,
        }),
      );
    }
  }

  /** Replaces Pilot's Pod with one at a new IP; returns the IP. */
  movePilot(): string {
    const old = this.pods.get('pilot');
    const ip = this.startPod('pilot');
    if (old) this.store.delete(type('', 'pods'), ISTIO_NAMESPACE, old.metadata.name);
    return ip;
  }

  private startPod(component: IstioComponent): string {
    const base = this.network.podCidr.split('/')[0]?.split('.').slice(0, 3).join('.') ?? '10.0.0';
    const ip = `${base}.${10 + (this.serial % 240)}`;
    const pod = this.store.create(type('', 'pods'), podOf(component, ip, this.serial++));
    this.pods.set(component, pod);
    return ip;
  }
}
