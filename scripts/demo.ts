// `npm run demo`: three real local clusters (a control plane with a stand-in Istio 0.8 and two
// remotes), a cluster directory for them, and `meshd run` in the foreground with readable logs.
// Ctrl-C stops meshd, then the clusters; nothing is left running.
import { spawn } from 'node:child_process';
import { copyFile, chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { sampleDescriptor } from '@meshd/testkit';
import { binaryPaths, isPortFree, startClusters } from '@meshd/testenv';

const root = resolve(import.meta.dirname, '..');
const home = join(root, '.meshd-demo');
const dir = join(home, 'multicluster');
const spare = join(home, 'spare');

async function freePort(from: number): Promise<number> {
  for (let port = from; port < from + 100; port++) if (await isPortFree(port)) return port;
  throw new Error(`no free port from ${from}`);
}

await rm(home, { recursive: true, force: true });
await mkdir(dir, { recursive: true });
await mkdir(spare, { recursive: true });
console.log('demo: starting 3 local clusters (control plane cp, remotes remote-1 and remote-2)…');
const env = await startClusters({ count: 3, dir: join(home, 'clusters') });
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
await writeFile(config, [`directory: ${dir}`, `listen: 127.0.0.1:${port}`, `helm: { binary: ${binaryPaths().helm} }`, 'secrets: { namespaces: [default, app-1, app-2] }', 'resync: 2m', `stateDirectory: ${join(home, 'state')}`, ''].join('\n'));

const rel = (p: string): string => relative(process.cwd(), p) || '.';
console.log(`
demo: the mesh directory is ${rel(dir)} (a copy of every file is in ${rel(spare)})
  health:   curl -s http://127.0.0.1:${port}/status | head -c 600; curl -s http://127.0.0.1:${port}/metrics | grep meshd_
  status:   npx meshd status --url http://127.0.0.1:${port}
  remove:   rm ${rel(join(dir, 'remote-2.yaml'))}            (meshd uninstalls istio-remote there)
  add:      cp ${rel(join(spare, 'remote-2.yaml'))} ${rel(dir)}/   (meshd joins it again)
  move:     kubectl --kubeconfig ${rel(join(dir, 'cp.kube.conf'))} -n istio-system delete pod -l istio=pilot
            (the stand-in has no kubelet: the new Pilot pod is made by the test environment's helpers)
  stop:     Ctrl-C
`);

const meshd = spawn(process.execPath, [join(root, 'packages/meshd/bin/meshd.js'), 'run', '--config', config], { stdio: 'inherit' });
let stopping = false;
// Ctrl-C reaches meshd by itself (same terminal process group), and a second signal would make it
// exit at once: forward SIGINT only if meshd has not started stopping within a moment (a SIGINT
// sent to this process alone). SIGTERM is always forwarded.
const stop = (signal: NodeJS.Signals, delayMs: number): void => {
  if (stopping) return;
  stopping = true;
  setTimeout(() => meshd.exitCode === null && meshd.signalCode === null && meshd.kill(signal), delayMs).unref();
};
process.on('SIGINT', () => stop('SIGINT', 1500));
process.on('SIGTERM', () => stop('SIGTERM', 0));
const code = await new Promise<number>((done) => meshd.on('exit', (c) => done(c ?? 0)));
console.log(`demo: meshd exited (${code}); stopping the clusters…`);
await env.stop();
await rm(home, { recursive: true, force: true });
process.exitCode = code;
