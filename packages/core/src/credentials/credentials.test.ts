import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hasCode } from '../errors.js';
import type { CredentialRecord } from '../state/credential-records.js';
import { istiodKubeconfigFindings, istiodProblems } from '../descriptor/istiod-usable.js';
import { choosesServerByPilotIp, publishedServerOf } from './published-server.js';
import { PILOT_READ_RULES, readerObjects } from './reader-rbac.js';
import { renderReaderKubeconfig } from './reader-kubeconfig.js';
import { decideCredential, nextCredentialEvent, retiringDue, rotationDueAt } from './rotation.js';
import type { RotationPolicy } from './rotation.js';
import { checkCaPem, checkTokenRequestStatus, MAX_TOKEN_BYTES } from './token-response.js';

const JWT = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl';
const endpoint = (clientCIDR: string, serverAddress: string): { clientCIDR: string; serverAddress: string } => ({ clientCIDR, serverAddress });

describe('publishedServerOf: what Pilot must dial', () => {
  it.each([
    {
      what: 'the override wins',
      override: 'https://203.0.113.9:6443',
      endpoints: [endpoint('0.0.0.0/0', '198.51.100.10:6443')],
      ip: undefined,
      want: 'https://203.0.113.9:6443',
      warns: false,
    },
    {
      what: 'one serverEndpoint',
      override: undefined,
      endpoints: [endpoint('198.51.100.0/24', '198.51.100.10:6443')],
      ip: undefined,
      want: 'https://198.51.100.10:6443',
      warns: false,
    },
    {
      what: "several: the most specific clientCIDR holding Pilot's IP",
      override: undefined,
      endpoints: [endpoint('0.0.0.0/0', '203.0.113.1'), endpoint('10.1.0.0/16', '198.51.100.10:6443'), endpoint('198.51.100.0/24', '192.0.2.1')],
      ip: '10.1.2.3',
      want: 'https://198.51.100.10:6443',
      warns: false,
    },
    {
      what: 'several, none holds the IP: the first, with a warning',
      override: undefined,
      endpoints: [endpoint('198.51.100.0/24', '203.0.113.1'), endpoint('172.16.0.0/12', '192.0.2.1')],
      ip: '192.168.1.1',
      want: 'https://203.0.113.1',
      warns: true,
    },
    { what: 'none: the kubeconfig server, with a warning', override: undefined, endpoints: [], ip: undefined, want: 'https://127.0.0.1:6443', warns: true },
  ])('$what', ({ override, endpoints, ip, want, warns }) => {
    const got = publishedServerOf({
      name: 'east',
      kubeconfigServer: 'https://127.0.0.1:6443',
      spec: { kubernetesApiEndpoints: { serverEndpoints: endpoints } },
      override,
      clientIp: ip,
    });
    expect(got.server).toBe(want);
    expect(got.warning !== undefined).toBe(warns);
  });
});

describe('choosesServerByPilotIp: whether a Pilot move can change what is published', () => {
  const ipv4 = fc.tuple(fc.constantFrom(10, 172, 192, 203), fc.nat(255), fc.nat(255), fc.nat(255)).map((p) => p.join('.'));
  const cidr = fc.tuple(ipv4, fc.integer({ min: 0, max: 32 })).map(([ip, prefix]) => `${ip}/${prefix}`);
  it('when it says no, publishedServerOf gives the same answer for any two Pilot IPs', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ clientCIDR: cidr, serverAddress: ipv4 }), { maxLength: 3 }),
        fc.option(fc.constant('https://203.0.113.9:6443'), { nil: undefined }),
        fc.option(ipv4, { nil: undefined }),
        fc.option(ipv4, { nil: undefined }),
        (endpoints, override, ipA, ipB) => {
          const spec = { kubernetesApiEndpoints: { serverEndpoints: endpoints } };
          if (choosesServerByPilotIp({ spec, override })) return;
          const at = (clientIp: string | undefined) =>
            publishedServerOf({ name: 'east', kubeconfigServer: 'https://127.0.0.1:6443', spec, override, clientIp });
          expect(at(ipA)).toEqual(at(ipB));
        },
      ),
    );
  });

  it('says yes for several serverEndpoints without an override, and they do choose by the IP', () => {
    const spec = { kubernetesApiEndpoints: { serverEndpoints: [endpoint('10.1.0.0/16', '198.51.100.10'), endpoint('10.2.0.0/16', '192.0.2.1')] } };
    expect(choosesServerByPilotIp({ spec, override: undefined })).toBe(true);
    expect(choosesServerByPilotIp({ spec, override: 'https://203.0.113.9:6443' })).toBe(false);
    expect(choosesServerByPilotIp({ spec: undefined, override: undefined })).toBe(false);
    const at = (clientIp: string) => publishedServerOf({ name: 'east', kubeconfigServer: 'https://127.0.0.1:6443', spec, clientIp }).server;
    expect(at('10.2.0.7')).not.toBe(at('10.1.0.7'));
  });
});

describe('reader RBAC', () => {
  it('grants get/list/watch only, on what Pilot reads plus configured rules', () => {
    const [sa, role, binding] = readerObjects({
      serviceAccount: 'reader',
      namespace: 'istio-system',
      rules: [{ apiGroups: ['networking.istio.io'], resources: ['serviceentries'], verbs: ['list'] }],
    });
    expect(sa).toMatchObject({ kind: 'ServiceAccount', metadata: { name: 'reader', namespace: 'istio-system' } });
    const rules = role?.rules as { verbs: string[]; resources: string[] }[];
    expect(rules).toHaveLength(PILOT_READ_RULES.length + 1);
    expect(rules.flatMap((r) => r.verbs).every((v) => ['get', 'list', 'watch'].includes(v))).toBe(true);
    expect(rules.flatMap((r) => r.resources)).not.toContain('secrets');
    expect(binding).toMatchObject({
      roleRef: { kind: 'ClusterRole', name: 'reader' },
      subjects: [{ kind: 'ServiceAccount', name: 'reader', namespace: 'istio-system' }],
    });
  });

  it('the rendered kubeconfig has inline data only', () => {
    const text = renderReaderKubeconfig({ cluster: 'east', server: 'https://198.51.100.10:6443', caPem: 'PEM', token: JWT, user: 'reader' });
    expect(istiodKubeconfigFindings('east.kube.conf', text)).toEqual([]);
    expect(text).toContain(JWT);
  });
});

describe('what istiod refuses in an operator kubeconfig', () => {
  const kubeconfig = (user: string): string =>
    [
      'apiVersion: v1',
      'clusters:',
      '  - name: c',
      '    cluster:',
      '      server: https://192.0.2.1',
      '      certificate-authority: /etc/ca.pem',
      'users:',
      '  - name: u',
      '    user:',
      user,
      'contexts: [{ name: x, context: { cluster: c, user: u } }]',
      'current-context: x',
      '',
    ].join('\n');
  it.each([
    { user: '      exec: { command: aws }', reason: 'exec is not allowed' },
    { user: '      auth-provider: { name: gcp }', reason: 'auth provider "gcp" is not allowed' },
    { user: '      client-key: /home/op/key.pem', reason: 'client-key is a file path' },
    { user: '      tokenFile: /var/run/token', reason: 'tokenFile is a file path' },
  ])('$reason', ({ user, reason }) => {
    const findings = istiodKubeconfigFindings('east.kube.conf', kubeconfig(user));
    expect(findings.map((f) => f.message).join('\n')).toContain(reason);
    expect(findings.find((f) => f.message.includes(reason))).toMatchObject({ file: 'east.kube.conf', line: 10, severity: 'warning' });
    expect(findings.some((f) => f.message.includes('certificate-authority is a file path'))).toBe(true);
  });

  it('never throws on arbitrary input', () => {
    fc.assert(fc.property(fc.anything(), (value) => Array.isArray(istiodProblems(value))));
    fc.assert(fc.property(fc.string(), (text) => Array.isArray(istiodKubeconfigFindings('x', text))));
  });
});

describe('TokenRequest answers are untrusted', () => {
  const now = new Date('2026-12-01T00:00:00Z');
  const lifetime = 600_000;
  it('accepts a JWT expiring within the asked lifetime', () => {
    const got = checkTokenRequestStatus('east', { token: JWT, expirationTimestamp: new Date(now.getTime() + lifetime) }, now, lifetime);
    expect(got.token).toBe(JWT);
  });
  it.each([
    { what: 'no status', status: undefined },
    { what: 'no token', status: { expirationTimestamp: new Date(now.getTime() + 1000) } },
    { what: 'not a JWT', status: { token: 'abc def', expirationTimestamp: new Date(now.getTime() + 1000) } },
    { what: 'huge', status: { token: `${'a'.repeat(MAX_TOKEN_BYTES)}.b.c`, expirationTimestamp: new Date(now.getTime() + 1000) } },
    { what: 'expired', status: { token: JWT, expirationTimestamp: new Date(now.getTime() - 1) } },
    { what: 'longer than asked', status: { token: JWT, expirationTimestamp: new Date(now.getTime() + 10 * lifetime) } },
    { what: 'a bad date', status: { token: JWT, expirationTimestamp: 'soon' } },
  ])('refuses $what with MESHD_ERR_CREDENTIAL', ({ status }) => {
    let caught: unknown;
    try {
      checkTokenRequestStatus('east', status, now, lifetime);
    } catch (err) {
      caught = err;
    }
    expect(hasCode(caught, 'MESHD_ERR_CREDENTIAL')).toBe(true);
  });
  it('any answer is either accepted as a JWT or refused with a code (property)', () => {
    fc.assert(
      fc.property(fc.anything(), (status) => {
        try {
          return /^[\w-]+\.[\w-]+\.[\w-]+$/.test(checkTokenRequestStatus('east', status, now, lifetime).token);
        } catch (err) {
          return hasCode(err, 'MESHD_ERR_CREDENTIAL');
        }
      }),
    );
  });
  it('a CA bundle must hold parseable certificates', () => {
    for (const pem of ['', 'hello', '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----', 'x'.repeat(300_000)]) {
      expect(() => checkCaPem('east', pem, 'test')).toThrow(/east/);
    }
  });
});

describe('rotation', () => {
  const policy: RotationPolicy = {
    serviceAccount: 'reader',
    namespace: 'istio-system',
    lifetimeMs: 86_400_000,
    rotateAt: 2 / 3,
    retireAfterMs: 30_000,
    legacy: false,
  };
  const record: CredentialRecord = {
    cluster: 'east',
    kind: 'token-request',
    serviceAccount: 'reader',
    namespace: 'istio-system',
    binding: { namespace: 'istio-system', name: 'reader-1', uid: 'u1' },
    token: JWT,
    caPem: 'PEM',
    issuedAt: '2026-12-01T00:00:00.000Z',
    expiresAt: '2026-12-02T00:00:00.000Z',
    retiring: [],
  };
  it.each([
    { what: 'no record: mint', rec: undefined, at: '2026-12-01T00:00:00Z', want: 'mint' },
    { what: 'before two thirds: keep', rec: record, at: '2026-12-01T15:59:59Z', want: 'keep' },
    { what: 'at two thirds: mint', rec: record, at: '2026-12-01T16:00:00Z', want: 'mint' },
    { what: 'another ServiceAccount: mint', rec: { ...record, serviceAccount: 'other' }, at: '2026-12-01T01:00:00Z', want: 'mint' },
    { what: 'legacy kind switched: mint', rec: { ...record, kind: 'legacy-token' as const }, at: '2026-12-01T01:00:00Z', want: 'mint' },
  ])('$what', ({ rec, at, want }) => {
    expect(decideCredential(rec, policy, new Date(at)).action).toBe(want);
  });
  it.each([
    { binding: 'present' as const, want: 'keep' },
    { binding: 'unknown' as const, want: 'keep' },
    { binding: 'gone' as const, want: 'mint' },
  ])('a fresh credential whose binding Secret is $binding: $want', ({ binding, want }) => {
    const decision = decideCredential(record, policy, new Date('2026-12-01T01:00:00Z'), binding);
    expect(decision.action).toBe(want);
    if (decision.action === 'mint')
      expect(decision.reason).toBe('its binding Secret istio-system/reader-1 was deleted outside meshd: the published token is revoked');
  });
  it('the rotation always comes before the expiry, for any lifetime and fraction (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 600, max: 31_536_000 }), fc.double({ min: 0.01, max: 0.99, noNaN: true }), (seconds, rotateAt) => {
        const r = { ...record, expiresAt: new Date(Date.parse(record.issuedAt) + seconds * 1000).toISOString() };
        const due = rotationDueAt(r, rotateAt);
        return due !== undefined && due.getTime() < Date.parse(r.expiresAt) && due.getTime() >= Date.parse(r.issuedAt);
      }),
    );
  });
  it('a replaced credential is revoked only once its successor was published for retireAfter', () => {
    const replaced = { ...record, retiring: [{ namespace: 'istio-system', name: 'reader-0', uid: 'u0' }] };
    expect(retiringDue(replaced, policy, new Date('2026-12-01T00:10:00Z'))).toEqual([]);
    const published = { ...replaced, publishedAt: '2026-12-01T00:00:10.000Z' };
    expect(retiringDue(published, policy, new Date('2026-12-01T00:00:20Z'))).toEqual([]);
    expect(retiringDue(published, policy, new Date('2026-12-01T00:00:40Z'))).toEqual(replaced.retiring);
    expect(nextCredentialEvent(published, policy)?.toISOString()).toBe('2026-12-01T00:00:40.000Z');
    expect(nextCredentialEvent({ ...record, kind: 'legacy-token', expiresAt: undefined } as unknown as CredentialRecord, policy)).toBeUndefined();
  });
});
