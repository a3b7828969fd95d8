// Running the tools being measured as child processes: wall time, exit code, output, and (for
// meshd through measured-meshd.js) its own peak RSS and CPU seconds; /proc readings for a process
// that keeps running (the daemon).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO } from './workspace.js';

/** The compiled meshd CLI. */
export const MESHD_BIN = join(REPO, 'packages/meshd/bin/meshd.js');

/**
 * Node arguments that run the compiled meshd CLI (`node ...MEASURED_MESHD USAGE_FILE <meshd args>`)
 * and write, at exit, process.resourceUsage() plus the CPU seconds of the child processes it waited
 * for (helm; cutime + cstime of /proc/self/stat in USER_HZ ticks) to USAGE_FILE: meshd's own peak RSS
 * and CPU without sampling. Plain JavaScript on the command line, so no loader adds to the figures.
 */
export const MEASURED_MESHD: readonly string[] = [
  '--input-type=module',
  '-e',
  `
import { readFileSync, writeFileSync } from 'node:fs';
import { main } from ${JSON.stringify(pathToFileURL(join(REPO, 'packages/meshd/dist/cli/main.js')).href)};
const [node, usageFile, ...args] = process.argv;
function childrenCpuSeconds() {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[13]) + Number(f[14])) / 100;
  } catch { return 0; }
}
process.on('exit', () => writeFileSync(usageFile, JSON.stringify({ ...process.resourceUsage(), childrenCpuSeconds: childrenCpuSeconds() })));
process.exitCode = await main([node, 'meshd', ...args]);
`,
];

/** How one child process ran. */
export interface TimedRun {
  code: number;
  wallSeconds: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion; never rejects on a non-zero exit. */
export function runTimed(command: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<TimedRun> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code, signal) =>
      resolve({
        code: code ?? (signal ? 128 : 1),
        wallSeconds: (performance.now() - started) / 1000,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      }),
    );
  });
}

/** A meshd run with its own resource usage. */
export interface MeasuredRun extends TimedRun {
  /** Peak resident set size of the meshd process, MB. */
  rssMb: number;
  /** User + system CPU seconds of the meshd process. */
  cpuSeconds: number;
  /** CPU seconds of the processes meshd ran and waited for (helm). */
  childCpuSeconds: number;
}

interface UsageFile {
  maxRSS: number;
  userCPUTime: number;
  systemCPUTime: number;
  childrenCpuSeconds: number;
}

/** Fails early with the command to run when the CLI has not been compiled. */
export function requireBuiltMeshd(): void {
  if (!existsSync(join(REPO, 'packages/meshd/dist/cli/main.js'))) throw new Error('packages/meshd/dist is missing: run `npm run build` first');
}

/** Runs `meshd ARGS` as its own node process and reads its peak RSS and CPU time at exit. */
export async function runMeasuredMeshd(args: readonly string[], nodeArgs: readonly string[] = []): Promise<MeasuredRun> {
  const usageFile = join(tmpdir(), `meshd-usage-${process.pid}-${Date.now()}.json`);
  const run = await runTimed(process.execPath, [...nodeArgs, ...MEASURED_MESHD, usageFile, ...args]);
  try {
    const usage = JSON.parse(await readFile(usageFile, 'utf8')) as UsageFile;
    return { ...run, rssMb: usage.maxRSS / 1024, cpuSeconds: (usage.userCPUTime + usage.systemCPUTime) / 1e6, childCpuSeconds: usage.childrenCpuSeconds };
  } finally {
    await rm(usageFile, { force: true });
  }
}

/** CPU seconds (user + system) a running process has used so far, from /proc/PID/stat. */
export async function cpuSecondsOf(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Current and peak resident set size of a running process, MB, from /proc/PID/status. */
export async function rssOf(pid: number): Promise<{ rssMb: number; peakMb: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
  return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
}

/** The 1-minute load average (from /proc/loadavg), to note with each figure. */
export async function loadAverage(): Promise<number> {
  return Number((await readFile('/proc/loadavg', 'utf8')).split(' ')[0]);
}
