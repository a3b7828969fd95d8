import type { ClusterFacts } from '@meshd/core/prereq';
import { describe, expect, it } from 'vitest';
import { allHold, judgeCidrs, judgeEndpoints, judgeIstiod, judgePilotFlags, judgeRootCert } from './checks.js';
import { formatVerifyTable } from './format.js';
import { clusterzUrl, parseClusterz } from './istiod.js';
import { inlineCredentialOf } from './published-credential.js';

const want = { pilot: '192.0.2.5', policy: '10.0.0.6', statsd: '10.0.0.7' };
const facts = (pods: string[], services: string[]): ClusterFacts => ({
  gitVersion: 'v1.34.4',
  major: '1',
  minor: '34',
  podCIDRs: pods,
  serviceCIDRs: services,
});

describe('judgeEndpoints', () => {
  it.each([
    ['every Endpoints holds the live IP', { pilot: ['192.0.2.5'], policy: ['10.0.0.6'], statsd: ['10.0.0.7'] }, 'ok', ''],
    [
      'a stale Pilot',
      { pilot: ['192.0.2.1'], policy: ['10.0.0.6'], statsd: ['10.0.0.7'] },
      'failed',
      'Endpoints istio-pilot holds 192.0.2.1, the live pilot is 192.0.2.5',
    ],
    ['two addresses', { pilot: ['192.0.2.5', '192.0.2.1'], policy: ['10.0.0.6'], statsd: ['10.0.0.7'] }, 'failed', 'holds 192.0.2.5, 192.0.2.1'],
    ['a missing Endpoints', { pilot: ['192.0.2.5'], policy: undefined, statsd: ['10.0.0.7'] }, 'failed', 'Endpoints istio-policy is missing (want 10.0.0.6)'],
    ['an empty Endpoints', { pilot: ['192.0.2.5'], policy: ['10.0.0.6'], statsd: [] }, 'failed', 'istio-statsd-prom-bridge holds no address'],
  ] as const)('%s', (_name, live, result, text) => {
    const r = judgeEndpoints('east', want, {
      pilot: live.pilot ? [...live.pilot] : undefined,
      policy: live.policy ? [...live.policy] : undefined,
      statsd: live.statsd ? [...live.statsd] : undefined,
    });
    expect(r.result).toBe(result);
    expect(r.detail).toContain(text);
    expect(r.cluster).toBe('east');
  });
});

describe('judgeRootCert', () => {
  it('holds when every copy has the control plane root, fails on a different or missing one', () => {
    expect(judgeRootCert('east', [{ namespace: 'default', controlPlane: 'ROOT\n', remote: 'ROOT' }]).result).toBe('ok');
    const bad = judgeRootCert('east', [
      { namespace: 'default', controlPlane: 'ROOT', remote: 'OTHER' },
      { namespace: 'app-1', controlPlane: 'ROOT' },
    ]);
    expect(bad).toMatchObject({ result: 'failed', code: 'MESHD_ERR_VERIFY' });
    expect(bad.detail).toContain("default: istio.default root-cert.pem differs from the control plane's; app-1: no istio.default copy");
    expect(judgeRootCert('east', []).result).toBe('failed');
  });
});

describe('judgePilotFlags', () => {
  it('names the flag found, or what is missing', () => {
    expect(judgePilotFlags('cp', { found: 'deployment', enabled: true, flags: ['--clusterRegistriesConfigMap multicluster'] }).detail).toContain(
      '--clusterRegistriesConfigMap multicluster',
    );
    expect(judgePilotFlags('cp', { found: 'deployment', enabled: false, flags: [] }).detail).toContain(
      'neither --clusterRegistriesConfigMap nor --clusterRegistriesDir',
    );
    expect(judgePilotFlags('cp', { found: 'no-deployment', enabled: false, flags: [] }).result).toBe('failed');
  });
});

describe('judgeCidrs', () => {
  it('holds for disjoint ranges and names both clusters of an overlap', () => {
    expect(
      judgeCidrs('cp', [
        { name: 'cp', facts: facts(['10.16.0.0/16'], ['10.96.0.0/16']) },
        { name: 'east', facts: facts(['10.17.0.0/16'], ['10.97.0.0/16']) },
      ]).result,
    ).toBe('ok');
    const overlap = judgeCidrs('cp', [
      { name: 'cp', facts: facts(['10.16.0.0/16'], ['10.96.0.0/16']) },
      { name: 'east', facts: facts(['10.17.0.0/16'], ['10.96.128.0/17']) },
    ]);
    expect(overlap.result).toBe('failed');
    expect(overlap.detail).toContain('cp service 10.96.0.0/16 overlaps east service 10.96.128.0/17');
  });
});

describe('judgeIstiod and /debug/clusterz', () => {
  it('wants every remote listed as synced', () => {
    const entries = [
      { id: 'cp', secretName: '', syncStatus: 'synced' },
      { id: 'east', secretName: 'istio-system/east', syncStatus: 'synced' },
      { id: 'west', syncStatus: 'Timeout' },
    ];
    expect(judgeIstiod(['east', 'west', 'north'], entries).map((r) => [r.cluster, r.result])).toEqual([
      ['east', 'ok'],
      ['west', 'failed'],
      ['north', 'failed'],
    ]);
  });

  it('parses the list and rejects what is not one', () => {
    expect(parseClusterz('[{"id":"a","syncStatus":"synced"},{"x":1},7]')).toEqual([{ id: 'a', syncStatus: 'synced' }]);
    expect(parseClusterz('{"id":"a"}')).toEqual({ invalid: 'it is not a JSON array' });
    expect(parseClusterz('<html>')).toEqual({ invalid: 'it is not JSON' });
    expect(clusterzUrl('http://127.0.0.1:15014/')).toBe('http://127.0.0.1:15014/debug/clusterz');
    expect(clusterzUrl('http://127.0.0.1:15014/debug/clusterz')).toBe('http://127.0.0.1:15014/debug/clusterz');
  });
});

describe('inlineCredentialOf (a kubeconfig read from a cluster is data)', () => {
  const kubeconfig = (user: string): string => `apiVersion: v1
kind: Config
clusters: [{ name: c, cluster: { server: "https://192.0.2.10:6443" } }]
users: [{ name: u, user: ${user} }]
contexts: [{ name: x, context: { cluster: c, user: u } }]
current-context: x
`;

  it('takes inline tokens and client certificates', () => {
    expect(inlineCredentialOf(kubeconfig('{ token: abc }'))).toEqual({ token: 'abc', server: 'https://192.0.2.10:6443' });
    expect(inlineCredentialOf(kubeconfig('{ client-certificate-data: Q0VSVA==, client-key-data: S0VZ }'))).toMatchObject({
      certData: 'Q0VSVA==',
      keyData: 'S0VZ',
    });
  });

  it.each([
    ['{ exec: { command: /bin/sh, args: [-c, "touch /tmp/pwned"] } }', 'exec'],
    ['{ tokenFile: /etc/shadow }', 'tokenFile'],
    ['{ client-certificate: /etc/ssl/a.pem, client-key: /etc/ssl/a.key }', 'client-certificate'],
    ['{ auth-provider: { name: gcp } }', 'auth-provider'],
    ['{ token: abc, as: admin }', 'as'],
  ])('refuses %s', (user, field) => {
    expect(inlineCredentialOf(kubeconfig(user))).toEqual({ refused: `its user uses ${field}, which needs a program or a file (istiod refuses it too)` });
  });

  it('refuses text that is not a kubeconfig with a credential', () => {
    expect(inlineCredentialOf('{')).toHaveProperty('refused');
    expect(inlineCredentialOf(kubeconfig('{}'))).toHaveProperty('refused');
    expect(inlineCredentialOf('a: &a [*a, *a]')).toHaveProperty('refused');
  });
});

describe('formatVerifyTable', () => {
  it('prints a row per check with the code of failures and a verdict', () => {
    const results = [
      judgePilotFlags('cp', { found: 'deployment', enabled: false, flags: [] }),
      { check: 'istiod-sync' as const, result: 'skipped' as const, detail: 'skipped: no istiod.debugUrl in meshd.yaml' },
    ];
    const text = formatVerifyTable(results);
    expect(text).toMatch(/^CHECK\s+CLUSTER\s+RESULT\s+DETAIL\n/);
    expect(text).toMatch(/pilot-flags\s+cp\s+FAILED\s+\[MESHD_ERR_VERIFY\] the discovery container/);
    expect(text).toMatch(/istiod-sync\s+\(mesh\)\s+skipped\s+skipped: no istiod.debugUrl/);
    expect(text).toContain('verify: 1 of 2 checks failed');
    expect(allHold(results)).toBe(false);
    expect(allHold(results.slice(1))).toBe(true);
  });
});
