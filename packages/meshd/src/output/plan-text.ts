import type { ClusterReport, ComponentReport, PassReport, PlannedChange } from '@meshd/core';

const SIGN: Record<PlannedChange['op'], string> = {
  create: '+',
  install: '+',
  update: '~',
  upgrade: '~',
  recreate: '±',
  delete: '-',
  uninstall: '-',
  conflict: '!',
  orphan: '?',
  rename: '→',
};

function changeLine(c: PlannedChange): string {
  if (c.op === 'rename') return `    ${SIGN.rename} rename ${c.name}`;
  const where = c.namespace ? `${c.namespace}/${c.name}` : c.name;
  const detail = c.detail && c.detail.length > 0 ? ` (${c.detail.join('; ')})` : '';
  return `    ${SIGN[c.op]} ${c.op} ${c.kind} ${where}${detail}`;
}

function componentLines(c: ComponentReport): string[] {
  const head = `  ${c.component}: ${c.state} — ${c.reason}${c.writes > 0 ? ` [${c.writes} write(s)]` : ''}`;
  const err =
    c.error !== undefined ? [`    error [${c.error.code}${c.error.retry === 'terminal' ? ', parked until its input changes' : ''}]: ${c.error.message}`] : [];
  const notes = (c.notes ?? []).map((n) => `    converted: ${n}`);
  return [head, ...err, ...notes, ...c.changes.map(changeLine)];
}

function clusterLines(c: ClusterReport): string[] {
  const version = c.version ? `, ${c.version}` : '';
  const head = `cluster ${c.name} (${c.role}, ${c.server}${version}): ${c.state}`;
  const err = c.lastError !== undefined && !c.components.some((x) => x.error !== undefined) ? [`  error [${c.lastError.code}]: ${c.lastError.message}`] : [];
  const warn = c.warnings.map((w) => `  warning: ${w}`);
  return [head, ...err, ...warn, ...c.components.flatMap(componentLines)];
}

/** Counts planned changes by operation (create/update/delete…). */
export function countChanges(report: PassReport): Record<string, number> {
  const counts: Record<string, number> = {};
  const all = [...report.clusters.flatMap((c) => c.components), ...(report.registry ? [report.registry] : [])];
  for (const change of all.flatMap((c) => c.changes)) counts[change.op] = (counts[change.op] ?? 0) + 1;
  return counts;
}

/** The last line of a pass report: changes by op, write requests, converged or not. */
function summaryLine(report: PassReport): string {
  const counts = countChanges(report);
  const summary =
    Object.entries(counts)
      .map(([op, n]) => `${n} ${op}`)
      .join(', ') || 'no changes';
  const verb = report.mode === 'plan' ? 'Plan' : 'Apply';
  return `${verb}: ${summary}; ${report.writes} write request(s); ${report.converged ? 'converged' : 'NOT converged'}.`;
}

/** The human-readable form of a pass report, as `meshd plan` and `meshd apply` print it. */
export function formatPassReport(report: PassReport): string {
  const lines: string[] = [];
  if (report.endpoints)
    lines.push(
      `control plane ${report.controlPlane ?? '?'}: pilot ${report.endpoints.pilot}, policy ${report.endpoints.policy}, statsd ${report.endpoints.statsd}`,
    );
  for (const cluster of report.clusters) lines.push(...clusterLines(cluster));
  if (report.registry) lines.push(`registry on ${report.controlPlane ?? '?'}:`, ...componentLines(report.registry));
  if (report.held) lines.push(`removals held: ${report.held.clusters.join(', ')} — ${report.held.reason}`);
  for (const err of report.errors) lines.push(`error [${err.code}]: ${err.message}`);
  lines.push(summaryLine(report));
  return lines.join('\n') + '\n';
}
