// The changes a soak makes, one at a time, each with the check that says it has converged: what an
// operator and the mesh do to meshd over a day (file edits and editor-style saves, Pilot moves,
// istio.default rotations, someone deleting meshd's objects on a remote, a remote cut off by a
// partition while Pilot moves).
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ClusterHandle, TestEnv } from '@meshd/testenv';
import { clientOf, endpointIps } from '../../test/support/mesh.js';

/** The kinds of change, in the order a soak cycles through them. */
export const CHANGE_KINDS = ['pilot-move', 'file-edit', 'rotation', 'atomic-save', 'drift', 'partition'] as const;

/** One kind of change. */
export type ChangeKind = (typeof CHANGE_KINDS)[number];

/** A change that was made: when its effect should count from, and how to tell it has converged. */
export interface MadeChange {
  kind: ChangeKind;
  /** performance.now() from which its convergence time counts. */
  since: number;
  /** Resolves true once the mesh shows the change; polled. */
  converged(): Promise<boolean>;
  /** DELETE requests the soak itself sent to meshd's resources for this change (drift). */
  ownDeletes: number;
}

/** What a change needs to reach. */
export interface ChurnContext {
  env: TestEnv;
  /** The cluster directory meshd watches. */
  dir: string;
  /** How long a partition holds (ms). */
  partitionMs: number;
}

const remotesOf = (env: TestEnv): ClusterHandle[] => env.clusters.slice(1);

async function pilotEverywhere(env: TestEnv, ip: string): Promise<boolean> {
  const ips = await Promise.all(remotesOf(env).map((c) => endpointIps(c, 'istio-pilot')));
  return ips.every((x) => x?.length === 1 && x[0] === ip);
}

/** The published text of a descriptor in the registry (ConfigMap mode). */
async function publishedText(env: TestEnv, file: string): Promise<string | undefined> {
  const cm = await clientOf(env.clusters[0]!).core.readNamespacedConfigMap({ name: 'multicluster', namespace: 'istio-system' });
  return cm.data?.[file];
}

/** Rewrites remote-N.yaml with a new trailing marker, in place or as editors save (temp file + rename). */
async function editDescriptor(ctx: ChurnContext, n: number, atomic: boolean): Promise<MadeChange> {
  const remote = remotesOf(ctx.env)[n % remotesOf(ctx.env).length]!;
  const file = join(ctx.dir, `${remote.name}.yaml`);
  const text = (await readFile(file, 'utf8')).replace(/# soak edit \d+\n$/, '');
  const marker = `# soak edit ${n}\n`;
  const since = performance.now();
  if (atomic) {
    await writeFile(`${file}.swp`, `${text}${marker}`);
    await rename(`${file}.swp`, file);
  } else {
    await writeFile(file, `${text}${marker}`);
  }
  return {
    kind: atomic ? 'atomic-save' : 'file-edit',
    since,
    ownDeletes: 0,
    converged: async () => (await publishedText(ctx.env, `${remote.name}.yaml`))?.endsWith(marker) === true,
  };
}

async function rotate(ctx: ChurnContext): Promise<MadeChange> {
  const since = performance.now();
  const data = await ctx.env.controlPlane.rotateIstioDefault('default');
  const want = data['cert-chain.pem'];
  return {
    kind: 'rotation',
    since,
    ownDeletes: 0,
    converged: async () => {
      const copies = await Promise.all(remotesOf(ctx.env).map((c) => clientOf(c).core.readNamespacedSecret({ name: 'istio.default', namespace: 'default' })));
      return copies.every((s) => Buffer.from(s.data?.['cert-chain.pem'] ?? '', 'base64').toString('utf8') === want);
    },
  };
}

async function drift(ctx: ChurnContext, n: number): Promise<MadeChange> {
  const remote = remotesOf(ctx.env)[n % remotesOf(ctx.env).length]!;
  const policy = await ctx.env.controlPlane.podIp('policy');
  const since = performance.now();
  await clientOf(remote).core.deleteNamespacedEndpoints({ name: 'istio-policy', namespace: 'istio-system' });
  return { kind: 'drift', since, ownDeletes: 1, converged: async () => (await endpointIps(remote, 'istio-policy'))?.[0] === policy };
}

/** A remote blackholed while Pilot moves, healed after partitionMs; convergence counts from the heal. */
async function partition(ctx: ChurnContext, n: number): Promise<MadeChange> {
  const remote = remotesOf(ctx.env)[n % remotesOf(ctx.env).length]!;
  await remote.faults!.blackhole();
  const ip = await ctx.env.controlPlane.movePilot();
  await new Promise((done) => setTimeout(done, ctx.partitionMs));
  await remote.faults!.heal();
  return { kind: 'partition', since: performance.now(), ownDeletes: 0, converged: () => pilotEverywhere(ctx.env, ip) };
}

/** Makes the `n`-th change of a soak (kinds in CHANGE_KINDS order). */
export async function makeChange(ctx: ChurnContext, n: number): Promise<MadeChange> {
  const kind = CHANGE_KINDS[n % CHANGE_KINDS.length]!;
  switch (kind) {
    case 'pilot-move': {
      const since = performance.now();
      const ip = await ctx.env.controlPlane.movePilot();
      return { kind, since, ownDeletes: 0, converged: () => pilotEverywhere(ctx.env, ip) };
    }
    case 'file-edit':
      return editDescriptor(ctx, n, false);
    case 'atomic-save':
      return editDescriptor(ctx, n, true);
    case 'rotation':
      return rotate(ctx);
    case 'drift':
      return drift(ctx, n);
    case 'partition':
      return partition(ctx, n);
  }
}
