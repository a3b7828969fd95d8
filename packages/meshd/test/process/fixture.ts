// The setup every process test shares: 3 real clusters, a workspace (cluster directory + meshd.yaml)
// with some of them joined, and optionally a `meshd run` process — all stopped after the file.
import { startClusters, type TestEnv } from '@meshd/testenv';
import { afterAll, beforeAll } from 'vitest';
import { addCluster, workspace, type MeshWorkspace } from '../../../../test/support/mesh.js';
import { ensureBuilt, startDaemonProcess, type DaemonProcess, type DaemonProcessOptions } from '@meshd/testkit';

/** What a process test file works with; each getter throws if read before its part is set up. */
export class ProcessFixture {
  private parts: { env: TestEnv; ws: MeshWorkspace } | undefined;
  private running: DaemonProcess | undefined;

  get env(): TestEnv {
    return this.need().env;
  }

  get ws(): MeshWorkspace {
    return this.need().ws;
  }

  /** The `meshd run` process started last. */
  get daemon(): DaemonProcess {
    if (!this.running) throw new Error('no meshd run process has been started');
    return this.running;
  }

  /** Starts `meshd run` on the workspace (its directory and meshd.yaml). */
  async startDaemon(options: Omit<DaemonProcessOptions, 'dir' | 'config'> = {}): Promise<DaemonProcess> {
    this.running = await startDaemonProcess({ dir: this.ws.dir, config: this.ws.configPath, ...options });
    return this.running;
  }

  /** @internal */
  set(parts: { env: TestEnv; ws: MeshWorkspace }): void {
    this.parts = parts;
  }

  /** @internal */
  async teardown(): Promise<void> {
    await this.running?.stop();
    await this.parts?.ws.cleanup();
    await this.parts?.env.stop();
  }

  private need(): { env: TestEnv; ws: MeshWorkspace } {
    if (!this.parts) throw new Error('the process fixture is not set up yet (read it inside a test or hook)');
    return this.parts;
  }
}

/** Options of useProcessFixture. */
export interface ProcessFixtureOptions {
  /** How many clusters join the directory before anything starts, control plane first (default 2 of 3). */
  joined?: number;
  /** Runs after the clusters joined and before the daemon starts (plant files, write meshd.yaml). */
  prepare?: (fx: ProcessFixture) => Promise<void>;
  /** `meshd run` options; false starts no daemon (the test starts it). */
  daemon?: false | Omit<DaemonProcessOptions, 'dir' | 'config'>;
  /** Wait for /readyz before the tests (default true). */
  waitReady?: boolean;
  /** Every cluster behind the fault proxy (each cluster's `faults`); default false. */
  proxy?: boolean;
}

/** Registers beforeAll/afterAll hooks for a process test file and returns the fixture they fill. */
export function useProcessFixture(options: ProcessFixtureOptions = {}): ProcessFixture {
  const fx = new ProcessFixture();
  beforeAll(async () => {
    ensureBuilt();
    const env = await startClusters({ count: 3, proxy: options.proxy ?? false });
    fx.set({ env, ws: await workspace() });
    for (const cluster of env.clusters.slice(0, options.joined ?? 2)) await addCluster(fx.ws, cluster);
    await options.prepare?.(fx);
    if (options.daemon === false) return;
    const daemon = await fx.startDaemon(options.daemon ?? {});
    if (options.waitReady ?? true) await daemon.waitReady();
  }, 300_000);
  afterAll(() => fx.teardown());
  return fx;
}
