import { formatFinding } from '@meshd/core/descriptor';
import { validateWithoutCompiling } from '@meshd/core/offline';
import type { PassReport } from '@meshd/core';
import { createLogger } from '../../logging.js';
import { formatPassReport } from '../../output/plan-text.js';
import { runCommandPass } from '../../pass-runner.js';
import type { CommandIo } from '../../io.js';
import { displayPath } from './validate-output.js';

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** The exit code DESIGN.md specifies for plan and apply. */
export function exitCodeOf(mode: 'plan' | 'apply', report: PassReport, detailed: boolean): number {
  const failed =
    !report.directoryValid ||
    report.errors.length > 0 ||
    report.clusters.some((c) => c.lastError !== undefined && c.state !== 'held') ||
    report.registry?.error !== undefined;
  if (mode === 'apply') return report.converged ? 0 : 1;
  if (failed) return 1;
  return detailed && report.changes > 0 ? 2 : 0;
}

/**
 * Shared body of `meshd plan` and `meshd apply`: one pass, the findings, the report, the exit code.
 * Everything printed (text, --json, logs) goes through io, which scrubs credentials.
 */
export async function runReconcileCommand(mode: 'plan' | 'apply', options: Record<string, unknown>, io: CommandIo): Promise<number> {
  validateWithoutCompiling(); // a one-shot command: compiling zod's schemas costs more than it saves
  const logger = createLogger({ level: str(options.logLevel) ?? 'warn', fd: 2, write: (line) => io.stderr(line) });
  const allowRemovals = typeof options.allowRemovals === 'number' ? options.allowRemovals : undefined;
  const { config, report } = await runCommandPass({
    mode,
    dir: str(options.dir),
    config: str(options.config),
    logger,
    io,
    redactor: io.redactor,
    ...(allowRemovals !== undefined ? { allowRemovals } : {}),
  });
  for (const f of report.findings) io.stderr(`${formatFinding(f, displayPath(str(options.dir) ?? config.directory, f.file))}\n`);
  if (options.json === true) io.stdout(`${JSON.stringify({ ...report, mesh: undefined }, null, 2)}\n`);
  else io.stdout(formatPassReport(report));
  return exitCodeOf(mode, report, options.detailedExitcode === true);
}
