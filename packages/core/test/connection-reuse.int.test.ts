// Requests to one cluster reuse keep-alive connections (client-node alone opens one TCP + TLS
// connection per request), against a real kube-apiserver from @meshd/testenv.
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { Agent } from 'node:https';
import { fileURLToPath } from 'node:url';
import { startClusters, type TestEnv } from '@meshd/testenv';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { connectCluster } from '@meshd/core';

let env: TestEnv;
let kubeconfigText: string;

beforeAll(async () => {
  env = await startClusters({ count: 1 });
  kubeconfigText = await readFile(env.clusters[0]!.kubeconfigPath, 'utf8');
});

afterAll(async () => {
  await env?.stop();
});

/** Counts the TLS connections this process opens while `work` runs (the spy calls through). */
async function connectionsOpenedBy(work: () => Promise<void>): Promise<number> {
  const createConnection = vi.spyOn(Agent.prototype, 'createConnection');
  try {
    await work();
    return createConnection.mock.calls.length;
  } finally {
    createConnection.mockRestore();
  }
}

it('30 sequential and 10 parallel requests share at most 4 connections (the per-cluster limit)', async () => {
  const client = connectCluster({ name: 'c', kubeconfigText });
  const opened = await connectionsOpenedBy(async () => {
    for (let i = 0; i < 30; i += 1) await client.core.readNamespace({ name: 'default' });
    await Promise.all(Array.from({ length: 10 }, () => client.core.listNamespace()));
  });
  expect(opened).toBeGreaterThan(0);
  expect(opened).toBeLessThanOrEqual(4);
});

it('100 parallel requests on kept-alive connections all succeed (none fails as a false "Premature close")', async () => {
  const client = connectCluster({ name: 'c', kubeconfigText });
  const lists = await Promise.all(Array.from({ length: 100 }, () => client.core.listNamespace()));
  expect(lists.every((list) => list.items.some((ns) => ns.metadata?.name === 'default'))).toBe(true);
});

it('an idle kept-alive connection does not keep a one-shot process alive', async () => {
  const coreEntry = fileURLToPath(new URL('../dist/index.js', import.meta.url));
  // After the request, the child lists what keeps its event loop alive: the idle TLS socket must not.
  const script = `
    const { connectCluster } = await import(${JSON.stringify(coreEntry)});
    const client = connectCluster({ name: 'c', kubeconfigText: process.env.KUBECONFIG_TEXT });
    await client.core.readNamespace({ name: 'default' });
    await new Promise((resolve) => setImmediate(resolve));
    console.log(JSON.stringify(process.getActiveResourcesInfo()));`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, KUBECONFIG_TEXT: kubeconfigText }, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  expect(code).toBe(0);
  const keepingAlive = JSON.parse(out) as string[];
  expect(keepingAlive).not.toContain('TLSWrap');
  expect(keepingAlive).not.toContain('TCPSocketWrap');
}, 30_000);
