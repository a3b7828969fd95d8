/** How bad a finding is: errors make a file (or the directory) invalid, warnings never do. */
export type Severity = 'error' | 'warning';

/**
 * One problem found in the cluster directory (or in meshd.yaml), located for the user.
 * `file` is relative to the directory ('' for the directory as a whole); `line`/`col` are 1-based,
 * 0 when the finding has no position. `message` is in the user's words and never quotes credentials.
 * `field` is the YAML path of the value concerned, e.g. `metadata.annotations["config.istio.io/platform"]`.
 * Findings are plain data: whoever produced them owns nothing after returning them.
 */
export interface Finding {
  file: string;
  line: number;
  col: number;
  severity: Severity;
  message: string;
  field?: string;
}

/** A source position, 1-based. */
export interface Position {
  line: number;
  col: number;
}

/** The position used when a finding concerns a whole file. */
export const START_OF_FILE: Position = { line: 1, col: 1 };

/** Builds an error finding. */
export function errorAt(file: string, pos: Position, message: string, field?: string): Finding {
  return withField({ file, line: pos.line, col: pos.col, severity: 'error', message }, field);
}

/** Builds a warning finding. */
export function warningAt(file: string, pos: Position, message: string, field?: string): Finding {
  return withField({ file, line: pos.line, col: pos.col, severity: 'warning', message }, field);
}

function withField(finding: Finding, field: string | undefined): Finding {
  return field === undefined ? finding : { ...finding, field };
}

/** True when at least one finding is an error. */
export function hasErrors(findings: readonly Finding[]): boolean {
  return findings.some((f) => f.severity === 'error');
}

/** Orders findings by file, then line, then column (directory-wide findings first). */
export function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort((a, b) => compareStrings(a.file, b.file) || a.line - b.line || a.col - b.col || compareStrings(a.message, b.message));
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Formats a finding the way compilers do: `FILE:LINE:COL: error: message`. `displayFile` is the
 * path to show for the finding's file (e.g. joined with the directory as the user typed it);
 * without a position the `:LINE:COL` part is left out.
 */
export function formatFinding(finding: Finding, displayFile: string): string {
  const where = finding.line > 0 ? `${displayFile}:${finding.line}:${finding.col}` : displayFile;
  return `${where}: ${finding.severity}: ${finding.message}`;
}
