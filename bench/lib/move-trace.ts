// Per-move timelines from a request trace (bench/lib/request-trace.ts): each HTTP request and helm
// run the daemon made during a Pilot move, as offsets from the old pod's deletion.

/** One Pilot move's wall-clock times (ms): started, new pod Ready, old pod deleted, every remote updated, idle again. */
export interface MoveWindow {
  from: number;
  ready: number;
  deleted: number;
  updated: number;
  to: number;
}

/** One traced call, offsets from the old pod's deletion (ms). */
export interface TracedCall {
  at: number;
  ms: number;
  what: string;
}

/** One move's trace: the calls between its start and its remotes being updated, and their counts. */
export interface MoveTrace {
  readyAt: number;
  updatedAt: number;
  calls: TracedCall[];
  requests: number;
  helmRuns: number;
}

interface TraceLine {
  kind: string;
  start: number;
  ms: number;
  method?: string;
  port?: number;
  path?: string;
  file?: string;
  args?: string[];
}

function describe(line: TraceLine): string {
  if (line.kind === 'exec') return `exec ${line.file ?? ''} ${(line.args ?? []).join(' ')}`;
  return `${line.method ?? ''} :${line.port ?? ''} ${line.path ?? ''}`;
}

const round = (x: number): number => Math.round(x * 10) / 10;

/** The calls of each move (those started from its start until its remotes were updated) and a text timeline of the first three. Pure. */
export function moveTimelines(traceText: string, windows: readonly MoveWindow[]): { moves: MoveTrace[]; text: string } {
  const lines = traceText
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as TraceLine)
    .sort((a, b) => a.start - b.start);
  const moves = windows.map((w): MoveTrace => {
    const calls = lines
      .filter((l) => l.start >= w.from && l.start <= w.updated)
      .map((l) => ({ at: round(l.start - w.deleted), ms: round(l.ms), what: describe(l) }));
    return {
      readyAt: round(w.ready - w.deleted),
      updatedAt: round(w.updated - w.deleted),
      calls,
      requests: calls.filter((c) => !c.what.startsWith('exec')).length,
      helmRuns: calls.filter((c) => c.what.startsWith('exec helm')).length,
    };
  });
  const text = moves
    .slice(0, 3)
    .map((m, i) => {
      const head = `move ${i + 1}: new pod Ready at ${m.readyAt} ms, every remote updated at ${m.updatedAt} ms (from the old pod's deletion); ${m.requests} requests, ${m.helmRuns} helm runs`;
      return [head, ...m.calls.map((c) => `  ${String(c.at).padStart(8)} ms  ${String(c.ms).padStart(7)} ms  ${c.what}`)].join('\n');
    })
    .join('\n\n');
  return { moves, text };
}
