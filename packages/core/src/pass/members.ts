import { reportError, reportErrorOf } from '../errors.js';
import type { ClusterClient } from '../cluster/client.js';
import type { DiscoveredEndpoints } from '../discovery/components.js';
import { discoverEndpoints } from '../discovery/discover.js';
import { checkPrerequisites, prerequisiteError } from '../prereq/check.js';
import type { PrerequisiteInput, PrerequisiteReport } from '../prereq/check.js';
import type { HelmProbe } from '../prereq/check-versions.js';
import { pilotMulticlusterFlags } from '../prereq/pilot-flags.js';
import type { PilotMulticluster } from '../prereq/pilot-flags.js';
import { InFlightReads } from '../util/in-flight.js';
import { backendOf, baseReport, reconcileMember } from './remotes.js';
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

/** Pilot's flags being read, per control-plane client: the daemon's keys that start together read them once. */
const pilotFlagReads = new InFlightReads<PilotMulticluster>();

/**
 * Reads Pilot's multicluster flags on the control plane for the prerequisite check; undefined when it
 * cannot be read. A daemon key's pass (`startedAt` set) joins a read of the same control plane that
 * started after it did (InFlightReads): a Pilot move's remote keys read istio-pilot once, not once each.
 */
export function readPilotFlags(opts: Pick<PassOptions, 'signal' | 'startedAt'>, cp: ClusterClient): Promise<PilotMulticluster | undefined> {
  const reading =
    opts.startedAt === undefined
      ? pilotMulticlusterFlags(cp, opts.signal)
      : pilotFlagReads.get(cp, 'pilot-flags', { since: opts.startedAt, signal: opts.signal }, () => pilotMulticlusterFlags(cp));
  return reading.catch(() => undefined);
}

/** What the prerequisite check takes beyond the probes: the members already joined, and Pilot's flags when their read was started already (readPilotFlags). */
export interface PrerequisiteContext {
  joined: ReadonlySet<string>;
  pilotFlags?: Promise<PilotMulticluster | undefined>;
}

/** Gathers what the prerequisite check needs beyond the probes and judges every reachable cluster. */
export async function judgePrerequisites(
  opts: PassOptions,
  cp: ProbedCluster,
  remotes: readonly ProbedCluster[],
  { joined, pilotFlags = readPilotFlags(opts, cp.client) }: PrerequisiteContext,
): Promise<PrerequisiteReport> {
  const clusters = [cp, ...remotes].flatMap((p) => (p.facts ? [{ name: p.name, facts: p.facts, helmBinaries: helmBinariesOf(opts, p) }] : []));
  const input: PrerequisiteInput = { controlPlane: cp.name, clusters, joined };
  const helm = probeHelmClients(opts, clusters);
  const pilot = await pilotFlags;
  if (pilot) input.pilot = pilot;
  if (helm) input.helm = await helm;
  return checkPrerequisites(input);
}

/**
 * The helm clients the plugins serving a remote run (its backend's and its addons' `helmBinary`,
 * declared with `needs: ['helm']`); none for the control plane, or when its backend is not
 * registered (the member step reports that).
 */
export function helmBinariesOf(opts: Pick<PassOptions, 'plugins' | 'config'>, probe: Pick<ProbedCluster, 'name' | 'role' | 'backend'>): string[] {
  if (probe.role !== 'remote') return [];
  const backend = backendOf(probe, opts.config);
  const serving = opts.plugins.filter((p) => p.kind === 'addon' || p.name === backend);
  return serving.flatMap((p) => (p.needs.includes('helm') && p.helmBinary !== undefined ? [p.helmBinary] : []));
}

/** Each helm client some checked cluster needs, probed once (opts.helm); undefined when none is needed or there is no probe. */
function probeHelmClients(opts: PassOptions, clusters: readonly { helmBinaries: readonly string[] }[]): Promise<Record<string, HelmProbe>> | undefined {
  const probe = opts.helm;
  const binaries = [...new Set(clusters.flatMap((c) => c.helmBinaries))];
  if (probe === undefined || binaries.length === 0) return undefined;
  return Promise.all(binaries.map(async (b) => [b, await probe(b)] as const)).then((entries) => Object.fromEntries(entries));
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
