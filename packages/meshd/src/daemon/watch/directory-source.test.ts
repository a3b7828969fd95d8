import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { meshdConfigSchemaFor, type MeshdConfig, type PassOptions, type PassReport } from '@meshd/core';
import { readDirectorySnapshot, validateDirectoryOnce, type DirectorySnapshot, type DirectoryValidation } from '@meshd/core/descriptor';
import { passReport, recordingLogger, sampleDescriptor, sampleKubeconfig, sleep, until, type RecordingLogger } from '@meshd/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Redactor } from '../../output/redact.js';
import { keyReconciler } from '../queue/reconcile-key.js';
import type { Reconciler } from '../queue/queue.js';
import { DirectorySource } from './directory-source.js';

const REMOTES = ['r1', 'r2', 'r3', 'r4', 'r5', 'r6', 'r7', 'r8'];
const BACKENDS = ['helm-template'];

/** Waits (polling, 5 s at most) until `ok()` holds. */
const waitFor = (what: string, ok: () => boolean): Promise<unknown> =>
  until(what, () => Promise.resolve(ok() ? true : undefined), { timeoutMs: 5000, intervalMs: 5 });

/** What a key's pass worked from: the snapshot it was handed and the validation the pass uses. */
interface SeenPass {
  key: string;
  snapshot: DirectorySnapshot;
  validation: DirectoryValidation;
}

let dir: string;
let config: MeshdConfig;
let logger: RecordingLogger;
let source: DirectorySource | undefined;
let enqueued: string[];
let reads: number;
/** Holds the directory reads while set (a read the watch asked for, not finished yet). */
let gate: Promise<void> | undefined;
let passes: SeenPass[];

/** The pass's view of the directory, as core's runPass validates it (the same options as the source). */
function fakePass(opts: PassOptions): Promise<PassReport> {
  const validation = validateDirectoryOnce(opts.snapshot, { registryMode: config.registry.mode, credentialsMode: config.credentials.mode, backends: BACKENDS });
  const key = opts.part === 'registry' ? '@registry' : [...(opts.scope ?? [])].join(',');
  passes.push({ key, snapshot: opts.snapshot, validation });
  return Promise.resolve(passReport([], { part: opts.part ?? 'mesh', findings: validation.findings, directoryValid: validation.valid }));
}

async function startSource(): Promise<{ source: DirectorySource; reconcile: Reconciler<PassReport> }> {
  const started = new DirectorySource({
    config: () => config,
    logger,
    redactor: new Redactor(),
    debounceMs: 20,
    backends: () => BACKENDS,
    knownRemotes: () => [],
    enqueue: (key) => enqueued.push(key),
    readSnapshot: async (path) => {
      reads += 1;
      await gate;
      return readDirectorySnapshot(path);
    },
  });
  source = started;
  await started.start();
  const reconcile = keyReconciler({
    config: () => config,
    plugins: () => [],
    runPass: fakePass,
    snapshot: () => started.snapshot(),
    logger,
    lastGood: {},
    state: () => undefined,
    isActive: () => true,
    term: () => undefined,
  });
  return { source: started, reconcile };
}

const serverOf = (pass: SeenPass | undefined, name: string): string | undefined => pass?.validation.clusters.find((c) => c.name === name)?.server;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'meshd-directory-source-'));
  config = meshdConfigSchemaFor().parse({ directory: dir });
  logger = recordingLogger();
  enqueued = [];
  reads = 0;
  gate = undefined;
  passes = [];
  await writeFile(join(dir, 'cp.yaml'), sampleDescriptor({ name: 'cp', controlPlane: true }));
  await writeFile(join(dir, 'cp.kube.conf'), sampleKubeconfig('cp', 'https://192.0.2.1:6443'), { mode: 0o600 });
  for (const [i, name] of REMOTES.entries()) {
    await writeFile(join(dir, `${name}.yaml`), sampleDescriptor({ name }));
    await writeFile(join(dir, `${name}.kube.conf`), sampleKubeconfig(name, `https://192.0.2.${i + 10}:6443`), { mode: 0o600 });
  }
});

afterEach(async () => {
  await source?.stop();
  source = undefined;
  await rm(dir, { recursive: true, force: true });
});

describe('DirectorySource: one snapshot per directory generation', () => {
  it('every key of a round works from one read and one validation of the directory', async () => {
    const { reconcile } = await startSource();
    expect(enqueued).toEqual([...REMOTES, '@registry']);
    const signal = new AbortController().signal;
    await Promise.all(enqueued.map((key) => reconcile(key, signal)));
    expect(passes.map((p) => p.key).sort()).toEqual(['@registry', ...REMOTES].sort());
    expect(reads).toBe(1);
    expect(new Set(passes.map((p) => p.snapshot)).size).toBe(1);
    expect(new Set(passes.map((p) => p.validation)).size).toBe(1);
    expect(passes[0]?.validation.clusters.map((c) => c.name)).toEqual(['cp', ...REMOTES]);
  });

  it('a key that starts after a change was seen waits for its read and works from the new directory', async () => {
    const { reconcile } = await startSource();
    const signal = new AbortController().signal;
    await reconcile('r1', signal);
    expect(serverOf(passes[0], 'r2')).toBe('https://192.0.2.11:6443');
    let open = (): void => undefined;
    gate = new Promise((resolve) => (open = resolve));
    await writeFile(join(dir, 'r2.kube.conf'), sampleKubeconfig('r2', 'https://198.51.100.2:6443'), { mode: 0o600 });
    await waitFor('the watch to read the changed directory', () => reads === 2);
    const second = reconcile('r2', signal);
    await sleep(50);
    expect(passes).toHaveLength(1); // the key waits for the read of the change it came after
    open();
    await second;
    expect(serverOf(passes[1], 'r2')).toBe('https://198.51.100.2:6443');
    expect(enqueued.slice(REMOTES.length + 1)).toEqual(['r2']);
    expect(reads).toBe(2);
  });

  it('a file that turns invalid is reported with file, line and field, and only its last good version is used', async () => {
    const { reconcile } = await startSource();
    await writeFile(join(dir, 'r3.yaml'), sampleDescriptor({ name: 'r3', pilotEndpoint: 'not an endpoint' }));
    await waitFor('the watch to read the broken file', () => enqueued.length > REMOTES.length + 1);
    expect(enqueued.slice(REMOTES.length + 1)).toEqual(['@registry']); // r3 keeps its last good version: not enqueued
    const warned = logger.entries.filter((e) => e.level === 'warn').map((e) => e.msg);
    expect(warned).toEqual([expect.stringMatching(/^r3\.yaml:6:\d+: .*pilotEndpoint/)]);
    await reconcile('r4', new AbortController().signal);
    const seen = passes[0]?.validation;
    expect(seen?.invalidFiles).toEqual(['r3.yaml']);
    expect(seen?.findings.filter((f) => f.severity === 'error').map((f) => `${f.file}:${f.line}`)).toEqual(['r3.yaml:6']);
    expect(seen?.clusters.map((c) => c.name)).not.toContain('r3');
  });

  it('after invalidate() (the resync) the next key reads the directory again; until then none does', async () => {
    const { source: started, reconcile } = await startSource();
    const signal = new AbortController().signal;
    await reconcile('r1', signal);
    await reconcile('r2', signal);
    expect(reads).toBe(1);
    started.invalidate();
    await Promise.all([reconcile('r3', signal), reconcile('r4', signal)]);
    expect(reads).toBe(2);
    expect(enqueued).toHaveLength(REMOTES.length + 1); // the directory read again was as before: nothing enqueued
    expect(passes[2]?.snapshot).not.toBe(passes[0]?.snapshot);
    expect(passes[3]?.snapshot).toBe(passes[2]?.snapshot);
  });
});
