import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { backendNames, defaultStateDirectory, loadConfig, loadPlugins, runPass } from '@meshd/core';
import { readDirectorySnapshot } from '@meshd/core/descriptor';
import { StateStore } from '@meshd/core/state';
import type { Logger, MeshdConfig, PassReport, PluginDefinition } from '@meshd/core';
import type { HelmProbe } from '@meshd/core/prereq';
import { detectHelmStored, helmStoreIn } from '@meshd/helm';
import type { CliIo } from './io.js';
import { addSnapshotCredentials, type Redactor } from './output/redact.js';
import { BUILTIN_PLUGINS } from './plugins.js';

/** The istio-remote chart meshd ships (examples/charts/istio-remote), used when config names none. */
export const BUNDLED_CHART = fileURLToPath(new URL('../../../examples/charts/istio-remote', import.meta.url));

/** What `meshd plan` and `meshd apply` share: where the directory and config are. */
export interface PassInvocation {
  mode: 'plan' | 'apply';
  dir?: string;
  config?: string;
  logger: Logger;
  io: CliIo;
  signal?: AbortSignal;
  /** `meshd apply --allow-removals N`. */
  allowRemovals?: number;
  /** Learns the credentials of the directory's kubeconfigs before the pass can print or log them. */
  redactor?: Redactor;
  /** The plugins to run; default BUILTIN_PLUGINS (plugins.ts). `backend:` may name any backend or renderer among them. */
  plugins?: readonly PluginDefinition<unknown>[];
}

/**
 * Asks the helm binary for its version, for the ≥ 2.7.2 prerequisite; with a state directory, an
 * unchanged binary's earlier answer is reused (@meshd/helm's HelmStore). Never throws.
 */
export async function probeHelm(binary: string, signal?: AbortSignal, stateDirectory?: string): Promise<HelmProbe> {
  try {
    return { output: (await detectHelmStored(helmStoreIn(stateDirectory), binary, signal)).version };
  } catch (err) {
    return { failure: err instanceof Error ? err.message : String(err) };
  }
}

/**
 * The helm client the prerequisite check judges: the default backend's (Helm 2 for tiller). A mesh
 * that mixes backends is judged by its default's client.
 */
export function helmBinaryOf(config: MeshdConfig): string {
  return config.backend === 'tiller' ? config.tiller.helmBinary : config.helm.binary;
}

/** Loads meshd.yaml (flags win), applying `--dir`. Throws a terminal MeshdError when invalid. */
export async function loadInvocationConfig(inv: Pick<PassInvocation, 'dir' | 'config' | 'io' | 'plugins'>): Promise<MeshdConfig> {
  const overrides = inv.dir !== undefined ? { directory: resolve(inv.io.cwd, inv.dir) } : {};
  const backends = backendNames(inv.plugins ?? BUILTIN_PLUGINS);
  return loadConfig(inv.config, overrides, {
    homeDir: inv.io.homeDir,
    cwd: inv.io.cwd,
    env: inv.io.env,
    defaultChart: BUNDLED_CHART,
    ...(backends ? { backends } : {}),
  });
}

/** One reconcile pass from the command line: config, directory snapshot, plugins, then runPass. */
export async function runCommandPass(inv: PassInvocation): Promise<{ config: MeshdConfig; report: PassReport }> {
  const config = await loadInvocationConfig(inv);
  const signal = inv.signal ?? new AbortController().signal;
  // meshd's memory on the bastion; `plan` only reads it. A damaged state file throws (nothing changes).
  const stateDirectory = config.stateDirectory ?? defaultStateDirectory(inv.io.homeDir, inv.io.env);
  // Asked first: helm runs (when it must) while the state and the directory are read.
  const helmProbe = probeHelm(helmBinaryOf(config), signal, stateDirectory);
  const state = await StateStore.open(stateDirectory, { readOnly: inv.mode === 'plan' });
  const snapshot = await readDirectorySnapshot(config.directory);
  if (inv.redactor) addSnapshotCredentials(inv.redactor, snapshot);
  const plugins = loadPlugins(inv.plugins ?? BUILTIN_PLUGINS, { ...config, stateDirectory }, inv.logger, signal);
  const helm = await helmProbe;
  const report = await runPass({
    mode: inv.mode,
    snapshot,
    config,
    plugins,
    logger: inv.logger,
    signal,
    helm,
    state,
    ...(inv.allowRemovals !== undefined ? { allowRemovals: inv.allowRemovals } : {}),
  });
  return { config, report };
}
