import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** One entry of `<dir>/clusters.json` (the first is the control plane). */
export interface ClusterEntry {
  name: string;
  kubeconfig: string;
  server: string;
  /** `127.0.0.1:PORT` of the cluster's out-of-cluster Tiller (remotes, `up --tiller` only). */
  tillerHost?: string;
  /** `up --proxy` only: the Toxiproxy proxy in front of the API server (`server` and `kubeconfig` go through it). */
  proxy?: string;
  /** `up --proxy` only: Toxiproxy's HTTP API, e.g. http://127.0.0.1:8474. */
  toxiproxyApi?: string;
  /** `up --proxy` only: kube-apiserver's own address and a kubeconfig straight to it. */
  directServer?: string;
  directKubeconfig?: string;
  /** `http://127.0.0.1:PORT` of istiod's debug endpoints (the control plane's entry, `up --istiod` only). */
  istiodDebug?: string;
}

/** What `testenv up` leaves in `<dir>/testenv-state.json` so `testenv down` can stop it. */
export interface EnvState {
  supervisorPid: number;
  clusters: ClusterEntry[];
  /** Everything the environment created; removed by `down`. */
  paths: string[];
}

/** Path of the clusters list. */
export const clustersFile = (dir: string): string => join(dir, 'clusters.json');
/** Path of the state file. */
export const stateFile = (dir: string): string => join(dir, 'testenv-state.json');

/** Writes `<dir>/clusters.json`. */
export async function writeClustersFile(dir: string, clusters: ClusterEntry[]): Promise<void> {
  await writeFile(clustersFile(dir), `${JSON.stringify(clusters, null, 2)}\n`);
}

/** Writes `<dir>/testenv-state.json`. */
export async function writeState(dir: string, state: EnvState): Promise<void> {
  await writeFile(stateFile(dir), `${JSON.stringify(state, null, 2)}\n`);
}

/** Reads `<dir>/testenv-state.json`; undefined when there is none. */
export async function readState(dir: string): Promise<EnvState | undefined> {
  try {
    return JSON.parse(await readFile(stateFile(dir), 'utf8')) as EnvState;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}
