import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { apiServerArgs, controllerManagerArgs, etcdArgs } from './component-args.js';
import { writeClusterCredentials } from './credentials.js';
import { apiGet, waitUntil } from './https.js';
import { renderKubeconfig } from './kubeconfig.js';
import type { ClusterLayout, ClusterPorts } from './layout.js';
import { logTail } from './logs.js';
import { sumOpenRequests, sumRequests, sumWriteRequests, type AnyRequestFilter, type RequestFilter } from './metrics.js';
import { createNode, nodeName } from './node-object.js';
import type { BinaryPaths } from './paths.js';
import type { Supervisor } from './supervisor.js';
import { acceptsConnections, tillerArgs, tillerEnv, tillerHostOf } from './tiller.js';
import type { LinkFaults } from './toxiproxy/faults.js';

const READY_TIMEOUT_MS = 90_000;

/** One running test cluster. The TestEnv that started it owns its processes and files. */
export interface ClusterHandle {
  /** `cp` for the control plane, `remote-N` for the others. */
  readonly name: string;
  readonly index: number;
  /** https://127.0.0.1:PORT: the address `kubeconfigPath` names (the fault proxy's when there is one). */
  readonly server: string;
  /** kube-apiserver's own address (the same as `server` without a fault proxy). */
  readonly apiServer: string;
  /** `<dir>/<name>.kube.conf`: token user, the API server's real serving CA; through the fault proxy when there is one. */
  readonly kubeconfigPath: string;
  /** A kubeconfig straight to kube-apiserver, bypassing the fault proxy (what tests read and write with). */
  readonly directKubeconfigPath: string;
  /** Faults on the link to this cluster's API server (environments started with `proxy: true`). */
  readonly faults?: LinkFaults;
  /** Name of the Toxiproxy proxy in front of the API server (with `faults`). */
  readonly proxyName?: string;
  /** Static admin bearer token (group system:masters). */
  readonly token: string;
  readonly ports: ClusterPorts;
  readonly serviceCidr: string;
  readonly podCidr: string;
  /** Name of the cluster's one (stand-in) Node. */
  readonly nodeName: string;
  /** A client-node KubeConfig straight to this cluster's API server, never through the proxy (fresh object each call). */
  kubeConfig(): KubeConfig;
  /** Kills kube-apiserver (etcd and data stay): the cluster becomes unreachable. */
  stopApiServer(): Promise<void>;
  /** Starts kube-apiserver again on the same port with the same data; resolves once /readyz is ok. */
  startApiServer(): Promise<void>;
  /** Sum of apiserver_request_total over write verbs since this kube-apiserver process started. */
  writeRequestCount(filter?: RequestFilter): Promise<number>;
  /** Requests of any verb (reads too: LIST, GET, WATCH) the API server counted, narrowed by `filter`. */
  requestCount(filter?: AnyRequestFilter): Promise<number>;
  /** Long-running requests open now (apiserver_longrunning_requests: watches), optionally narrowed. */
  openRequestCount(filter?: AnyRequestFilter): Promise<number>;
  /** `127.0.0.1:PORT` of this cluster's out-of-cluster Tiller (remotes of `tiller: true` environments). */
  readonly tillerHost?: string;
  /** A kubeconfig for this cluster whose user authenticates with an admin client certificate. */
  clientCertKubeconfigText(): Promise<string>;
  /** Kills Tiller with SIGKILL (its release records stay in the cluster); throws without a Tiller. */
  stopTiller(): Promise<void>;
  /** Starts Tiller again on the same port; resolves once it accepts connections. */
  startTiller(): Promise<void>;
}

const processName = (l: ClusterLayout, component: string): string => `${l.name}/${component}`;

class RunningCluster implements ClusterHandle {
  readonly name: string;
  readonly index: number;
  readonly server: string;
  readonly apiServer: string;
  readonly kubeconfigPath: string;
  readonly directKubeconfigPath: string;
  readonly faults?: LinkFaults;
  readonly proxyName?: string;
  readonly ports: ClusterPorts;
  readonly serviceCidr: string;
  readonly podCidr: string;
  readonly nodeName: string;
  readonly tillerHost?: string;
  kubeconfigText = '';

  private readonly binaries: BinaryPaths;

  constructor(
    readonly layout: ClusterLayout,
    readonly token: string,
    private readonly supervisor: Supervisor,
    tools: ClusterTools,
  ) {
    ({ name: this.name, index: this.index, kubeconfigPath: this.kubeconfigPath, directKubeconfigPath: this.directKubeconfigPath } = layout);
    this.binaries = tools.binaries;
    this.apiServer = layout.server;
    this.server = layout.proxyServer ?? layout.server;
    if (tools.faults) {
      this.faults = tools.faults;
      this.proxyName = tools.faults.proxyName;
    }
    ({ ports: this.ports, serviceCidr: this.serviceCidr, podCidr: this.podCidr } = layout);
    this.nodeName = nodeName(layout);
    const tillerHost = tillerHostOf(layout);
    if (tillerHost !== undefined) this.tillerHost = tillerHost;
  }

  kubeConfig(): KubeConfig {
    const kc = new KubeConfig();
    kc.loadFromString(this.kubeconfigText);
    return kc;
  }

  async clientCertKubeconfigText(): Promise<string> {
    const l = this.layout;
    const [caPem, certPem, keyPem] = await Promise.all([this.caPem(), readFile(l.clientCertFile, 'utf8'), readFile(l.clientKeyFile, 'utf8')]);
    return renderKubeconfig({ name: l.name, server: l.server, caPem, clientCert: { certPem, keyPem } });
  }

  async stopApiServer(): Promise<void> {
    await this.supervisor.kill(processName(this.layout, 'kube-apiserver'), 'SIGKILL');
  }

  async startApiServer(): Promise<void> {
    await this.spawn('kube-apiserver', this.binaries.kubeApiserver, apiServerArgs(this.layout));
    await this.waitReady();
    if (!this.supervisor.children().has(processName(this.layout, 'kube-controller-manager'))) {
      await this.spawn('kube-controller-manager', this.binaries.kubeControllerManager, controllerManagerArgs(this.layout));
    }
  }

  async stopTiller(): Promise<void> {
    this.tillerPort();
    await this.supervisor.kill(processName(this.layout, 'tiller'), 'SIGKILL');
  }

  async startTiller(): Promise<void> {
    const port = this.tillerPort();
    if (this.binaries.tiller === undefined) throw new Error('tiller is not built: run `bash tools/build.sh helm2`');
    const name = processName(this.layout, 'tiller');
    const log = join(this.layout.logDir, 'tiller.log');
    await this.supervisor.spawn({ name, command: this.binaries.tiller, args: tillerArgs(port), log, env: tillerEnv(this.layout) });
    await waitUntil(`${this.name}: tiller on 127.0.0.1:${port}`, () => acceptsConnections(port), {
      timeoutMs: READY_TIMEOUT_MS,
      intervalMs: 100,
      abortReason: () => this.deathOf('tiller'),
    });
  }

  private tillerPort(): number {
    const port = this.layout.ports.tiller;
    if (port === undefined) throw new Error(`${this.name} has no Tiller (start the environment with tiller: true)`);
    return port;
  }

  async writeRequestCount(filter?: RequestFilter): Promise<number> {
    return sumWriteRequests(await this.metricsText(), filter);
  }

  async requestCount(filter?: AnyRequestFilter): Promise<number> {
    return sumRequests(await this.metricsText(), filter);
  }

  async openRequestCount(filter?: AnyRequestFilter): Promise<number> {
    return sumOpenRequests(await this.metricsText(), filter);
  }

  private async metricsText(): Promise<string> {
    const res = await apiGet({ server: this.apiServer, token: this.token, caPem: await this.caPem() }, '/metrics');
    if (res.status !== 200) throw new Error(`GET ${this.apiServer}/metrics: HTTP ${res.status}`);
    return res.body;
  }

  /** Runs etcd, kube-apiserver, kube-controller-manager (and Tiller when it has a port), writes the kubeconfigs, creates the Node. */
  async start(): Promise<void> {
    const l = this.layout;
    await Promise.all([mkdir(l.certDir, { recursive: true }), mkdir(l.logDir, { recursive: true })]);
    await writeClusterCredentials(l, this.token);
    await this.spawn('etcd', this.binaries.etcd, etcdArgs(l));
    await this.spawn('kube-apiserver', this.binaries.kubeApiserver, apiServerArgs(l));
    await this.waitReady();
    const caPem = await this.caPem();
    this.kubeconfigText = renderKubeconfig({ name: l.name, server: l.server, caPem, token: this.token });
    await writeFile(l.directKubeconfigPath, this.kubeconfigText, { mode: 0o600 });
    if (l.proxyServer !== undefined) {
      // The serving certificate holds IP 127.0.0.1, so TLS through the proxy (another port) verifies.
      await writeFile(l.kubeconfigPath, renderKubeconfig({ name: l.name, server: l.proxyServer, caPem, token: this.token }), { mode: 0o600 });
    }
    await writeFile(l.controllerManagerKubeconfig, this.kubeconfigText, { mode: 0o600 });
    await this.spawn('kube-controller-manager', this.binaries.kubeControllerManager, controllerManagerArgs(l));
    const core = this.kubeConfig().makeApiClient(CoreV1Api);
    await createNode(core, l);
    // The service-account controller creating `default` shows kube-controller-manager is working.
    await waitUntil(
      `${l.name}: kube-controller-manager (ServiceAccount default/default)`,
      async () => {
        await core.readNamespacedServiceAccount({ name: 'default', namespace: 'default' });
        return true;
      },
      { timeoutMs: READY_TIMEOUT_MS, abortReason: () => this.deathOf('kube-controller-manager') },
    );
    if (this.tillerHost !== undefined) await this.startTiller();
  }

  private caPem(): Promise<string> {
    return readFile(this.layout.servingCertFile, 'utf8');
  }

  private async spawn(component: string, command: string, args: string[]): Promise<void> {
    const log = join(this.layout.logDir, `${component}.log`);
    await this.supervisor.spawn({ name: processName(this.layout, component), command, args, log });
  }

  private deathOf(...components: string[]): string | undefined {
    const running = this.supervisor.children();
    const dead = components.find((c) => !running.has(processName(this.layout, c)));
    return dead && `${dead} exited; end of its log:\n${logTail(join(this.layout.logDir, `${dead}.log`))}`;
  }

  private async waitReady(): Promise<void> {
    const endpoint = { server: this.apiServer, token: this.token };
    await waitUntil(`${this.name}: kube-apiserver /readyz`, async () => (await apiGet(endpoint, '/readyz', 2000)).status === 200, {
      timeoutMs: READY_TIMEOUT_MS,
      intervalMs: 250,
      abortReason: () => this.deathOf('etcd', 'kube-apiserver'),
    });
  }
}

/** What a cluster runs with: the cached binaries and, in proxied environments, its link's faults. */
export interface ClusterTools {
  binaries: BinaryPaths;
  faults?: LinkFaults;
}

/** Starts one cluster under `supervisor`; rejects (with the failing component's log) if it cannot. */
export async function startCluster(layout: ClusterLayout, token: string, supervisor: Supervisor, tools: ClusterTools): Promise<ClusterHandle> {
  const cluster = new RunningCluster(layout, token, supervisor, tools);
  await cluster.start();
  return cluster;
}
