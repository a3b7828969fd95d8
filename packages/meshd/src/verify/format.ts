import type { CheckResult } from './checks.js';

const RESULT_TEXT: Record<CheckResult['result'], string> = { ok: 'ok', failed: 'FAILED', skipped: 'skipped' };

/**
 * The table `meshd verify` prints: CHECK, CLUSTER, RESULT, DETAIL (failed ones with their code),
 * then a one-line verdict. Pure.
 */
export function formatVerifyTable(results: readonly CheckResult[]): string {
  const rows = [
    ['CHECK', 'CLUSTER', 'RESULT', 'DETAIL'],
    ...results.map((r) => [
      r.check,
      r.cluster ?? '(mesh)',
      RESULT_TEXT[r.result],
      r.result === 'failed' && r.code !== undefined ? `[${r.code}] ${r.detail}` : r.detail,
    ]),
  ];
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((row) => (row[i] ?? '').length)));
  const lines = rows.map((row) =>
    row
      .map((cell, i) => (i < 3 ? cell.padEnd(widths[i] ?? 0) : cell))
      .join('  ')
      .trimEnd(),
  );
  const failures = results.filter((r) => r.result === 'failed').length;
  const verdict = failures === 0 ? `verify: every check holds (${results.length} checks)` : `verify: ${failures} of ${results.length} checks failed`;
  return `${lines.join('\n')}\n\n${verdict}\n`;
}
