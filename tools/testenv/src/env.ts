import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, rmdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startCluster, type ClusterHandle } from './cluster.js';
import { seedControlPlane, type ControlPlaneHelpers } from './control-plane/control-plane.js';
import { newAdminToken } from './credentials.js';
import { clusterLayout, defaultClusterNames, type ClusterLayout } from './layout.js';
import { istiodBinaryPath, startIstiod } from './istiod.js';
import { binaryPaths, missingBinaries, type BinaryPaths } from './paths.js';
import { allocatePorts } from './ports.js';
import { clustersFile, stateFile, writeClustersFile, type ClusterEntry } from './state.js';
import { Supervisor } from './supervisor.js';
import type { ToxiproxyClient } from './toxiproxy/client.js';
import type { LinkFaults } from './toxiproxy/faults.js';
import { proxyCluster, startToxiproxy, toxiproxyLog } from './toxiproxy-server.js';

/** Options of `startClusters`. */
export interface StartClustersOptions {
  /** Number of clusters (1..80); the first is the control plane. */
  count: number;
  /** Where kubeconfigs, clusters.json and the data dirs go; a new temp dir when absent. */
  dir?: string;
  /** Cluster names; default `cp`, `remote-1`, `remote-2`, … */
  names?: string[];
  /** App namespaces on the control plane with an istio.default secret; default app-1, app-2. */
  appNamespaces?: string[];
  /**
   * Also start one out-of-cluster Tiller (Helm 2.17, `--storage=secret`) per remote, not on the
   * control plane; its address is the remote's `tillerHost`. Needs `bash tools/build.sh helm2`.
   */
  tiller?: boolean;
  /**
   * Put a fault proxy (Toxiproxy, one server for the environment, one proxy per cluster) in front of
   * every API server: `<name>.kube.conf` goes through it, `<name>.direct.kube.conf` does not, and each
   * cluster's `faults` adds latency, black holes, resets, bandwidth limits and flaps to its link.
   * Needs `bash tools/build.sh toxiproxy`.
   */
  proxy?: boolean;
  /**
   * Also run a real istiod (pilot-discovery built by `bash tools/build.sh istiod`) out of cluster
   * against the control plane: CA and webhooks off, every listener on 127.0.0.1. Its debug URL is
   * `istiodDebug` (and the control plane's `istiodDebug` in clusters.json). Fails when it is not built.
   */
  istiod?: boolean;
}

/** Running clusters. Whoever called startClusters owns them and must call stop(). */
export interface TestEnv {
  readonly dir: string;
  /** In order; clusters[0] is the control plane with the stand-in Istio. */
  readonly clusters: ClusterHandle[];
  readonly controlPlane: ControlPlaneHelpers;
  /** Files and directories the environment created; stop() removes them. */
  readonly paths: readonly string[];
  /** Pid of the supervisor process (the process group of every cluster process). */
  readonly supervisorPid: number;
  /** Toxiproxy's API client (environments started with `proxy: true`); `reset()` heals every link. */
  readonly toxiproxy?: ToxiproxyClient;
  /** `http://127.0.0.1:PORT` of istiod's debug endpoints (/debug/clusterz, /debug/registryz), with `istiod: true`. */
  readonly istiodDebug?: string;
  /** Kills istiod (SIGKILL); its debug URL stops answering. */
  stopIstiod(): Promise<void>;
  /** Pids of the running etcd/kube-apiserver/kube-controller-manager processes, by `<cluster>/<binary>`. */
  processes(): Map<string, number>;
  /** Kills every process and removes every file the environment created; idempotent. */
  stop(): Promise<void>;
  /** Lets the clusters outlive this process (the CLI's `up`); stop them later with `testenv down`. */
  detach(): Promise<void>;
}

function validate(options: StartClustersOptions, names: string[]): void {
  if (!Number.isInteger(options.count) || options.count < 1 || options.count > 80) throw new Error(`count must be 1..80, got ${options.count}`);
  if (names.length !== options.count) throw new Error(`${names.length} names given for ${options.count} clusters`);
  if (new Set(names).size !== names.length) throw new Error(`cluster names must be unique: ${names.join(', ')}`);
  const bad = names.find((n) => !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(n));
  if (bad !== undefined) throw new Error(`cluster name ${JSON.stringify(bad)} is not a DNS label`);
}

async function prepareDir(dir: string | undefined): Promise<{ dir: string; created: boolean }> {
  if (dir === undefined) return { dir: await mkdtemp(join(tmpdir(), 'meshd-testenv-')), created: true };
  const absolute = resolve(dir);
  const created = !existsSync(absolute);
  await mkdir(absolute, { recursive: true });
  return { dir: absolute, created };
}

/** Which optional processes an environment runs. */
interface Extras {
  tiller: boolean;
  proxy: boolean;
}

/** TCP ports each cluster needs: etcd client and peer, kube-apiserver, Tiller and the proxy when asked for. */
function portsPerCluster(extras: Extras): number {
  return 3 + (extras.tiller ? 1 : 0) + (extras.proxy ? 1 : 0);
}

/** Cluster layouts with their ports; remotes get a Tiller port when `tiller` is set, every cluster a proxy port with `proxy`. */
function layoutsOf(dir: string, names: string[], ports: number[], extras: Extras): ClusterLayout[] {
  const per = portsPerCluster(extras);
  return names.map((name, i) => {
    const [etcdClient = 0, etcdPeer = 0, apiServer = 0, ...more] = ports.slice(per * i, per * i + per);
    const proxy = extras.proxy ? more.pop() : undefined;
    const tiller = extras.tiller && i > 0 ? more.pop() : undefined;
    return clusterLayout(dir, name, i, {
      etcdClient,
      etcdPeer,
      apiServer,
      ...(tiller === undefined ? {} : { tiller }),
      ...(proxy === undefined ? {} : { proxy }),
    });
  });
}

/**
 * The clusters.json entry of a cluster: `tillerHost` when it runs a Tiller, the proxy's name and API
 * behind a fault proxy, `istiodDebug` on the control plane when istiod runs.
 */
export function clusterEntry(c: ClusterHandle, extras: { toxiproxy?: ToxiproxyClient | undefined; istiodDebug?: string | undefined } = {}): ClusterEntry {
  const entry: ClusterEntry = { name: c.name, kubeconfig: c.kubeconfigPath, server: c.server };
  if (c.tillerHost !== undefined) entry.tillerHost = c.tillerHost;
  if (c.proxyName !== undefined) {
    Object.assign(entry, { proxy: c.proxyName, directServer: c.apiServer, directKubeconfig: c.directKubeconfigPath });
    if (extras.toxiproxy) entry.toxiproxyApi = extras.toxiproxy.url;
  }
  if (extras.istiodDebug !== undefined && c.index === 0) entry.istiodDebug = extras.istiodDebug;
  return entry;
}

/** Starts istiod against the control plane when asked to; its debug URL. */
async function maybeStartIstiod(options: StartClustersOptions, supervisor: Supervisor, cp: ClusterHandle, dir: string): Promise<string | undefined> {
  if (options.istiod !== true) return undefined;
  const [http = 0, grpc = 0, monitoring = 0, ctrlz = 0] = await allocatePorts(4);
  return startIstiod({
    supervisor,
    binary: istiodBinaryPath(),
    workDir: join(dir, 'istiod'),
    kubeconfig: cp.kubeconfigPath,
    clusterId: cp.name,
    ports: { http, grpc, monitoring, ctrlz },
  });
}

/** Everything an environment creates under `dir` (what stop and the supervisor remove). */
function ownedPaths(dir: string, layouts: ClusterLayout[], removeDir: boolean): string[] {
  const kubeconfigs = layouts.flatMap((l) => [...new Set([l.kubeconfigPath, l.directKubeconfigPath])]);
  const files = [
    ...layouts.map((l) => l.dataDir),
    ...kubeconfigs,
    clustersFile(dir),
    stateFile(dir),
    join(dir, 'supervisor.log'),
    toxiproxyLog(dir),
    join(dir, 'istiod'),
  ];
  return removeDir ? [...files, dir] : files;
}

/** Starts Toxiproxy (on `apiPort`) and one proxy per cluster; the faults by cluster name. */
async function startProxies(
  supervisor: Supervisor,
  layouts: ClusterLayout[],
  where: { apiPort: number; dir: string; binary: string },
): Promise<{ client: ToxiproxyClient; faults: Map<string, LinkFaults> }> {
  const client = await startToxiproxy({ supervisor, binary: where.binary, apiPort: where.apiPort, logFile: toxiproxyLog(where.dir) });
  const faults = new Map<string, LinkFaults>();
  for (const l of layouts) faults.set(l.name, await proxyCluster(client, l.name, { listen: l.ports.proxy ?? 0, upstream: l.ports.apiServer }));
  return { client, faults };
}

/** What startClusters lays out before it starts anything. */
interface ClustersPlan {
  binaries: BinaryPaths;
  dir: string;
  /** True when the directory was made here. */
  created: boolean;
  extras: Extras;
  toxiproxyPort: number;
  layouts: ClusterLayout[];
}

/** Checks the options and binaries, prepares the directory and lays out every cluster on free ports. */
async function planClusters(options: StartClustersOptions): Promise<ClustersPlan> {
  const names = options.names ?? defaultClusterNames(options.count);
  validate(options, names);
  const binaries = requireBinaries(options);
  const { dir, created } = await prepareDir(options.dir);
  const extras: Extras = { tiller: options.tiller === true, proxy: options.proxy === true };
  const ports = await allocatePorts(portsPerCluster(extras) * names.length + 1);
  const toxiproxyPort = ports.pop() ?? 0;
  const layouts = layoutsOf(dir, names, ports, extras);
  return { binaries, dir, created, extras, toxiproxyPort, layouts };
}

/** Stops the supervised processes, then removes the paths the environment owns (its directory last). */
function stopAndRemove(supervisor: Supervisor, paths: string[], dir: string): () => Promise<void> {
  return async (): Promise<void> => {
    await supervisor.shutdown();
    await Promise.all(paths.filter((p) => p !== dir).map((p) => rm(p, { recursive: true, force: true })));
    if (paths.includes(dir)) await rmdir(dir).catch(() => undefined);
  };
}

/** Starts every cluster, each behind its proxy's faults when there are proxies. */
function startAllClusters(
  layouts: ClusterLayout[],
  supervisor: Supervisor,
  { binaries, proxies }: { binaries: BinaryPaths; proxies: Awaited<ReturnType<typeof startProxies>> | undefined },
): Promise<ClusterHandle[]> {
  return Promise.all(
    layouts.map((l) => {
      const faults = proxies?.faults.get(l.name);
      return startCluster(l, newAdminToken(), supervisor, { binaries, ...(faults ? { faults } : {}) });
    }),
  );
}

/** Seeds the control plane's objects into the first cluster (its PKI under `workDir`). */
function seedFirstCluster(first: ClusterHandle, options: StartClustersOptions, workDir: string): Promise<ControlPlaneHelpers> {
  return seedControlPlane({
    kubeConfig: first.kubeConfig(),
    podCidr: first.podCidr,
    nodeName: first.nodeName,
    workDir,
    appNamespaces: options.appNamespaces ?? ['app-1', 'app-2'],
  });
}

/** The binaries the options need, or an error naming the build command for each one missing. */
function requireBinaries(options: StartClustersOptions): BinaryPaths {
  const binaries = binaryPaths();
  const missing = missingBinaries(binaries);
  if (missing.length > 0) throw new Error(`test binaries missing (${missing.join(', ')}): run \`bash tools/build.sh all\``);
  if (options.tiller === true && binaries.tiller === undefined) throw new Error('tiller is not built: run `bash tools/build.sh helm2`');
  if (options.proxy === true && !existsSync(binaries.toxiproxy))
    throw new Error(`toxiproxy is not built (${binaries.toxiproxy}): run \`bash tools/build.sh toxiproxy\``);
  if (options.istiod === true && !existsSync(istiodBinaryPath()))
    throw new Error(`istiod is not built (${istiodBinaryPath()} missing): run \`bash tools/build.sh istiod\``);
  return binaries;
}

/**
 * Starts `count` real clusters (etcd + kube-apiserver + kube-controller-manager each) on 127.0.0.1,
 * seeds the stand-in Istio control plane on the first, writes `<dir>/<name>.kube.conf` and
 * `<dir>/clusters.json`. Resolves once all are ready. If this process dies, the clusters die too.
 */
export async function startClusters(options: StartClustersOptions): Promise<TestEnv> {
  const { binaries, dir, created, extras, toxiproxyPort, layouts } = await planClusters(options);
  const paths = ownedPaths(dir, layouts, created || options.dir === undefined);
  const supervisor = Supervisor.start(join(dir, 'supervisor.log'));
  supervisor.removeOnShutdown(paths);
  const stop = stopAndRemove(supervisor, paths, dir);
  try {
    const proxies = extras.proxy ? await startProxies(supervisor, layouts, { apiPort: toxiproxyPort, dir, binary: binaries.toxiproxy }) : undefined;
    const clusters = await startAllClusters(layouts, supervisor, { binaries, proxies });
    const [first] = clusters as [ClusterHandle, ...ClusterHandle[]];
    const controlPlane = await seedFirstCluster(first, options, join(layouts[0]?.dataDir ?? dir, 'pki'));
    const istiodDebug = await maybeStartIstiod(options, supervisor, first, dir);
    const entries: ClusterEntry[] = clusters.map((c) => clusterEntry(c, { toxiproxy: proxies?.client, istiodDebug }));
    await writeClustersFile(dir, entries);
    const stopIstiod = (): Promise<void> => supervisor.kill('istiod', 'SIGKILL');
    const env = {
      dir,
      clusters,
      controlPlane,
      paths,
      supervisorPid: supervisor.pid,
      processes: () => supervisor.children(),
      stop,
      stopIstiod,
      detach: () => supervisor.detach(),
    };
    return { ...env, ...(proxies ? { toxiproxy: proxies.client } : {}), ...(istiodDebug === undefined ? {} : { istiodDebug }) };
  } catch (err) {
    await stop();
    throw err;
  }
}
