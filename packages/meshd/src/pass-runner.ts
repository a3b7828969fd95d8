import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultStateDirectory, loadConfig, loadPlugins, runPass } from '@meshd/core';
import { readDirectorySnapshot } from '@meshd/core/descriptor';
import type { DirectorySnapshot } from '@meshd/core/descriptor';
import { cliFactsOf, StateStore } from '@meshd/core/state';
import type { Logger, MeshdConfig, PassReport, PluginDefinition } from '@meshd/core';
import type { ClusterFactsCache, HelmProbe } from '@meshd/core/prereq';
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
 * A helm probe that asks each client once (probeHelm), for core's prerequisite check: core asks only
 * for the clients of plugins that need helm, so a mesh of renderers that need none never runs helm.
 */
export function onceEachHelm(probe: (binary: string) => Promise<HelmProbe>): (binary: string) => Promise<HelmProbe> {
  const asked = new Map<string, Promise<HelmProbe>>();
  return (binary) => {
    let answer = asked.get(binary);
    if (answer === undefined) asked.set(binary, (answer = probe(binary)));
    return answer;
  };
}

/** Loads meshd.yaml (flags win), applying `--dir`. Throws a terminal MeshdError when invalid. */
export async function loadInvocationConfig(inv: Pick<PassInvocation, 'dir' | 'config' | 'io' | 'plugins'>): Promise<MeshdConfig> {
  const overrides = inv.dir !== undefined ? { directory: resolve(inv.io.cwd, inv.dir) } : {};
  return loadConfig(inv.config, overrides, {
    homeDir: inv.io.homeDir,
    cwd: inv.io.cwd,
    env: inv.io.env,
    defaultChart: BUNDLED_CHART,
    plugins: inv.plugins ?? BUILTIN_PLUGINS,
  });
}

/**
 * Opens the state directory (`plan` only reads it) and reads the cluster directory at once: neither
 * needs the other. A damaged state file is reported before an unreadable directory, as when they
 * were read one after the other.
 */
async function openStateAndDirectory(
  stateDirectory: string,
  directory: string,
  mode: PassInvocation['mode'],
): Promise<{ state: StateStore; snapshot: DirectorySnapshot }> {
  const [state, snapshot] = await Promise.allSettled([StateStore.open(stateDirectory, { readOnly: mode === 'plan' }), readDirectorySnapshot(directory)]);
  if (state.status === 'rejected') throw state.reason;
  if (snapshot.status === 'rejected') throw snapshot.reason;
  return { state: state.value, snapshot: snapshot.value };
}

/**
 * Runs `pass` with each cluster's facts kept across runs (the state directory's facts file, under
 * the daemon's freshness rule): `plan` only reads the file, `apply` writes it back after the pass.
 */
async function withKeptFacts(
  state: StateStore,
  inv: Pick<PassInvocation, 'mode' | 'logger'>,
  pass: (keptFacts: ClusterFactsCache | undefined) => Promise<PassReport>,
): Promise<PassReport> {
  const facts = await cliFactsOf(state, inv.logger);
  const report = await pass(facts?.cache);
  if (inv.mode === 'apply') await facts?.file.save();
  return report;
}

/** One reconcile pass from the command line: config, directory snapshot, plugins, then runPass. */
export async function runCommandPass(inv: PassInvocation): Promise<{ config: MeshdConfig; report: PassReport }> {
  const config = await loadInvocationConfig(inv);
  const signal = inv.signal ?? new AbortController().signal;
  // meshd's memory on the bastion; `plan` only reads it. A damaged state file throws (nothing changes).
  const stateDirectory = config.stateDirectory ?? defaultStateDirectory(inv.io.homeDir, inv.io.env);
  const plugins = loadPlugins(inv.plugins ?? BUILTIN_PLUGINS, { ...config, stateDirectory }, inv.logger, signal);
  const helm = onceEachHelm((binary) => probeHelm(binary, signal, stateDirectory));
  // Asked first: the default backend's helm (when it needs one) runs while the state and the directory are read.
  const early = plugins.find((p) => p.kind === 'backend' && p.name === config.backend)?.helmBinary;
  if (early !== undefined) void helm(early);
  const { state, snapshot } = await openStateAndDirectory(stateDirectory, config.directory, inv.mode);
  if (inv.redactor) addSnapshotCredentials(inv.redactor, snapshot);
  const report = await withKeptFacts(state, inv, (keptFacts) =>
    runPass({
      mode: inv.mode,
      snapshot,
      config,
      plugins,
      logger: inv.logger,
      signal,
      helm,
      state,
      keptFacts,
      ...(inv.allowRemovals !== undefined ? { allowRemovals: inv.allowRemovals } : {}),
    }),
  );
  return { config, report };
}
