import { describe, expect, it } from 'vitest';
import { checkPrerequisites, prerequisiteError } from './check.js';
import type { ClusterToCheck, PrerequisiteInput } from './check.js';
import type { ClusterFacts } from './facts.js';
import type { PilotMulticluster } from './pilot-flags.js';

function facts(over: Partial<ClusterFacts> = {}): ClusterFacts {
  return { gitVersion: 'v1.34.4', major: '1', minor: '34', podCIDRs: ['10.0.0.0/24'], serviceCIDRs: ['10.96.0.0/16'], ...over };
}

/** Three healthy clusters with distinct ranges: cp (control plane), east, west. */
function mesh(over: Record<string, Partial<ClusterFacts>> = {}, usesHelm = true): ClusterToCheck[] {
  const base: Record<string, ClusterFacts> = {
    cp: facts({ podCIDRs: ['10.1.0.0/24'], serviceCIDRs: ['10.101.0.0/16'] }),
    east: facts({ podCIDRs: ['10.2.0.0/24', '10.2.1.0/24'], serviceCIDRs: ['10.102.0.0/16'] }),
    west: facts({ podCIDRs: ['10.3.0.0/24'], serviceCIDRs: ['10.103.0.0/16', 'fd00:103::/112'] }),
  };
  return Object.entries(base).map(([name, f]) => ({ name, facts: { ...f, ...over[name] }, helmBinaries: usesHelm && name !== 'cp' ? ['helm'] : [] }));
}

const ok: PilotMulticluster = { found: 'deployment', enabled: true, flags: ['--clusterRegistriesConfigMap=multicluster'] };
const input = (clusters: ClusterToCheck[], more: Partial<PrerequisiteInput> = {}): PrerequisiteInput => ({
  controlPlane: 'cp',
  clusters,
  pilot: ok,
  helm: { helm: { output: 'v3.19.5+g1a2b3c4' } },
  ...more,
});
const codes = (report: ReturnType<typeof checkPrerequisites>, cluster: string): string[] =>
  (report.findings[cluster] ?? []).map((f) => `${f.severity}:${f.code}`);

describe('checkPrerequisites: a healthy mesh', () => {
  it('has an empty findings list for every cluster and blocks nothing', () => {
    const report = checkPrerequisites(input(mesh()));
    expect(report.findings).toEqual({ cp: [], east: [], west: [] });
    expect([...report.blocked]).toEqual([]);
    expect(prerequisiteError(report, 'east')).toBeUndefined();
  });
});

describe('checkPrerequisites: Kubernetes version', () => {
  it.each([
    ['v1.7.3', 'v1.7.3', '1', '7', []],
    ['v1.7.3-gke.1', 'v1.7.3-gke.1', '1', '7', []],
    ['v1.10.0', 'v1.10.0', '1', '10', []],
    ['v1.7.2', 'v1.7.2', '1', '7', ['error:KUBERNETES_TOO_OLD']],
    ['v1.6.13', 'v1.6.13', '1', '6', ['error:KUBERNETES_TOO_OLD']],
    ['an unstamped build v0.0.0', 'v0.0.0-master+$Format:%H$', '', '', ['error:KUBERNETES_TOO_OLD']],
    ['malformed gitVersion, minor 8+', 'weird', '1', '8+', []],
    ['malformed gitVersion, minor 6', 'weird', '1', '6', ['error:KUBERNETES_TOO_OLD']],
    ['malformed gitVersion, minor 7 (patch unknown)', 'weird', '1', '7', ['warning:KUBERNETES_VERSION_UNKNOWN']],
    ['nothing parses', '', 'x', '', ['warning:KUBERNETES_VERSION_UNKNOWN']],
  ])('%s', (_label, gitVersion, major, minor, expected) => {
    const report = checkPrerequisites(input(mesh({ east: { gitVersion, major, minor } })));
    expect(codes(report, 'east')).toEqual(expected);
    expect(report.blocked.has('east')).toBe(expected.some((c) => c.startsWith('error')));
    expect(codes(report, 'west')).toEqual([]);
  });

  it('says which version and which minimum', () => {
    const report = checkPrerequisites(input(mesh({ west: { gitVersion: 'v1.6.0', minor: '6' } })));
    expect(report.findings.west?.[0]?.message).toBe('cluster west: Kubernetes v1.6.0 is older than 1.7.3, the oldest Istio 0.8 multicluster supports');
    expect(prerequisiteError(report, 'west')).toMatchObject({ code: 'MESHD_ERR_PREREQUISITE', terminal: false, message: report.findings.west?.[0]?.message });
  });
});

describe('checkPrerequisites: CIDR overlap', () => {
  it('pod CIDRs overlapping between two remotes block both and name both', () => {
    const report = checkPrerequisites(input(mesh({ west: { podCIDRs: ['10.2.0.0/16'] } })));
    expect(codes(report, 'east')).toEqual(['error:CIDR_OVERLAP']);
    expect(codes(report, 'west')).toEqual(['error:CIDR_OVERLAP']);
    expect(report.findings.east?.[0]?.message).toBe(
      'clusters east and west have overlapping address ranges: east pod 10.2.0.0/24 overlaps west pod 10.2.0.0/16; east pod 10.2.1.0/24 overlaps west pod 10.2.0.0/16',
    );
    expect([...report.blocked].sort()).toEqual(['east', 'west']);
  });

  it('a remote overlapping the control plane is blocked; the control plane only warned', () => {
    const report = checkPrerequisites(input(mesh({ east: { serviceCIDRs: ['10.101.128.0/20'] } })));
    expect(codes(report, 'east')).toEqual(['error:CIDR_OVERLAP']);
    expect(codes(report, 'cp')).toEqual(['warning:CIDR_OVERLAP']);
    expect(report.findings.cp?.[0]?.message).toContain('cp service 10.101.0.0/16 overlaps east service 10.101.128.0/20');
    expect([...report.blocked]).toEqual(['east']);
  });

  it('pod range of one cluster against service range of another counts', () => {
    const report = checkPrerequisites(input(mesh({ west: { podCIDRs: ['10.102.5.0/24'] } })));
    expect(report.findings.west?.[0]?.message).toContain('east service 10.102.0.0/16 overlaps west pod 10.102.5.0/24');
  });

  it('an already joined remote stays joined; only the newcomer is blocked', () => {
    const report = checkPrerequisites(input(mesh({ west: { podCIDRs: ['10.2.0.0/16'] } }), { joined: new Set(['east']) }));
    expect(codes(report, 'east')).toEqual(['warning:CIDR_OVERLAP']);
    expect(codes(report, 'west')).toEqual(['error:CIDR_OVERLAP']);
  });

  it('IPv6 service ranges overlap too; different families never do', () => {
    const v6 = checkPrerequisites(input(mesh({ east: { serviceCIDRs: ['10.102.0.0/16', 'fd00:103::8000/113'] } })));
    expect(codes(v6, 'east')).toEqual(['error:CIDR_OVERLAP']);
    const mixed = checkPrerequisites(input(mesh({ east: { serviceCIDRs: ['10.102.0.0/16', 'fd00:104::/112', '::ffff:10.3.0.0/120'] } })));
    expect(codes(mixed, 'east')).toEqual([]);
  });

  it('lists at most three overlapping pairs, then counts the rest', () => {
    const many = ['10.2.0.0/24', '10.2.1.0/24', '10.2.2.0/24', '10.2.3.0/24', '10.2.4.0/24'];
    const report = checkPrerequisites(input(mesh({ east: { podCIDRs: many }, west: { podCIDRs: ['10.2.0.0/16'] } })));
    expect(report.findings.west?.[0]?.message).toMatch(/10\.2\.2\.0\/24 overlaps west pod 10\.2\.0\.0\/16 \(and 2 more\)$/);
  });

  it('unknown or malformed ranges are warnings, not overlaps', () => {
    const report = checkPrerequisites(
      input(
        mesh({
          east: { podCIDRs: [], serviceCIDRs: undefined },
          west: { podCIDRs: undefined, serviceCIDRs: ['10.103.0.0/16', '10.1.0.0'] },
        }),
      ),
    );
    expect(codes(report, 'east')).toEqual(['warning:POD_CIDR_UNKNOWN', 'warning:SERVICE_CIDR_UNKNOWN']);
    expect(codes(report, 'west')).toEqual(['warning:POD_CIDR_UNKNOWN', 'warning:CIDR_INVALID']);
    expect(report.findings.west?.[1]?.message).toBe('cluster west: service CIDR "10.1.0.0" is not a CIDR; it is left out of the overlap check');
    expect(report.findings.east?.[0]?.message).toContain('no Node reports spec.podCIDR');
    expect(report.findings.west?.[0]?.message).toContain('its Nodes cannot be read');
    expect([...report.blocked]).toEqual([]);
  });

  it('does not depend on the order of the clusters', () => {
    const clusters = mesh({ west: { podCIDRs: ['10.2.0.0/16'] }, east: { gitVersion: 'v1.6.0' } });
    const a = checkPrerequisites(input(clusters));
    const b = checkPrerequisites(input([...clusters].reverse()));
    expect(b.findings).toEqual(a.findings);
    expect([...b.blocked].sort()).toEqual([...a.blocked].sort());
  });
});

describe('checkPrerequisites: Pilot multicluster', () => {
  it.each<[PilotMulticluster, string[]]>([
    [{ found: 'deployment', enabled: false, flags: [] }, ['warning:PILOT_NOT_MULTICLUSTER']],
    [{ found: 'no-deployment', enabled: false, flags: [] }, ['warning:PILOT_NOT_FOUND']],
    [{ found: 'no-discovery-container', enabled: false, flags: [] }, ['warning:PILOT_NOT_FOUND']],
    [ok, []],
  ])('%j', (pilot, expected) => {
    const report = checkPrerequisites(input(mesh(), { pilot }));
    expect(codes(report, 'cp')).toEqual(expected);
    expect([...report.blocked]).toEqual([]);
  });

  it('is not checked when Pilot could not be read', () => {
    expect(checkPrerequisites(input(mesh(), { pilot: undefined })).findings.cp).toEqual([]);
  });
});

describe('checkPrerequisites: helm', () => {
  it.each([
    ['v2.7.2+g123', []],
    ['Client: v2.17.0+ga690bad', []],
    ['v3.19.5+g1a2b3c4', []],
    ['v2.7.1+g123', ['error:HELM_TOO_OLD']],
    ['Client: v2.6.0+g123\nServer: v2.17.0', ['error:HELM_TOO_OLD']],
    ['garbage', ['warning:HELM_VERSION_UNKNOWN']],
  ])('%j: an error on every remote using helm, never on the control plane', (output, expected) => {
    const report = checkPrerequisites(input(mesh(), { helm: { helm: { output } } }));
    expect(codes(report, 'east')).toEqual(expected);
    expect(codes(report, 'west')).toEqual(expected);
    expect(codes(report, 'cp')).toEqual([]);
  });

  it('a helm that cannot run blocks the remotes that need it and names why', () => {
    const report = checkPrerequisites(input(mesh(), { helm: { helm: { failure: 'spawn helm ENOENT' } } }));
    expect(report.findings.east).toEqual([
      { severity: 'error', code: 'HELM_UNAVAILABLE', message: 'cluster east: the helm binary could not be run: spawn helm ENOENT' },
    ]);
    expect([...report.blocked].sort()).toEqual(['east', 'west']);
  });

  it('remotes not using a helm backend are not judged on helm', () => {
    const report = checkPrerequisites(input(mesh({}, false), { helm: { helm: { output: 'v2.0.0' } } }));
    expect([...report.blocked]).toEqual([]);
  });

  it('judges each remote on the helm client its plugins run (a mixed mesh: one client too old, the other fine)', () => {
    const clusters = mesh().map((c) => (c.name === 'east' ? { ...c, helmBinaries: ['/opt/helm2/helm'] } : c));
    const report = checkPrerequisites(input(clusters, { helm: { helm: { output: 'v3.19.5' }, '/opt/helm2/helm': { output: 'Client: v2.6.0+g1' } } }));
    expect(codes(report, 'east')).toEqual(['error:HELM_TOO_OLD']);
    expect(codes(report, 'west')).toEqual([]);
    expect([...report.blocked]).toEqual(['east']);
  });

  it('a client that was not probed is not judged (no finding, nothing blocked)', () => {
    const report = checkPrerequisites(input(mesh(), { helm: {} }));
    expect(codes(report, 'east')).toEqual([]);
    expect([...report.blocked]).toEqual([]);
  });

  it('reports the parsed version in the message', () => {
    const report = checkPrerequisites(input(mesh(), { helm: { helm: { output: 'Client: v2.7.1+g123' } } }));
    expect(report.findings.east?.[0]?.message).toBe('cluster east: helm 2.7.1 is older than 2.7.2, which the helm backends need');
  });
});

describe('prerequisiteError', () => {
  it('joins every error of a blocked cluster, leaving warnings out', () => {
    const report = checkPrerequisites(input(mesh({ west: { gitVersion: 'v1.5.0', minor: '5', podCIDRs: ['10.2.0.0/16'], serviceCIDRs: undefined } })));
    const err = prerequisiteError(report, 'west');
    expect(err?.message).toBe(
      'cluster west: Kubernetes v1.5.0 is older than 1.7.3, the oldest Istio 0.8 multicluster supports; clusters east and west have overlapping address ranges: east pod 10.2.0.0/24 overlaps west pod 10.2.0.0/16; east pod 10.2.1.0/24 overlaps west pod 10.2.0.0/16',
    );
  });
});
