// One measurement cycle of one tool: reset, converge from empty, re-run (no-op), move Pilot and
// re-run. Each case: wall seconds and the write requests it caused (clusters settled before and
// after). Every case is checked: the remotes must end with Pilot's current IP.
import { CoreV1Api } from '@kubernetes/client-node';
import type { TestEnv } from '@meshd/testenv';
import { settledWrites, totalDelta } from '../lib/writes.js';
import { resetMesh } from './reset.js';
import { runTool } from './tools.js';
import type { MeshSetup, ToolName } from './tools.js';

/** The three cases of bench:manual. */
export const CASES = ['fromEmpty', 'noop', 'pilotMove'] as const;
/** One of CASES. */
export type CaseName = (typeof CASES)[number];

/** What one case of one cycle measured. */
export interface CaseFigures {
  wallSeconds: number;
  writes: number;
}

async function pilotEndpointIps(env: TestEnv): Promise<string[][]> {
  return Promise.all(
    env.clusters.slice(1).map(async (remote) => {
      const ep = await remote.kubeConfig().makeApiClient(CoreV1Api).readNamespacedEndpoints({ name: 'istio-pilot', namespace: 'istio-system' });
      return (ep.subsets ?? []).flatMap((s) => (s.addresses ?? []).map((a) => a.ip));
    }),
  );
}

async function expectPilotEverywhere(env: TestEnv, tool: ToolName, label: CaseName): Promise<void> {
  const want = await env.controlPlane.podIp('pilot');
  const got = await pilotEndpointIps(env);
  if (!got.every((ips) => ips.length === 1 && ips[0] === want)) {
    throw new Error(`${tool} ${label}: remotes' istio-pilot Endpoints are ${JSON.stringify(got)}, Pilot is at ${want}`);
  }
}

async function measure(env: TestEnv, tool: ToolName, setup: MeshSetup, label: CaseName): Promise<CaseFigures> {
  const before = await settledWrites(env.clusters);
  const run = await runTool(tool, setup);
  if (!run.ok) throw new Error(`${tool} ${label} failed:\n${run.output}`);
  await expectPilotEverywhere(env, tool, label);
  const after = await settledWrites(env.clusters);
  return { wallSeconds: run.wallSeconds, writes: totalDelta(before, after) };
}

/** Runs the three cases for one tool, starting from a reset mesh. */
export async function cycle(env: TestEnv, tool: ToolName, setup: MeshSetup): Promise<Record<CaseName, CaseFigures>> {
  await resetMesh(env, setup.secretNamespaces);
  const fromEmpty = await measure(env, tool, setup, 'fromEmpty');
  const noop = await measure(env, tool, setup, 'noop');
  await env.controlPlane.movePilot();
  const pilotMove = await measure(env, tool, setup, 'pilotMove');
  return { fromEmpty, noop, pilotMove };
}
