import type { Command } from 'commander';
import type { MeshStatus } from '../../daemon/status/status.js';
import { formatStatusTable } from './status-table.js';
import type { CommandIo } from '../../io.js';

/** Options of `meshd status`. */
export interface StatusOptions {
  url?: string;
  json?: boolean;
  timeout?: string;
}

/** Where `meshd status` looks by default: the daemon's default listen address. */
export const DEFAULT_STATUS_URL = 'http://127.0.0.1:9580';

/** Registers `meshd status [--url URL] [--json]`. */
export function register(program: Command, io: CommandIo): void {
  program
    .command('status')
    .description("print the running daemon's view of the mesh (its /status endpoint) as a table")
    .option('--url <URL>', "base URL of the daemon's health server", DEFAULT_STATUS_URL)
    .option('--json', 'print the /status JSON as it is')
    .option('--timeout <MS>', 'give up after this many milliseconds', '5000')
    .addHelpText('after', '\nExit status: 0 when the daemon is ready, 1 when it is not ready or cannot be reached.')
    .action(async (options: StatusOptions) => io.setExitCode(await runStatus(options, io)));
}

/** The request timeout in milliseconds: --timeout when it is a positive number, else 5000. */
function timeoutOf(options: StatusOptions): number {
  const timeoutMs = Number(options.timeout ?? 5000);
  return Number.isFinite(timeoutMs) && timeoutMs > 0 ? timeoutMs : 5000;
}

/** The body of base/status; undefined (the reason printed on stderr) when the daemon cannot be reached or answers an error. */
async function fetchStatusBody(base: string, timeoutMs: number, io: CommandIo, fetchImpl: typeof fetch): Promise<string | undefined> {
  try {
    const res = await fetchImpl(`${base}/status`, { signal: AbortSignal.timeout(timeoutMs) });
    const body = await res.text();
    if (!res.ok) {
      io.stderr(`meshd status: ${base}/status answered HTTP ${res.status}\n`);
      return undefined;
    }
    return body;
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code;
    io.stderr(
      `meshd status: cannot reach the daemon at ${base}: ${cause ?? (err instanceof Error ? err.message : String(err))}\n(is \`meshd run\` running? pass --url if it listens elsewhere)\n`,
    );
    return undefined;
  }
}

/** Fetches /status and prints it; returns the exit code. */
export async function runStatus(options: StatusOptions, io: CommandIo, fetchImpl: typeof fetch = fetch): Promise<number> {
  const base = (options.url ?? DEFAULT_STATUS_URL).replace(/\/+$/, '');
  const body = await fetchStatusBody(base, timeoutOf(options), io, fetchImpl);
  if (body === undefined) return 1;
  let status: MeshStatus;
  try {
    status = JSON.parse(body) as MeshStatus;
  } catch {
    io.stderr(`meshd status: ${base}/status did not answer JSON\n`);
    return 1;
  }
  io.stdout(options.json === true ? `${JSON.stringify(status, null, 2)}\n` : formatStatusTable(status, base));
  return status.ready ? 0 : 1;
}
