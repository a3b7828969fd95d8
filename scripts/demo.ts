// `npm run demo`: three real local clusters (a control plane with a stand-in Istio 0.8 and two
// remotes), a cluster directory for them, and `meshd run` with its status page. Actions show every
// behaviour on the page within a second: a key in this terminal, or from another terminal
// `npm run demo -- pilot-move|rotate|drift|partition [NAME]`.
// Ctrl-C (SIGINT, SIGTERM, SIGHUP, or the output's reader going away: `| head`, `| tee`) stops meshd,
// then the clusters, and removes .meshd-demo; nothing is left running.
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFile, chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { sampleDescriptor } from '@meshd/testkit';
import { binaryPaths, isPortFree, startClusters, type TestEnv } from '@meshd/testenv';
import { DEMO_ACTIONS, isDemoAction, PARTITION_MS, runDemoAction, type DemoAction } from './demo/actions.js';
import { requestAction, startControl } from './demo/control.js';
import { DemoOutput } from './demo/output.js';
import { readableLogLine } from './demo/log-line.js';

const root = resolve(import.meta.dirname, '..');
const home = join(root, '.meshd-demo');
const dir = join(home, 'multicluster');
const spare = join(home, 'spare');
const controlFile = join(home, 'control.json');

/** Keys of the interactive demo. */
const KEYS: Record<string, [DemoAction, string | undefined]> = {
  p: ['pilot-move', undefined],
  r: ['rotate', undefined],
  d: ['drift', 'remote-1'],
  u: ['partition', 'remote-2'],
};

async function freePort(from: number): Promise<number> {
  for (let port = from; port < from + 100; port++) if (await isPortFree(port)) return port;
  throw new Error(`no free port from ${from}`);
}

/** `npm run demo -- ACTION [NAME]`: asks the running demo to act. */
async function actionCommand(action: string, name: string | undefined): Promise<number> {
  if (!isDemoAction(action)) {
    console.error(`usage: npm run demo [-- ${DEMO_ACTIONS.join('|')} [NAME]]`);
    return 2;
  }
  try {
    console.log(`demo: ${action}${name ? ` ${name}` : ''}: ${await requestAction(controlFile, action, name)}`);
    return 0;
  } catch (err) {
    console.error(`demo: ${action}: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
}

/**
 * Makes the control plane's application namespaces (app-1, app-2) on every remote too: the apps run
 * there, and meshd copies istio.default into each (a namespace missing on a remote is only reported).
 */
async function makeAppNamespaces(env: TestEnv): Promise<void> {
  const { CoreV1Api } = await import('@kubernetes/client-node');
  const apps = env.controlPlane.secretNamespaces.filter((ns) => ns !== 'istio-system' && ns !== 'default');
  const remotes = env.clusters.filter((c) => c.index !== 0);
  await Promise.all(
    remotes.flatMap((cluster) => {
      const core = cluster.kubeConfig().makeApiClient(CoreV1Api);
      return apps.map((name) => core.createNamespace({ body: { metadata: { name } } }));
    }),
  );
}

async function writeDirectory(env: TestEnv): Promise<string> {
  for (const cluster of env.clusters) {
    const descriptor = sampleDescriptor({ name: cluster.name, controlPlane: cluster.index === 0, pilotEndpoint: 'istio-pilot.istio-system:15007' });
    for (const target of [dir, spare]) {
      await writeFile(join(target, `${cluster.name}.yaml`), descriptor);
      await copyFile(cluster.kubeconfigPath, join(target, `${cluster.name}.kube.conf`));
      await chmod(join(target, `${cluster.name}.kube.conf`), 0o600);
    }
  }
  const port = await freePort(9580);
  const config = join(home, 'meshd.yaml');
  await writeFile(
    config,
    [
      `directory: ${dir}`,
      `listen: 127.0.0.1:${port}`,
      `helm: { binary: ${binaryPaths().helm} }`,
      'secrets: { namespaces: [default, app-1, app-2] }',
      'resync: 2m',
      `stateDirectory: ${join(home, 'state')}`,
      '',
    ].join('\n'),
  );
  return `http://127.0.0.1:${port}`;
}

function help(url: string, interactive: boolean): string {
  const rel = (p: string): string => relative(process.cwd(), p) || '.';
  const keys = interactive ? '\n  keys:     p pilot-move   r rotate   d drift remote-1   u partition remote-2   q quit' : '';
  return `
demo: the status page is ${url}/  (open it in a browser: it updates live)
  health:   curl -s ${url}/status | head -c 600; curl -s ${url}/metrics | grep meshd_
  status:   npx meshd status --url ${url}
  verify:   npx meshd verify --config ${rel(join(home, 'meshd.yaml'))}
  actions:  npm run demo -- pilot-move          (Pilot moves to a new pod IP)
            npm run demo -- rotate              (istio.default is re-issued on the control plane)
            npm run demo -- drift remote-1      (someone edits remote-1's istio-pilot Endpoints)
            npm run demo -- partition remote-2  (remote-2's API server goes away for ${PARTITION_MS / 1000} s)${keys}
  remove:   rm ${rel(join(dir, 'remote-2.yaml'))}            (meshd uninstalls istio-remote there)
  add:      cp ${rel(join(spare, 'remote-2.yaml'))} ${rel(dir)}/   (meshd joins it again)
  stop:     Ctrl-C
`;
}

/**
 * How long meshd may take to stop by itself before the demo sends it a signal. meshd shares the
 * demo's process group, so Ctrl-C or `kill -INT -PGID` reach it directly, and a second signal makes
 * it exit 1 at once: SIGINT is forwarded only after meshd's own shutdown grace (20 s; a loaded
 * machine can take more than a second or two to finish the reconcile in flight).
 */
const MESHD_OWN_GRACE_MS = 25_000;
/**
 * The wait before forwarding any other stop: a signal the whole group got (tee dying of it breaks
 * our stdout first) reaches meshd too, and meshd says so; then only the grace above applies.
 */
const GROUP_SIGNAL_WAIT_MS = 2_000;
/** meshd's line when a signal starts its shutdown. */
const MESHD_SHUTTING_DOWN = 'shutting down: letting the reconcile in flight finish';

/** Stops the demo on SIGINT (meshd gets its own shutdown grace first), SIGTERM, SIGHUP and SIGPIPE. */
function stopOnSignals(stop: (reason: string, signal: NodeJS.Signals, delayMs: number) => void): void {
  process.on('SIGINT', () => stop('SIGINT', 'SIGINT', MESHD_OWN_GRACE_MS));
  process.on('SIGTERM', () => stop('SIGTERM', 'SIGTERM', GROUP_SIGNAL_WAIT_MS));
  process.on('SIGHUP', () => stop('SIGHUP', 'SIGTERM', GROUP_SIGNAL_WAIT_MS));
  process.on('SIGPIPE', () => stop('SIGPIPE', 'SIGTERM', GROUP_SIGNAL_WAIT_MS));
}

/** Sends meshd `signal` after `delayMs`, unless it has exited; if meshd began stopping by itself, only after its own grace. */
function forwardStop(child: ChildProcess, signal: NodeJS.Signals, delayMs: number, meshdStopping: () => boolean): void {
  const running = (): boolean => child.exitCode === null && child.signalCode === null;
  setTimeout(() => {
    if (!running()) return;
    if (!meshdStopping() || delayMs >= MESHD_OWN_GRACE_MS) return void child.kill(signal);
    setTimeout(() => running() && child.kill(signal), MESHD_OWN_GRACE_MS - delayMs).unref();
  }, delayMs).unref();
}

/** Removes what an earlier demo left and makes the multicluster and spare directories. */
async function freshDemoHome(): Promise<void> {
  await rm(home, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await mkdir(spare, { recursive: true });
}

/** The demo itself; resolves with the exit code once everything is stopped and removed. */
async function demo(): Promise<number> {
  let env: TestEnv | undefined;
  let meshd: ChildProcess | undefined;
  let stopping = false;
  let meshdStopping = false;
  const out = new DemoOutput((why) => stop(`the output is gone (${why})`, 'SIGTERM', GROUP_SIGNAL_WAIT_MS));
  const stop = (reason: string, signal: NodeJS.Signals, delayMs: number): void => {
    if (stopping) return;
    stopping = true;
    out.note(`demo: stopping (${reason})…`);
    if (meshd) forwardStop(meshd, signal, delayMs, () => meshdStopping);
  };
  // A stop that came while meshd was being started: it has no signal of its own to act on.
  const startedMeshd = (child: ChildProcess): void => {
    meshd = child;
    if (stopping) child.kill('SIGTERM');
  };
  stopOnSignals(stop);

  await freshDemoHome();
  out.line('demo: starting 3 local clusters (control plane cp, remotes remote-1 and remote-2)…');
  let code = 0;
  try {
    env = await startClusters({ count: 3, dir: join(home, 'clusters') });
    const control = { isStopping: () => stopping, stop, meshdLine: (line: string) => (meshdStopping ||= line.includes(MESHD_SHUTTING_DOWN)) };
    if (!stopping) code = await runMeshd(env, out, (child) => startedMeshd(child), control);
  } finally {
    out.note('demo: stopping the clusters…');
    await env?.stop();
    await rm(home, { recursive: true, force: true });
    out.note('demo: done: nothing is left running');
  }
  return code;
}

/** What runMeshd needs of the demo's stop logic. */
interface StopControl {
  isStopping(): boolean;
  stop(reason: string, signal: NodeJS.Signals, delayMs: number): void;
  /** Every line meshd prints, before it is shown. */
  meshdLine(line: string): void;
}

async function runMeshd(env: TestEnv, out: DemoOutput, started: (child: ChildProcess) => void, control: StopControl): Promise<number> {
  await makeAppNamespaces(env);
  const url = await writeDirectory(env);
  const act = (action: DemoAction, name: string | undefined): Promise<string> => runDemoAction(env, action, name, (text) => out.line(`demo: ${text}`));
  const server = await startControl(controlFile, act);
  // meshd's output comes through this process, so a broken pipe never reaches meshd itself.
  const child = spawn(process.execPath, [join(root, 'packages/meshd/bin/meshd.js'), 'run', '--config', join(home, 'meshd.yaml')], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started(child);
  for (const stream of [child.stdout, child.stderr]) {
    let partial = '';
    stream?.on('data', (chunk: Buffer) => {
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        control.meshdLine(line);
        out.line(readableLogLine(line));
      }
    });
  }
  const interactive = process.stdin.isTTY;
  out.line(help(url, interactive));
  const restoreKeys = interactive ? listenForKeys(out, act, control) : () => undefined;
  const code = await new Promise<number>((done) => child.on('exit', (c, signal) => done(c ?? (signal ? 1 : 0))));
  restoreKeys();
  server.close();
  out.note(`demo: meshd exited (${code})`);
  return code;
}

/** Raw-mode keys: an action per key, q or Ctrl-C to stop (raw mode turns Ctrl-C into a key, not a signal). */
function listenForKeys(out: DemoOutput, act: (action: DemoAction, name: string | undefined) => Promise<string>, control: StopControl): () => void {
  process.stdin.setRawMode(true);
  process.stdin.resume();
  const onKey = (data: Buffer): void => {
    const key = data.toString('utf8');
    if (key === '\u0003' || key === 'q') return control.stop(key === 'q' ? 'q' : 'Ctrl-C', 'SIGTERM', 0);
    const chosen = KEYS[key];
    if (chosen === undefined || control.isStopping()) return;
    act(...chosen).catch((err: unknown) => out.line(`demo: ${chosen[0]} failed: ${err instanceof Error ? err.message : String(err)}`));
  };
  process.stdin.on('data', onKey);
  return () => {
    process.stdin.off('data', onKey);
    process.stdin.setRawMode(false);
    process.stdin.pause();
  };
}

const [action, name] = process.argv.slice(2);
process.exitCode = action === undefined ? await demo() : await actionCommand(action, name);
