import { reportError, reportErrorOf } from '../errors.js';
import type { ClusterClient } from '../cluster/client.js';
import type { DiscoveredEndpoints } from '../discovery/components.js';
import { discoverEndpoints } from '../discovery/discover.js';
import { checkPrerequisites, prerequisiteError } from '../prereq/check.js';
import type { PrerequisiteInput, PrerequisiteReport } from '../prereq/check.js';
import { pilotMulticlusterFlags } from '../prereq/pilot-flags.js';
import { baseReport, reconcileMember } from './remotes.js';
import type { MemberContext, ProbedCluster } from './remotes.js';
import type { ClusterReport, ControlPlanePodSource, PassOptions, PassReport } from './types.js';

/**
 * Discovers Pilot/policy/statsd, keeping the previous choice while it stays eligible; the pods come
 * from `pods` (the daemon's watch cache) when it can answer, else from a list. Errors go to the report.
 */
export async function discover(
  opts: PassOptions,
  cp: ClusterClient,
  report: PassReport,
  pods?: ControlPlanePodSource,
): Promise<DiscoveredEndpoints | undefined> {
  try {
    return await discoverEndpoints(cp, opts.config.endpoints, { signal: opts.signal, previous: opts.previousEndpoints, ...(pods ? { pods } : {}) });
  } catch (err) {
    report.errors.push(reportErrorOf(err));
    return undefined;
  }
}

/** Gathers what the prerequisite check needs beyond the probes and judges every reachable cluster. */
export async function judgePrerequisites(
  opts: PassOptions,
  cp: ProbedCluster,
  remotes: readonly ProbedCluster[],
  joined: ReadonlySet<string>,
): Promise<PrerequisiteReport> {
  const clusters = [cp, ...remotes].flatMap((p) => (p.facts ? [{ name: p.name, facts: p.facts, usesHelm: p.role === 'remote' }] : []));
  const input: PrerequisiteInput = { controlPlane: cp.name, clusters, joined };
  const pilot = await pilotMulticlusterFlags(cp.client, opts.signal).catch(() => undefined);
  if (pilot) input.pilot = pilot;
  if (opts.helm) input.helm = opts.helm;
  return checkPrerequisites(input);
}

/** Reconciles one member; blocked and unreachable clusters are reported and left untouched. */
export async function member(ctx: MemberContext, probe: ProbedCluster, prereq: PrerequisiteReport): Promise<ClusterReport> {
  const warnings = (prereq.findings[probe.name] ?? []).filter((f) => f.severity === 'warning').map((f) => f.message);
  if (!probe.facts) return baseReport(probe);
  const blocked = prerequisiteError(prereq, probe.name);
  if (blocked) return { ...baseReport(probe), state: 'blocked', lastError: reportError('MESHD_ERR_PREREQUISITE', blocked.message), warnings };
  const report = await reconcileMember(probe, ctx);
  report.warnings.push(...warnings);
  return report;
}
