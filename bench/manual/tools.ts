// The three ways a mesh gets converged in bench:manual: meshd as a CLI process, meshd in-process
// (no node startup, warm modules: what the daemon pays per pass), and the guide's procedure as a
// bash script with the real kubectl and helm.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { captureIo } from '@meshd/testkit';
import { MESHD_VERSION } from 'meshd';
import { MESHD_BIN, runTimed } from '../lib/proc.js';
import { CHART, REPO } from '../lib/workspace.js';
import type { Workspace } from '../lib/workspace.js';

/** Which tool a figure belongs to. */
export type ToolName = 'meshd' | 'meshd-inprocess' | 'manual';

/** One converge run: wall seconds and whether the tool said it succeeded. */
export interface ToolRun {
  wallSeconds: number;
  ok: boolean;
  output: string;
}

/** What the tools need to know about the mesh. */
export interface MeshSetup {
  ws: Workspace;
  controlPlane: string;
  remotes: readonly string[];
  kubectl: string;
  helm: string;
  /** Namespaces whose istio.default both tools copy (empty when meshd has no secrets plugin). */
  secretNamespaces: readonly string[];
  /** How the one-shot CLI runs: `[command, ...args]` before meshd's own arguments (`--cli`). */
  meshdCli: readonly [string, ...string[]];
}

type CliMain = (argv: string[], io: unknown) => Promise<number>;

async function importDist<T>(path: string, name: string): Promise<T> {
  const mod = (await import(pathToFileURL(join(REPO, 'packages/meshd/dist', path)).href)) as Record<string, unknown>;
  return mod[name] as T;
}

async function meshdCli(setup: MeshSetup): Promise<ToolRun> {
  const [command, ...prefix] = setup.meshdCli;
  const run = await runTimed(command, [...prefix, 'apply', '--dir', setup.ws.dir, '--config', setup.ws.configPath]);
  return { wallSeconds: run.wallSeconds, ok: run.code === 0, output: run.stdout + run.stderr };
}

async function meshdInProcess(setup: MeshSetup): Promise<ToolRun> {
  const main = await importDist<CliMain>('cli/main.js', 'main');
  const io = captureIo(setup.ws.root);
  const started = performance.now();
  const code = await main(['node', 'meshd', 'apply', '--dir', setup.ws.dir, '--config', setup.ws.configPath], io);
  return { wallSeconds: (performance.now() - started) / 1000, ok: code === 0, output: io.stdoutText + io.stderrText };
}

async function manual(setup: MeshSetup): Promise<ToolRun> {
  const env = {
    ...process.env,
    KUBECTL: setup.kubectl,
    HELM: setup.helm,
    MC_DIR: setup.ws.dir,
    CP: setup.controlPlane,
    REMOTES: setup.remotes.join(' '),
    CHART,
    SECRET_NAMESPACES: setup.secretNamespaces.join(' '),
  };
  const run = await runTimed('bash', [join(REPO, 'bench/manual/guide.sh')], env);
  return { wallSeconds: run.wallSeconds, ok: run.code === 0, output: run.stdout + run.stderr };
}

/** `path` when it exists; else a clear error saying how to build it (the bundle and the SEA come from `npm run dist`). */
function built(path: string, kind: string): string {
  if (!existsSync(path))
    throw new Error(`--cli ${kind} runs ${path}, which is not built: run \`npm run dist\` first (it builds the bundle, the tarball and the .deb)`);
  return path;
}

/**
 * The one-shot CLI `--cli` names: `unbundled` (default, the compiled workspace, packages/meshd/bin/meshd.js),
 * `bundle` (the tarball's bin/meshd under this node) or `sea` (the .deb's single executable), the
 * last two from `npm run dist`.
 */
export function meshdCliOf(kind: string | undefined): readonly [string, ...string[]] {
  const stage = join(REPO, 'dist/stage');
  if (kind === undefined || kind === 'unbundled') return [process.execPath, MESHD_BIN];
  if (kind === 'bundle') return [process.execPath, built(join(stage, `meshd-${MESHD_VERSION}/bin/meshd`), kind)];
  if (kind === 'sea') return [built(join(stage, `meshd_${MESHD_VERSION}_amd64/usr/bin/meshd`), kind)];
  throw new Error(`--cli must be unbundled, bundle or sea, got ${kind}`);
}

/** Runs one tool once against the mesh. */
export function runTool(tool: ToolName, setup: MeshSetup): Promise<ToolRun> {
  if (tool === 'meshd') return meshdCli(setup);
  if (tool === 'meshd-inprocess') return meshdInProcess(setup);
  return manual(setup);
}

/** True when the built meshd registers the secrets addon (then both tools copy istio.default). */
export async function meshdHasSecretsPlugin(): Promise<boolean> {
  const plugins = await importDist<readonly { name: string }[]>('plugins.js', 'BUILTIN_PLUGINS');
  return plugins.some((p) => p.name === 'secrets');
}
