import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readKubeconfig } from '../cluster/kubeconfig-view.js';
import {
  connectionIdentity,
  decodeFactsFile,
  encodeFactsFile,
  FACTS_FILE_FORMAT,
  factsEntryName,
  factsFileKey,
  MAX_FACTS_FILE_BYTES,
  type StoredFacts,
} from './facts-file.js';

const key = factsFileKey(Buffer.alloc(32, 7));
const name = (n: number): string => factsEntryName(key, `connection ${n}`);
const east: StoredFacts = {
  server: 'https://192.0.2.10:6443',
  readAt: 1_700_000_000_000,
  facts: { gitVersion: 'v1.34.4', major: '1', minor: '34', podCIDRs: ['10.244.0.0/24'], serviceCIDRs: undefined, identity: 'uid-east' },
};
const west: StoredFacts = {
  server: 'https://198.51.100.7',
  readAt: 1_700_000_060_000,
  facts: { gitVersion: 'v1.30.0-eks', major: '1', minor: '30+', podCIDRs: undefined, serviceCIDRs: ['10.96.0.0/12'] },
};
const file = encodeFactsFile(
  key,
  new Map([
    [name(1), east],
    [name(2), west],
  ]),
);

const storedFacts: fc.Arbitrary<StoredFacts> = fc.record({
  server: fc.string({ maxLength: 40 }),
  readAt: fc.integer({ min: -1e15, max: 1e15 }),
  facts: fc.record(
    {
      gitVersion: fc.string({ maxLength: 20 }),
      major: fc.string({ maxLength: 3 }),
      minor: fc.string({ maxLength: 4 }),
      podCIDRs: fc.option(fc.array(fc.string({ maxLength: 18 }), { maxLength: 5 }), { nil: undefined }),
      serviceCIDRs: fc.option(fc.array(fc.string({ maxLength: 18 }), { maxLength: 3 }), { nil: undefined }),
      identity: fc.string({ maxLength: 36 }),
    },
    { requiredKeys: ['gitVersion', 'major', 'minor', 'podCIDRs', 'serviceCIDRs'] },
  ),
});

describe('the cluster facts file', () => {
  it('round-trips any entries, under its own key only', () => {
    fc.assert(
      fc.property(fc.array(storedFacts, { maxLength: 6 }), (stored) => {
        const entries = new Map(stored.map((s, i) => [name(i), s]));
        const text = encodeFactsFile(key, entries);
        expect(decodeFactsFile(key, text)).toEqual(entries);
        expect(decodeFactsFile(factsFileKey(randomBytes(32)), text)).toMatchObject({ severity: 'warn', problem: expect.stringMatching(/MAC/) });
      }),
    );
  });

  it('restores a fact that could not be read (403) as undefined, not as a value', () => {
    const decoded = decodeFactsFile(key, file) as Map<string, StoredFacts>;
    expect(decoded.get(name(2))?.facts.podCIDRs).toBeUndefined();
    expect(decoded.get(name(1))?.facts.serviceCIDRs).toBeUndefined();
    expect(decoded.get(name(2))?.facts).not.toHaveProperty('identity');
  });

  it.each([
    ['empty (a crash before the rename was durable)', '', 'warn', /empty/],
    ['truncated', file.slice(0, file.length / 2), 'warn', /not JSON/],
    ['not an object', '[1,2,3]', 'warn', /not a facts file/],
    ['without a MAC', JSON.stringify({ format: FACTS_FILE_FORMAT, entries: {} }), 'warn', /not a facts file/],
    ['of another meshd version', file.replace(FACTS_FILE_FORMAT, 'meshd-cluster-facts/v2'), 'debug', /another meshd's format/],
    ['with a value edited', file.replace('10.244.0.0/24', '10.245.0.0/24'), 'warn', /MAC does not match/],
    ['with an entry dropped', file.replace(/,"[0-9a-f]{64}":\{"server":"https:\/\/198[^}]*\}\}/, ''), 'warn', /MAC does not match/],
    ['with a readAt moved forward', file.replace('1700000000000', '1790000000000'), 'warn', /MAC does not match/],
    ['larger than the limit', ' '.repeat(MAX_FACTS_FILE_BYTES + 1), 'warn', /larger than/],
  ])('a file %s is not used, with a %s line saying why', (_what, text, severity, problem) => {
    expect(decodeFactsFile(key, text)).toEqual({ severity, problem: expect.stringMatching(problem) });
  });

  it('rejects an authenticated entry of the wrong shape as a whole (never a partial file)', () => {
    const entries = new Map<string, StoredFacts>([
      [name(1), east],
      ['not-a-name', west],
    ]);
    expect(decodeFactsFile(key, encodeFactsFile(key, entries))).toMatchObject({ severity: 'warn', problem: 'an entry is not cluster facts' });
    const bad = { ...east, facts: { ...east.facts, podCIDRs: 'x' } } as unknown as StoredFacts;
    expect(decodeFactsFile(key, encodeFactsFile(key, new Map([[name(1), bad]])))).toMatchObject({ problem: 'an entry is not cluster facts' });
  });

  it('never throws on any text', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json(), fc.constantFrom(file.slice(0, 10), file.slice(10))), (text) => {
        const decoded = decodeFactsFile(key, text);
        expect(decoded instanceof Map || ('problem' in decoded && typeof decoded.problem === 'string')).toBe(true);
      }),
    );
  });
});

describe('connectionIdentity (what names an entry)', () => {
  const kubeconfig = (fields: { server?: string; ca?: string; token?: string; as?: string; tokenFile?: string }): string =>
    [
      'apiVersion: v1',
      'current-context: c',
      'contexts: [{ name: c, context: { cluster: k, user: u } }]',
      `clusters: [{ name: k, cluster: { server: "${fields.server ?? 'https://192.0.2.10:6443'}", certificate-authority-data: ${fields.ca ?? 'Q0EtMQ=='} } }]`,
      `users: [{ name: u, user: { ${fields.tokenFile ? `token-file: ${fields.tokenFile}` : `token: ${fields.token ?? 'secret-1'}`}${fields.as ? `, as: ${fields.as}` : ''} } }]`,
    ].join('\n');
  const entryOf = (text: string, files: Record<string, string> = {}): string => factsEntryName(key, connectionIdentity(readKubeconfig('east', text), files));

  it.each([
    ['another server', { server: 'https://192.0.2.11:6443' }],
    ['another CA', { ca: 'Q0EtMg==' }],
    ['another token', { token: 'secret-2' }],
    ['impersonation', { as: 'someone' }],
    ['a token file instead of the token', { tokenFile: '/etc/meshd/token' }],
  ])('differs for %s', (_what, fields) => {
    expect(entryOf(kubeconfig(fields))).not.toBe(entryOf(kubeconfig({})));
  });

  it('is the same for the same connection (another context name or comment changes nothing) and differs with a named file content', () => {
    expect(entryOf(`# joined 2026-12-03\n${kubeconfig({})}`)).toBe(entryOf(kubeconfig({})));
    const withFile = kubeconfig({ tokenFile: '/etc/meshd/token' });
    expect(entryOf(withFile, { '/etc/meshd/token': 'a' })).not.toBe(entryOf(withFile, { '/etc/meshd/token': 'b' }));
  });

  it('holds no credential in clear: the name is an HMAC under the file key', () => {
    const text = kubeconfig({ token: 'secret-token-value' });
    expect(entryOf(text)).toMatch(/^[0-9a-f]{64}$/);
    expect(factsEntryName(factsFileKey(Buffer.alloc(32, 8)), connectionIdentity(readKubeconfig('east', text), {}))).not.toBe(entryOf(text));
  });
});
