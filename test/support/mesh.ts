// Test support: a cluster directory for real test clusters, the meshd CLI run in-process, and
// read helpers. Used by the CLI-level integration tests under test/.
import { chmod, copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { connectCluster } from '@meshd/core/cluster';
import { sampleDescriptor } from '@meshd/testkit';
import type { ClusterClient } from '@meshd/core/cluster';
import { binaryPaths, startClusters } from '@meshd/testenv';
import type { ClusterHandle, TestEnv } from '@meshd/testenv';
import { readFileSync } from 'node:fs';
import { main } from 'meshd';
import { captureIo, tillerRevisions } from '@meshd/testkit';
import { afterAll, afterEach, beforeAll } from 'vitest';

/** The repository's own istio-remote chart. */
export const CHART = resolve(import.meta.dirname, '../../examples/charts/istio-remote');

/** A scratch area: the cluster directory and a meshd.yaml next to it. */
export interface MeshWorkspace {
  root: string;
  dir: string;
  configPath: string;
  cleanup(): Promise<void>;
}

/** Writes meshd.yaml (chart — unless `extra` names one — and helm from this repo and the test cache, a state directory of its own) plus any extra YAML lines. */
export async function writeConfig(ws: MeshWorkspace, extra: string[] = []): Promise<void> {
  const own = extra.some((l) => l.startsWith('stateDirectory:')) ? [] : [`stateDirectory: ${stateDirOf(ws)}`];
  const chart = extra.some((l) => l.startsWith('chart:')) ? [] : [`chart: ${CHART}`];
  const lines = [...chart, `helm: { binary: ${binaryPaths().helm} }`, ...own, ...extra];
  await writeFile(ws.configPath, `${lines.join('\n')}\n`);
}

/** The workspace's state directory (meshd's memory on the bastion). */
export function stateDirOf(ws: Pick<MeshWorkspace, 'root'>): string {
  return join(ws.root, 'state');
}

/** A new workspace with an empty cluster directory. */
export async function workspace(extraConfig: string[] = []): Promise<MeshWorkspace> {
  const root = await mkdtemp(join(tmpdir(), 'meshd-it-'));
  const ws = { root, dir: join(root, 'multicluster'), configPath: join(root, 'meshd.yaml'), cleanup: () => rm(root, { recursive: true, force: true }) };
  await import('node:fs/promises').then((fs) => fs.mkdir(ws.dir));
  await writeConfig(ws, extraConfig);
  return ws;
}

/** Drops a cluster's descriptor and kubeconfig into the directory (the operator's "join"). */
export async function addCluster(ws: MeshWorkspace, cluster: ClusterHandle, controlPlane = cluster.index === 0): Promise<void> {
  const kube = join(ws.dir, `${cluster.name}.kube.conf`);
  await copyFile(cluster.kubeconfigPath, kube);
  await chmod(kube, 0o600);
  // serverEndpoints names the real API server: it is what a minted registry kubeconfig publishes.
  await writeFile(
    join(ws.dir, `${cluster.name}.yaml`),
    sampleDescriptor({ name: cluster.name, controlPlane, pilotEndpoint: 'istio-pilot.istio-system:15007', serverAddress: new URL(cluster.server).host }),
  );
}

/** Writes every cluster of the environment into the directory. */
export async function addAll(ws: MeshWorkspace, env: TestEnv): Promise<void> {
  for (const c of env.clusters) await addCluster(ws, c);
}

/** Result of one in-process CLI run. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `meshd ARGS` in-process with captured output. */
export async function meshd(ws: MeshWorkspace, ...args: string[]): Promise<CliRun> {
  const io = captureIo(ws.root);
  const code = await main(['node', 'meshd', ...args, '--dir', ws.dir, '--config', ws.configPath], io);
  return { code, stdout: io.stdoutText, stderr: io.stderrText };
}

/** A meshd ClusterClient for a test cluster (to read what meshd wrote), straight to its API server, never through a fault proxy. */
export function clientOf(cluster: ClusterHandle): ClusterClient {
  return connectCluster({ name: cluster.name, kubeconfigText: readFileSync(cluster.directKubeconfigPath, 'utf8') });
}

/** The IPs in an Endpoints object on a cluster, or undefined when it does not exist. */
export async function endpointIps(cluster: ClusterHandle, name: string, namespace = 'istio-system'): Promise<string[] | undefined> {
  try {
    const ep = await clientOf(cluster).core.readNamespacedEndpoints({ name, namespace });
    return (ep.subsets ?? []).flatMap((s) => (s.addresses ?? []).map((a) => a.ip));
  } catch {
    return undefined;
  }
}

/** Write counting on the test clusters (one implementation, shared with bench/lib/writes.ts). */
export { MESHD_RESOURCES, settledWrites, writesOn } from '@meshd/testenv';

/** How a test file's clusters start (startClusters' options that the tests use). */
export interface ClusterSetup {
  /** Clusters to start; the first is the control plane. */
  count: number;
  /** Also run a real istiod against the control plane; the set-up throws (the tests fail, never skip) without it. */
  istiod?: boolean;
  /** Also run a real Tiller for every remote (its address is the remote's `tillerHost`); needs Helm 2 built. */
  tiller?: boolean;
}

/** A test file's clusters, started once in beforeAll and stopped in afterAll; the getters throw when read too early. */
export class TestClusters {
  private started: TestEnv | undefined;
  /** Why the set-up failed: every test that reads env (or ws) fails with it instead of being skipped. */
  protected failure: Error | undefined;

  /** The clusters (set in beforeAll). */
  get env(): TestEnv {
    if (this.failure) throw this.failure;
    if (!this.started) throw new Error('the clusters are not started yet (read env inside a test or hook)');
    return this.started;
  }

  /** The control plane. */
  cp(): ClusterHandle {
    return this.env.clusters[0]!;
  }

  /** The i-th cluster (1 is the first remote). */
  remote(i: number): ClusterHandle {
    return this.env.clusters[i]!;
  }

  /** istiod's debug (monitoring) URL, with `istiod: true`. */
  get istiodDebug(): string {
    const url = this.env.istiodDebug;
    if (url === undefined) throw new Error('testenv started no istiod (useMesh({ istiod: true }))');
    return url;
  }

  /** @internal */
  async start(setup: ClusterSetup): Promise<void> {
    this.started = await startClusters({
      count: setup.count,
      ...(setup.istiod === true ? { istiod: true } : {}),
      ...(setup.tiller === true ? { tiller: true } : {}),
    });
    if (setup.istiod === true && this.started.istiodDebug === undefined) throw new Error('testenv started no istiod');
  }

  /** @internal */
  async stop(): Promise<void> {
    await this.started?.stop();
  }
}

/**
 * A test file's clusters and a fresh workspace per test: the set-up of the ownership and
 * trust-boundary tests. useJoinedMesh registers the hooks that start the clusters, remove each
 * test's workspace after it, and stop the clusters.
 */
export class JoinedMesh extends TestClusters {
  private current: MeshWorkspace | undefined;

  /** The current test's workspace (set by workspace() or joined()). */
  get ws(): MeshWorkspace {
    if (!this.current) throw new Error('this test has no workspace yet: call workspace() or joined() first');
    return this.current;
  }

  /** A new, empty workspace for this test. */
  async workspace(extra: string[] = []): Promise<MeshWorkspace> {
    this.current = await workspace(extra);
    return this.current;
  }

  /** A new workspace with the control plane and the given remotes joined by one `meshd apply`; throws when it fails. */
  async joined(remotes: readonly number[], extra: string[] = []): Promise<void> {
    const ws = await this.workspace(extra);
    await addAll(ws, { ...this.env, clusters: [this.cp(), ...remotes.map((i) => this.remote(i))] });
    await applied(ws);
  }

  /** @internal */
  async endTest(): Promise<void> {
    await this.current?.cleanup();
    this.current = undefined;
  }
}

/** Registers the hooks of a JoinedMesh of `count` clusters for this test file and returns it. */
export function useJoinedMesh(count: number): JoinedMesh {
  const mesh = new JoinedMesh();
  beforeAll(() => mesh.start({ count }), 300_000);
  afterEach(() => mesh.endTest());
  afterAll(() => mesh.stop());
  return mesh;
}

/** Runs `meshd apply`; throws with its output when it does not exit 0. */
async function applied(ws: MeshWorkspace): Promise<void> {
  const run = await meshd(ws, 'apply');
  if (run.code !== 0) throw new Error(`meshd apply exited ${run.code}\n${run.stdout}${run.stderr}`);
}

/** A SharedMesh's set-up: its clusters, the workspace's meshd.yaml lines, and whether to apply first. */
export interface SharedMeshSetup extends ClusterSetup {
  /** Extra meshd.yaml lines of the workspace, or a function of the started clusters that returns them (a Tiller's address, say). */
  config?: string[] | ((env: TestEnv) => string[]);
  /** Converge the mesh once (`meshd apply`, which must exit 0) before the first test. */
  apply?: boolean;
}

/**
 * A test file's clusters and one workspace that holds every one of them, shared by all its tests
 * (which run in order and build on each other): the set-up of the converge, unreachable, verify,
 * istiod, auth, credentials, registry-modes, charts-2018 and Tiller tests. useMesh registers the hooks that make it and tear it down. When the set-up fails
 * (no istiod built, an apply that fails), every test fails with its error: none is skipped.
 */
export class SharedMesh extends TestClusters {
  private made: MeshWorkspace | undefined;

  /** The workspace with every cluster in its directory (set in beforeAll). */
  get ws(): MeshWorkspace {
    if (this.failure) throw this.failure;
    if (!this.made) throw new Error('the workspace is not made yet (read ws inside a test or hook)');
    return this.made;
  }

  /** @internal Never throws: a failure is kept, and each test fails with it (a failing beforeAll would only skip them). */
  async setUp(setup: SharedMeshSetup): Promise<void> {
    try {
      await this.start(setup);
      this.made = await workspace(typeof setup.config === 'function' ? setup.config(this.env) : setup.config);
      await addAll(this.made, this.env);
      if (setup.apply === true) await applied(this.made);
    } catch (err) {
      this.failure = err instanceof Error ? err : new Error(String(err));
    }
  }

  /** @internal */
  async tearDown(): Promise<void> {
    await this.made?.cleanup();
    await this.stop();
  }
}

/** Registers the hooks of a SharedMesh for this test file and returns it. */
export function useMesh(setup: SharedMeshSetup): SharedMesh {
  const mesh = new SharedMesh();
  beforeAll(() => mesh.setUp(setup), 300_000);
  afterAll(() => mesh.tearDown());
  return mesh;
}

/** `REVISION:STATUS` of every revision of istio-remote in a remote's Tiller, oldest first (what `helm history` shows); [] when there is none. */
export async function releaseRevisions(cluster: ClusterHandle): Promise<string[]> {
  const helm2 = binaryPaths().helm2;
  if (helm2 === undefined || cluster.tillerHost === undefined)
    throw new Error(`${cluster.name} has no Tiller to ask (useMesh({ tiller: true }) and a built Helm 2)`);
  return tillerRevisions({ helm2, tillerHost: cluster.tillerHost });
}
