import { AppsV1Api, CoreV1Api, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { componentSpecs, ISTIO_COMPONENTS, ISTIO_NAMESPACE, type IstioComponent } from './components.js';
import { caSecret, deploymentObject, istioKeyAndCertSecret, podObject, runningStatus, STAND_IN_LABEL } from './objects.js';
import { PodIpAllocator } from './pod-ips.js';
import { createRootCa, issueWorkloadCert, type KeyAndCert } from './pki.js';

/** Helpers tests use to change the stand-in Istio control plane on the first cluster. */
export interface ControlPlaneHelpers {
  /** `istio-system` */
  readonly namespace: string;
  /** Namespaces holding an `istio.default` secret: istio-system, default and the app namespaces. */
  readonly secretNamespaces: readonly string[];
  /** App namespaces created (labelled istio-injection=enabled). */
  readonly appNamespaces: readonly string[];
  /** PEM of the root CA that signed every istio.default (also in istio-ca-secret). */
  readonly rootCertPem: string;
  /** IP of the component's current Running and Ready Pod. */
  podIp(component: IstioComponent): Promise<string>;
  /**
   * Replaces the component's Pod with a new one at a new IP (new Pod first, then the old is deleted),
   * in a kubelet's order: the new Pod is reported Running at its IP, not Ready, then Ready (its
   * readiness probe passed; `options.readyAfterMs` later, default right after). `onReady` is called
   * once it is reported Ready, and awaited before the old one is deleted (a test may look at the mesh
   * while both pods serve).
   */
  moveComponent(component: IstioComponent, onReady?: () => void | Promise<void>, options?: MoveOptions): Promise<string>;
  /** moveComponent('pilot'): returns Pilot's new IP. */
  movePilot(onReady?: () => void | Promise<void>, options?: MoveOptions): Promise<string>;
  /** moveComponent('policy'): returns the policy Mixer's new IP. */
  movePolicy(): Promise<string>;
  /** Re-issues istio.default in `namespace` (new key and certificate); returns its new data (PEM text). */
  rotateIstioDefault(namespace: string): Promise<Record<string, string>>;
  /** Sets or clears the multicluster args of the istio-pilot Deployment's discovery container. */
  setPilotMulticluster(enabled: boolean): Promise<void>;
}

/** How a move's new Pod comes up. */
export interface MoveOptions {
  /**
   * How long the new Pod runs at its IP before it is reported Ready (a readiness probe's first
   * success; Istio 0.8's Pilot takes seconds); default 0: the two status writes back to back.
   */
  readyAfterMs?: number;
}

/** Options of the stand-in control plane. */
export interface ControlPlaneOptions {
  kubeConfig: KubeConfig;
  podCidr: string;
  nodeName: string;
  /** Directory for temporary openssl files. */
  workDir: string;
  appNamespaces: string[];
}

const randomName = (length: number): string => Array.from(randomBytes(length), (b) => 'bcdfghjklmnpqrstvwxz2456789'[b % 27]).join('');

class StandInControlPlane implements ControlPlaneHelpers {
  readonly namespace = ISTIO_NAMESPACE;
  readonly secretNamespaces: readonly string[];
  readonly appNamespaces: readonly string[];
  private readonly core: CoreV1Api;
  private readonly apps: AppsV1Api;
  private readonly ips: PodIpAllocator;
  private root: KeyAndCert = { certPem: '', keyPem: '' };

  constructor(private readonly options: ControlPlaneOptions) {
    this.core = options.kubeConfig.makeApiClient(CoreV1Api);
    this.apps = options.kubeConfig.makeApiClient(AppsV1Api);
    this.ips = new PodIpAllocator(options.podCidr);
    this.appNamespaces = [...options.appNamespaces];
    this.secretNamespaces = [ISTIO_NAMESPACE, 'default', ...options.appNamespaces];
  }

  get rootCertPem(): string {
    return this.root.certPem;
  }

  /** Creates namespaces, service accounts, Deployments, Running Pods and the secrets. */
  async seed(): Promise<void> {
    await mkdir(this.options.workDir, { recursive: true });
    const rootReady = createRootCa(this.options.workDir).then((root) => (this.root = root));
    await this.core.createNamespace({ body: { metadata: { name: ISTIO_NAMESPACE } } });
    await Promise.all(this.appNamespaces.map((name) => this.core.createNamespace({ body: { metadata: { name, labels: { 'istio-injection': 'enabled' } } } })));
    const specs = componentSpecs(true);
    const accounts = [...new Set(Object.values(specs).map((s) => s.serviceAccount))];
    await Promise.all(accounts.map((name) => this.core.createNamespacedServiceAccount({ namespace: ISTIO_NAMESPACE, body: { metadata: { name } } })));
    await Promise.all(
      ISTIO_COMPONENTS.map(async (component) => {
        await this.apps.createNamespacedDeployment({ namespace: ISTIO_NAMESPACE, body: deploymentObject(specs[component]) });
        await this.startPod(component);
      }),
    );
    await rootReady;
    await this.core.createNamespacedSecret({ namespace: ISTIO_NAMESPACE, body: caSecret(this.root) });
    await Promise.all(
      this.secretNamespaces.map(async (namespace) => {
        const workload = await issueWorkloadCert(this.options.workDir, this.root, namespace, 'default');
        await this.core.createNamespacedSecret({ namespace, body: istioKeyAndCertSecret(namespace, 'default', workload, this.root) });
      }),
    );
  }

  async podIp(component: IstioComponent): Promise<string> {
    const pods = await this.listPods(component);
    const ip = pods.find((p) => p.status?.phase === 'Running' && p.metadata?.deletionTimestamp === undefined)?.status?.podIP;
    if (!ip) throw new Error(`no Running ${component} pod in ${ISTIO_NAMESPACE}`);
    return ip;
  }

  async moveComponent(component: IstioComponent, onReady?: () => void | Promise<void>, options: MoveOptions = {}): Promise<string> {
    const old = await this.listPods(component);
    const ip = await this.startPod(component, options.readyAfterMs ?? 0);
    await onReady?.();
    await Promise.all(old.map((pod) => this.core.deleteNamespacedPod({ name: pod.metadata?.name ?? '', namespace: ISTIO_NAMESPACE, gracePeriodSeconds: 0 })));
    return ip;
  }

  movePilot(onReady?: () => void | Promise<void>, options?: MoveOptions): Promise<string> {
    return this.moveComponent('pilot', onReady, options);
  }

  movePolicy(): Promise<string> {
    return this.moveComponent('policy');
  }

  async rotateIstioDefault(namespace: string): Promise<Record<string, string>> {
    const workload = await issueWorkloadCert(this.options.workDir, this.root, namespace, 'default');
    const body = istioKeyAndCertSecret(namespace, 'default', workload, this.root);
    await this.core.replaceNamespacedSecret({ name: 'istio.default', namespace, body });
    return { ...body.stringData };
  }

  async setPilotMulticluster(enabled: boolean): Promise<void> {
    const body = deploymentObject(componentSpecs(enabled).pilot);
    await this.apps.replaceNamespacedDeployment({ name: body.metadata?.name ?? '', namespace: ISTIO_NAMESPACE, body });
  }

  private async listPods(component: IstioComponent): Promise<V1Pod[]> {
    const labels = { ...componentSpecs(true)[component].labels, [STAND_IN_LABEL]: 'true' };
    const labelSelector = Object.entries(labels)
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
    return (await this.core.listNamespacedPod({ namespace: ISTIO_NAMESPACE, labelSelector })).items;
  }

  /**
   * Creates a Pod of the component at a fresh IP and reports it Running and Ready: with
   * `readyAfterMs` (a move), first Running and not Ready, then Ready that much later; without (the
   * seed), Ready at once.
   */
  private async startPod(component: IstioComponent, readyAfterMs?: number): Promise<string> {
    const spec = componentSpecs(true)[component];
    const name = `${spec.deployment}-${randomName(9)}-${randomName(5)}`;
    const ip = this.ips.allocate();
    let pod = await this.core.createNamespacedPod({ namespace: ISTIO_NAMESPACE, body: podObject(spec, name, this.options.nodeName) });
    if (readyAfterMs !== undefined) {
      pod.status = runningStatus(spec, ip, new Date(), false);
      pod = await this.core.replaceNamespacedPodStatus({ name, namespace: ISTIO_NAMESPACE, body: pod });
      if (readyAfterMs > 0) await sleep(readyAfterMs);
    }
    pod.status = runningStatus(spec, ip, new Date());
    await this.core.replaceNamespacedPodStatus({ name, namespace: ISTIO_NAMESPACE, body: pod });
    return ip;
  }
}

/** Seeds the stand-in Istio 0.8 control plane on a cluster and returns its helpers. */
export async function seedControlPlane(options: ControlPlaneOptions): Promise<ControlPlaneHelpers> {
  const controlPlane = new StandInControlPlane(options);
  await controlPlane.seed();
  return controlPlane;
}
