import { join } from 'node:path';
import { formatFinding, type DirectoryValidation, type Finding } from '@meshd/core/offline';

/** Where a finding is, as the user named the directory: `DIR/FILE`, or `DIR` for the directory itself. */
export function displayPath(dir: string, file: string): string {
  return file === '' ? dir : join(dir, file);
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** The text report: one `FILE:LINE:COL: severity: message` line per finding, then a summary line. */
export function validationLines(dir: string, validation: DirectoryValidation): string[] {
  const lines = validation.findings.map((f) => formatFinding(f, displayPath(dir, f.file)));
  const errors = validation.findings.filter((f) => f.severity === 'error').length;
  const warnings = validation.findings.length - errors;
  if (validation.valid) {
    const controlPlane = validation.clusters.find((c) => c.role === 'control-plane');
    const remotes = validation.clusters.filter((c) => c.role === 'remote').map((c) => c.name);
    const who = `control plane ${controlPlane?.name ?? '?'}; ${remotes.length === 0 ? 'no remotes' : `remotes ${remotes.join(', ')}`}`;
    lines.push(`${dir}: valid: ${plural(validation.clusters.length, 'cluster')} (${who}), ${plural(warnings, 'warning')}`);
  } else {
    const files = validation.invalidFiles.length;
    const where = files === 0 ? '' : ` in ${plural(files, 'file')}`;
    lines.push(`${dir}: invalid: ${plural(errors, 'error')}${where}, ${plural(warnings, 'warning')}`);
  }
  return lines;
}

/** One finding in `--json` output: the finding plus its display path. */
export interface FindingJson extends Finding {
  path: string;
}

/** The `--json` report: the verdict, the clusters (never their credentials) and every finding. */
export function validationJson(dir: string, validation: DirectoryValidation): object {
  return {
    directory: dir,
    valid: validation.valid,
    clusters: validation.clusters.map((c) => ({ name: c.name, role: c.role, file: c.file, accessConfigFile: c.accessConfigFile, server: c.server })),
    invalidFiles: validation.invalidFiles,
    findings: validation.findings.map((f): FindingJson => ({ ...f, path: displayPath(dir, f.file) })),
  };
}
