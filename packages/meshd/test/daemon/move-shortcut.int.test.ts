// `meshd run` in-process against two real clusters: a Pilot move is applied with no helm run in its
// path (the render is substituted into the proven shape), and helm's check afterwards agrees.
import { EventEmitter } from 'node:events';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { binaryPaths, startClusters, type TestEnv } from '@meshd/testenv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until as pollUntil } from '@meshd/testkit';
import { runDaemonInProcess } from './in-process.js';
import { addCluster, endpointIps, workspace, writeConfig, type MeshWorkspace } from '../../../../test/support/mesh.js';

let env: TestEnv;
let ws: MeshWorkspace;
let url = '';
let exitCode: Promise<number>;
let logs: string[] = [];
let signals = new EventEmitter();
let helmLog = '';
let slowFlag = '';

const until = <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<{ value: T; ms: number }> =>
  pollUntil(what, probe, { timeoutMs, context: () => `last logs:\n${logs.slice(-15).join('')}` });

/** `helm template` runs the wrapper logged: `start` and `end` lines in order. */
const helmEvents = async (): Promise<string[]> => (await readFile(helmLog, 'utf8')).split('\n').filter((l) => l !== '');

/**
 * A helm that logs each `helm template` run's start and end, and holds each run 20 s while the slow
 * flag file exists (so a run on a move's path would show: the move could not finish before it).
 */
async function helmWrapper(dir: string): Promise<string> {
  const wrapper = join(dir, 'helm-logging');
  helmLog = join(dir, 'helm-runs.log');
  slowFlag = join(dir, 'helm-slow');
  const script = [
    '#!/bin/bash',
    `if [ "$1" != template ]; then exec '${binaryPaths().helm}' "$@"; fi`,
    `echo start >> '${helmLog}'`,
    `if [ -e '${slowFlag}' ]; then sleep 20; fi`,
    `'${binaryPaths().helm}' "$@"`,
    'status=$?',
    `echo end >> '${helmLog}'`,
    'exit $status',
    '',
  ].join('\n');
  await writeFile(wrapper, script, { mode: 0o755 });
  await writeFile(helmLog, '');
  return wrapper;
}

beforeAll(async () => {
  env = await startClusters({ count: 2 });
  ws = await workspace();
  await writeConfig(ws);
  const config = await readFile(ws.configPath, 'utf8');
  await writeFile(ws.configPath, config.replace(/^helm: \{ binary: .*\}$/m, `helm: { binary: ${await helmWrapper(ws.root)} }`));
  await addCluster(ws, env.clusters[0]!);
  await addCluster(ws, env.clusters[1]!);
  ({ url, logs, signals, exitCode } = await runDaemonInProcess(ws, 4243, until));
}, 300_000);

afterAll(async () => {
  await rm(slowFlag, { force: true });
  signals.emit('SIGTERM');
  await exitCode;
  await ws?.cleanup();
  await env?.stop();
});

describe('a Pilot move with the render shortcut', () => {
  it('converges, then proves the chart’s shape in the background', async () => {
    await until('ready', async () => ((await fetch(`${url}/readyz`)).status === 200 ? true : undefined));
    await until('the shape proven', () => Promise.resolve(logs.some((l) => l.includes('render shortcut proven')) ? true : undefined));
    // The first pass's render, then the shape with both sentinel sets.
    expect((await helmEvents()).filter((e) => e === 'end')).toHaveLength(3);
  }, 120_000);

  it('updates the remote while every helm run it started is still held, and helm agrees afterwards', async () => {
    const before = (await helmEvents()).length;
    await writeFile(slowFlag, '');
    const newIp = await env.controlPlane.movePilot();
    await until('the remote updated', async () => ((await endpointIps(env.clusters[1]!, 'istio-pilot'))?.join() === newIp ? true : undefined), 15_000);
    // No helm run ended between the move and the remote's update.
    expect((await helmEvents()).slice(before)).not.toContain('end');
    // helm's check of the substituted render starts after the pass (CHECK_DELAY_MS), held like every run.
    await until('helm’s check started', async () => ((await helmEvents()).slice(before).includes('start') ? true : undefined), 15_000);
    expect((await helmEvents()).slice(before)).not.toContain('end');
    await rm(slowFlag);
    await until('helm’s check done', async () => ((await helmEvents()).slice(before).includes('end') ? true : undefined), 60_000);
    await until('no check pending', async () => {
      const events = await helmEvents();
      return events.filter((e) => e === 'start').length === events.filter((e) => e === 'end').length ? true : undefined;
    });
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).not.toMatch(/meshd_plugin_requeues_total\{/);
    expect(logs.join('')).not.toContain('render shortcut contradicted by helm');
    expect(await endpointIps(env.clusters[1]!, 'istio-pilot')).toEqual([newIp]);
  }, 120_000);
});
