import type { ReportError } from '@meshd/core';
import type { ClusterStatus, MeshStatus } from '../../daemon/status/status.js';

function table(rows: string[][]): string[] {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) =>
    r
      .map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}

function shortTime(iso: string | undefined): string {
  return iso === undefined ? '-' : iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

function reachable(c: ClusterStatus): string {
  if (c.reachable) return 'yes';
  return c.unreachableSince !== undefined ? `no (since ${shortTime(c.unreachableSince)})` : 'no';
}

function oneLine(text: string | undefined, max = 80): string {
  if (text === undefined) return '';
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

function errorOf(c: ClusterStatus): ReportError | undefined {
  return c.lastError ?? c.release?.error ?? c.secrets?.error;
}

/** The CODE cell: the catalogue code to search for, `(parked)` when the daemon does not retry it until its input changes. */
function codeCell(c: ClusterStatus): string {
  const error = errorOf(c);
  if (error === undefined) return '-';
  return error.retry === 'terminal' ? `${error.code} (parked)` : error.code;
}

function clusterRows(clusters: readonly ClusterStatus[]): string[] {
  const header = ['CLUSTER', 'ROLE', 'REACHABLE', 'VERSION', 'STATE', 'RELEASE', 'SECRETS', 'CODE', 'LAST ERROR'];
  const rows = clusters.map((c) => [
    c.fromLastGood ? `${c.name}*` : c.name,
    c.role,
    reachable(c),
    c.version ?? '-',
    c.state,
    c.release?.state ?? '-',
    c.secrets?.state ?? '-',
    codeCell(c),
    oneLine(errorOf(c)?.message, 120),
  ]);
  return table([header, ...rows]);
}

/**
 * `meshd status` output: a readable summary of a /status body (the health of the mesh at a glance,
 * one row per cluster, then file errors). Pure.
 */
export function formatStatusTable(status: MeshStatus, url: string): string {
  const lines = [...summaryLines(status, url), ''];
  if (status.clusters.length > 0) lines.push(...clusterRows(status.clusters));
  else lines.push('no cluster reported yet');
  if (status.clusters.some((c) => c.fromLastGood)) lines.push('* running from the last good version of its descriptor (the file has errors)');
  if (status.errors.length > 0)
    lines.push('', 'errors:', ...status.errors.map((x) => `  [${x.code}${x.retry === 'terminal' ? ', parked' : ''}] ${oneLine(x.message, 160)}`));
  const findings = status.directory.findings;
  if (findings.length > 0) lines.push('', 'files:', ...findings.map((f) => `  ${f.file || '(directory)'}:${f.line}:${f.col}: ${f.severity}: ${f.message}`));
  if (status.removed.length > 0) lines.push('', `removed: ${status.removed.map((r) => `${r.name} (${shortTime(r.at)})`).join(', ')}`);
  if ((status.removalsHeld ?? []).length > 0)
    lines.push('', `removals held (confirm with meshd apply --allow-removals N): ${(status.removalsHeld ?? []).join(', ')}`);
  lines.push(...credentialLines(status));
  return `${lines.join('\n')}\n`;
}

/** Minted credentials (expiry, next rotation) and, with istiod.debugUrl, istiod's sync state per cluster. */
function credentialLines(status: MeshStatus): string[] {
  const lines: string[] = [];
  const creds = status.credentials ?? [];
  if (creds.length > 0) {
    const rows = creds.map((c) => [c.cluster, c.kind, shortTime(c.expiresAt), shortTime(c.rotateAt), status.istiod?.clusters[c.cluster] ?? '-']);
    lines.push('', 'credentials:', ...table([['CLUSTER', 'KIND', 'EXPIRES', 'ROTATES', 'ISTIOD'], ...rows]).map((l) => `  ${l}`));
  }
  const istiod = status.istiod;
  if (istiod) {
    const synced = Object.entries(istiod.clusters)
      .map(([id, sync]) => `${id} ${sync}`)
      .join(', ');
    lines.push(
      '',
      `istiod at ${istiod.url} (${shortTime(istiod.at)}): ${istiod.error !== undefined ? `unreadable: ${oneLine(istiod.error)}` : synced || 'no cluster'}`,
    );
  }
  return lines;
}

function summaryLines(status: MeshStatus, url: string): string[] {
  const lines: string[] = [];
  lines.push(`meshd at ${url}: ${status.ready ? 'ready' : `NOT READY (${status.readyReasons.join('; ')})`}`);
  if (status.leader) lines.push(`leader election: ${leaderText(status.leader)}`);
  const e = status.endpoints;
  lines.push(`control plane: ${status.controlPlane ?? '-'}    endpoints: ${e ? `pilot ${e.pilot}  policy ${e.policy}  statsd ${e.statsd}` : '-'}`);
  lines.push(directoryLine(status.directory));
  if (status.registry) lines.push(`registry: ${status.registry.state}${registryErrorText(status.registry.error)}`);
  lines.push(`last reconcile: ${lastReconcileText(status.lastReconcile)}    last success: ${shortTime(status.lastSuccessfulReconcile)}`);
  return lines;
}

/** Who leads: this meshd, or it stands by (naming the holder when known). */
function leaderText(leader: NonNullable<MeshStatus['leader']>): string {
  if (leader.isLeader) return 'this meshd leads';
  return `standby${leader.holder ? `, ${leader.holder} leads` : ''}`;
}

/** The directory's path, whether it is valid, and how many errors and warnings its files have. */
function directoryLine(d: MeshStatus['directory']): string {
  const errors = d.errors > 0 ? `, ${d.errors} error(s)` : '';
  const warnings = d.warnings > 0 ? `, ${d.warnings} warning(s)` : '';
  return `directory: ${d.path} (${d.valid ? 'valid' : 'INVALID'}${errors}${warnings})`;
}

/** The registry's error after its state, or nothing when it has none. */
function registryErrorText(error: ReportError | undefined): string {
  return error !== undefined ? ` ([${error.code}] ${oneLine(error.message)})` : '';
}

/** The last reconcile: its key, when, how it ended and how long it took; `-` before the first. */
function lastReconcileText(last: MeshStatus['lastReconcile']): string {
  if (!last) return '-';
  return `${last.key} at ${shortTime(last.at)}: ${last.result}${last.converged === false ? ', not converged' : ''} in ${last.durationMs} ms`;
}
