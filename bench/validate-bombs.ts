// Benchmark: `meshd validate` (the compiled CLI, under the heap cap the systemd unit suggests) on
// the attack report's L8 inputs — 1 MB nesting bombs as a descriptor and as a kubeconfig, a 1 MB flat
// kubeconfig — next to the sample directory. Prints wall time, peak RSS and the exit code per case
// (CLI start-up included: compare with the sample directory), and the time read + validate takes in
// this process (the median of 5).
// Run: npx turbo run build --filter=meshd... && npx tsx bench/validate-bombs.ts [--max-old-space MB]
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { readDirectorySnapshot, validateDirectory } from '@meshd/core/descriptor';
import { sampleDirectory, sampleKubeconfig } from '@meshd/testkit';

const REPO = resolve(import.meta.dirname, '..');
const MESHD = join(REPO, 'packages/meshd/bin/meshd.js');
const flag = process.argv.indexOf('--max-old-space');
const heapMb = flag > 0 ? Number(process.argv[flag + 1]) : 256;

const MB = 1_000_000;
const cases: Record<string, Record<string, string>> = {
  'sample directory': {},
  '[ x500000 ]x500000 as notes.yaml': { 'notes.yaml': `${'['.repeat(MB / 2)}${']'.repeat(MB / 2)}` },
  '"- " x300000 as notes.yaml': { 'notes.yaml': `${'- '.repeat(300_000)}x\n` },
  '[ x30000 ]x30000 as notes.yaml (60 KB, under the descriptor limit)': { 'notes.yaml': `${'['.repeat(30_000)}${']'.repeat(30_000)}` },
  '"- " x300000 as a kubeconfig': { 'east.kube.conf': `${'- '.repeat(300_000)}x\n` },
  '{ x500000 }x500000 as a kubeconfig': { 'east.kube.conf': `${'{'.repeat(MB / 2)}${'}'.repeat(MB / 2)}` },
  '1 MB kubeconfig of 9900 keys': {
    'east.kube.conf': `${sampleKubeconfig('east')}${Array.from({ length: 9_850 }, (_, i) => `k${i}: ${'v'.repeat(90)}`).join('\n')}\n`,
  },
  '1 MB kubeconfig, one long token': { 'east.kube.conf': `${sampleKubeconfig('east')}# ${'A'.repeat(MB)}\n` },
};

const root = await mkdtemp(join(tmpdir(), 'meshd-bench-bombs-'));
try {
  console.log(`meshd validate, node --max-old-space-size=${heapMb}, ${new Date().toISOString()}`);
  console.log('| input | exit | wall (CLI) | peak RSS (CLI) | read + validate in-process | first finding |\n| --- | --- | --- | --- | --- | --- |');
  let i = 0;
  for (const [name, files] of Object.entries(cases)) {
    const dir = join(root, `case-${i++}`);
    await mkdir(dir);
    for (const [file, text] of Object.entries({ ...sampleDirectory(), ...files })) await writeFile(join(dir, file), text, { mode: 0o600 });
    const run = spawnSync('/usr/bin/time', ['-f', '%e %M', process.execPath, `--max-old-space-size=${heapMb}`, MESHD, 'validate', '--dir', dir], {
      encoding: 'utf8',
      maxBuffer: 64 * MB,
    });
    const [wall, rssKb] = (run.stderr.trim().split('\n').at(-1) ?? '').split(' ');
    const finding = (run.stdout.split('\n').find((l) => l.includes(': error: ')) ?? run.stdout.split('\n')[0] ?? '').replace(dir, 'DIR').slice(0, 90);
    const times: number[] = [];
    for (let r = 0; r < 5; r++) {
      const start = performance.now();
      validateDirectory(await readDirectorySnapshot(dir));
      times.push(performance.now() - start);
    }
    const median = times.sort((a, b) => a - b)[2] ?? Number.NaN;
    console.log(`| ${name} | ${run.status ?? run.signal} | ${wall} s | ${Math.round(Number(rssKb) / 1024)} MB | ${median.toFixed(1)} ms | ${finding} |`);
  }
} finally {
  await rm(root, { recursive: true, force: true });
}
