// Benchmark: read + validate + buildDesiredMesh on a generated 500-cluster directory, against a
// baseline measured in the same process: reading the same files and parsing them with plain
// yaml.parseAllDocuments (no positions, no schema, no cross-file checks).
// Then the daemon's other per-read cost: learning the credentials of every kubeconfig of the snapshot
// for the redactor (addSnapshotCredentials), the daemon's long-lived Redactor against a new one per
// read (every kubeconfig parsed, as before the redactor remembered the texts it had learned).
// Run: npm run bench:validate   (or npx tsx bench/validate-500.ts [clusters] [runs])
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseAllDocuments } from 'yaml';
import { buildDesiredMesh, readDirectorySnapshot, validateDirectory } from '@meshd/core/descriptor';
import { sampleDescriptor, sampleKubeconfig } from '@meshd/testkit';
import { addSnapshotCredentials, Redactor } from 'meshd';

const clusters = Number(process.argv[2] ?? 500);
const runs = Number(process.argv[3] ?? 9);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

async function generate(dir: string): Promise<void> {
  for (let i = 0; i < clusters; i++) {
    const name = `cluster-${String(i).padStart(3, '0')}`;
    const descriptor = sampleDescriptor({ name, controlPlane: i === 0, serverAddress: `10.${i >> 8}.${i & 255}.1:6443` });
    await writeFile(join(dir, `${name}.yaml`), descriptor, { mode: 0o600 });
    await writeFile(join(dir, `${name}.kube.conf`), sampleKubeconfig(name, `https://10.${i >> 8}.${i & 255}.1:6443`), { mode: 0o600 });
  }
}

/** One meshd pass over the directory: read, validate, build the desired mesh. */
async function meshdPass(dir: string): Promise<{ read: number; pure: number; total: number; clusters: number; valid: boolean }> {
  const start = performance.now();
  const snapshot = await readDirectorySnapshot(dir);
  const read = performance.now();
  const validation = validateDirectory(snapshot);
  const mesh = buildDesiredMesh(validation);
  const end = performance.now();
  return { read: read - start, pure: end - read, total: end - start, clusters: (mesh?.remotes.length ?? -1) + 1, valid: validation.valid };
}

/** The baseline: read every file and parse it with yaml.parseAllDocuments only. */
async function baselinePass(dir: string): Promise<{ parse: number; total: number }> {
  const start = performance.now();
  const names = await readdir(dir);
  const texts = await Promise.all(names.map((n) => readFile(join(dir, n), 'utf8')));
  const read = performance.now();
  let documents = 0;
  for (const text of texts) documents += parseAllDocuments(text).length;
  const end = performance.now();
  if (documents < names.length) throw new Error('baseline parsed fewer documents than files');
  return { parse: end - read, total: end - start };
}

const dir = await mkdtemp(join(tmpdir(), 'meshd-bench-'));
try {
  await generate(dir);
  for (let i = 0; i < 2; i++) {
    await meshdPass(dir); // warm-up (JIT, file cache)
    await baselinePass(dir);
  }
  const ours: Awaited<ReturnType<typeof meshdPass>>[] = [];
  const base: Awaited<ReturnType<typeof baselinePass>>[] = [];
  for (let i = 0; i < runs; i++) {
    ours.push(await meshdPass(dir));
    base.push(await baselinePass(dir));
  }
  const last = ours.at(-1);
  if (!last?.valid || last.clusters !== clusters) throw new Error(`generated directory did not validate: ${JSON.stringify(last)}`);
  const m = (f: (r: (typeof ours)[number]) => number): number => median(ours.map(f));
  const b = (f: (r: (typeof base)[number]) => number): number => median(base.map(f));
  const fmt = (ms: number): string => `${ms.toFixed(1)} ms`;
  console.log(`validate-500: ${clusters} clusters (${clusters * 2} files), median of ${runs} runs`);
  console.log(
    `  meshd read + validate + buildDesiredMesh: ${fmt(m((r) => r.total))} (read ${fmt(m((r) => r.read))}, validate + mesh ${fmt(m((r) => r.pure))})`,
  );
  console.log(`  baseline read + yaml.parseAllDocuments:  ${fmt(b((r) => r.total))} (parse ${fmt(b((r) => r.parse))})`);
  console.log(
    `  ratio total: ${(m((r) => r.total) / b((r) => r.total)).toFixed(2)}x, validate + mesh vs parse only: ${(m((r) => r.pure) / b((r) => r.parse)).toFixed(2)}x`,
  );
  await redactorRereads(dir);
} finally {
  await rm(dir, { recursive: true, force: true });
}

/** The redactor's share of a daemon's directory re-read: its own Redactor (texts learned before) against a new one each read. */
async function redactorRereads(dir: string): Promise<void> {
  const snapshot = await readDirectorySnapshot(dir);
  const timed = (redactor: Redactor): number => {
    const start = performance.now();
    addSnapshotCredentials(redactor, snapshot);
    return performance.now() - start;
  };
  const daemon = new Redactor();
  const first = timed(daemon);
  for (let i = 0; i < 2; i++) timed(new Redactor()); // warm-up
  const fresh: number[] = [];
  const reread: number[] = [];
  for (let i = 0; i < runs; i++) {
    fresh.push(timed(new Redactor()));
    reread.push(timed(daemon));
  }
  if (daemon.scrub('token placeholder-token') !== 'token [redacted]') throw new Error("the daemon's redactor did not learn the generated kubeconfigs' tokens");
  const fmt = (ms: number): string => `${ms.toFixed(1)} ms`;
  console.log(`  redactor, credentials of ${clusters} kubeconfigs: first read ${fmt(first)}; then per re-read, median of ${runs}:`);
  console.log(`    the daemon's redactor (texts learned before): ${fmt(median(reread))}; a new redactor (every kubeconfig parsed): ${fmt(median(fresh))}`);
  console.log(`    ratio re-read / parse all: ${(median(reread) / median(fresh)).toFixed(3)}x`);
}
