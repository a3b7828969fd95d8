// Counts the `helm template` runs of a benchmarked daemon: meshd.yaml names a wrapper that logs each
// run's wall-clock start and end (bash's $EPOCHREALTIME: no extra process) and runs the real helm.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** One `helm template` run, wall-clock milliseconds. */
export interface HelmRun {
  start: number;
  end: number;
}

/** The wrapper to name in meshd.yaml and the runs it logged so far. */
export interface CountingHelm {
  binary: string;
  runs(): Promise<HelmRun[]>;
}

/** Writes a counting wrapper around `realHelm` into `dir`. */
export async function countingHelm(dir: string, realHelm: string): Promise<CountingHelm> {
  const binary = join(dir, 'helm-counting');
  const log = join(dir, 'helm-runs.log');
  const script = [
    '#!/bin/bash',
    `if [ "$1" != template ]; then exec '${realHelm}' "$@"; fi`,
    `started=$EPOCHREALTIME`,
    `'${realHelm}' "$@"`,
    'status=$?',
    `echo "$started $EPOCHREALTIME" >> '${log}'`,
    'exit $status',
    '',
  ].join('\n');
  await writeFile(binary, script, { mode: 0o755 });
  await writeFile(log, '');
  return {
    binary,
    runs: async () =>
      (await readFile(log, 'utf8'))
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => {
          const [start, end] = line.split(' ').map((s) => Number(s) * 1000);
          return { start: start ?? Number.NaN, end: end ?? Number.NaN };
        }),
  };
}

/** Per move: helm runs started in its window, those started after the old pod's deletion, and those done before it. Pure. */
export function helmRunsOfMove(
  runs: readonly HelmRun[],
  window: { from: number; deleted: number; to: number },
): { runs: number; afterDelete: number; doneBeforeDelete: number } {
  const inWindow = runs.filter((r) => r.start >= window.from && r.start < window.to);
  return {
    runs: inWindow.length,
    afterDelete: inWindow.filter((r) => r.start >= window.deleted).length,
    doneBeforeDelete: inWindow.filter((r) => r.end <= window.deleted).length,
  };
}
