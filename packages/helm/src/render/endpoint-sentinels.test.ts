import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { releaseValues } from '../istio-remote-values.js';
import { sentinelEndpoints, sentinelFinding, sentinelSetMap, shapeRenderFinding, shapeValuesFinding, substituteLeaves } from './endpoint-sentinels.js';

const MOVE = { pilot: '10.0.0.5', policy: '10.0.0.6', statsd: '10.0.0.6' };

describe('sentinelEndpoints', () => {
  it.each([
    ['three distinct IPv4', { pilot: '10.0.0.1', policy: '10.0.0.2', statsd: '10.0.0.3' }, ['198.51.100.251', '198.51.100.252', '198.51.100.253']],
    ['policy and statsd on one pod', MOVE, ['198.51.100.251', '198.51.100.252', '198.51.100.252']],
    ['all on one pod', { pilot: '10.0.0.1', policy: '10.0.0.1', statsd: '10.0.0.1' }, ['198.51.100.251', '198.51.100.251', '198.51.100.251']],
    ['mixed families', { pilot: 'fd00::5', policy: '10.0.0.2', statsd: 'fd00::6' }, ['2001:db8:5e::a1', '198.51.100.251', '2001:db8:5e::a2']],
  ])('%s', (_name, endpoints, expected) => {
    const shape = sentinelEndpoints(endpoints, 'a');
    expect([shape?.endpoints.pilot, shape?.endpoints.policy, shape?.endpoints.statsd]).toEqual(expected);
    for (const [sentinel, address] of shape?.binding ?? []) {
      expect(Object.values(endpoints)).toContain(address);
      expect(expected).toContain(sentinel);
    }
  });

  it.each([
    ['a hostname', { ...MOVE, pilot: 'pilot.example' }],
    ['a missing endpoint', { pilot: '10.0.0.1', policy: '10.0.0.2' }],
    ['IP:port', { ...MOVE, statsd: '10.0.0.7:9125' }],
  ])('refuses %s', (_name, endpoints) => {
    expect(sentinelEndpoints(endpoints, 'a')).toBeUndefined();
  });

  it('gives two moves with the same equalities and families the same shape', () => {
    const before = sentinelEndpoints(MOVE, 'a');
    const after = sentinelEndpoints({ ...MOVE, pilot: '10.0.9.9' }, 'a');
    expect(after?.endpoints).toEqual(before?.endpoints);
  });

  it('maps set a to set b endpoint by endpoint', () => {
    const a = sentinelEndpoints(MOVE, 'a')!;
    const b = sentinelEndpoints(MOVE, 'b')!;
    expect(Object.fromEntries(sentinelSetMap(a, b))).toEqual({ '198.51.100.251': '203.0.113.251', '198.51.100.252': '203.0.113.252' });
  });
});

describe('sentinelFinding', () => {
  const sentinels = ['198.51.100.251'];
  it.each([
    ['a whole string value', { spec: { ip: '198.51.100.251' } }, undefined],
    ['in a list', { ips: ['198.51.100.251', 'x'] }, undefined],
    ['absent', { a: 1, b: null, c: true }, undefined],
    ['inside a longer string', { url: 'tcp://198.51.100.251:15010' }, 'doc.url: sentinel 198.51.100.251 inside a longer string'],
    ['as a longer address', { ip: '198.51.100.2510' }, 'doc.ip: sentinel 198.51.100.251 inside a longer string'],
    ['in a key', { data: { '198.51.100.251': 'x' } }, 'doc.data: sentinel in the key 198.51.100.251'],
    ['as an object name', { metadata: { name: '198.51.100.251' } }, "doc.metadata.name: a sentinel is an object's name"],
    ['in a list item string', { args: ['--pilot=198.51.100.251'] }, 'doc.args[0]: sentinel 198.51.100.251 inside a longer string'],
  ])('%s', (_name, value, expected) => {
    expect(sentinelFinding(value, 'doc', sentinels)).toBe(expected);
  });
});

describe('shapeValuesFinding', () => {
  const a = sentinelEndpoints(MOVE, 'a')!;
  const valuesOf = (user: Record<string, unknown>, endpoints = MOVE): Record<string, unknown> => releaseValues(endpoints, user, { overrides: {} });

  it.each([
    ['the default mapping', {}, undefined],
    ['other user values', { global: { hub: 'example.com/istio', tag: '0.8.0' } }, undefined],
    ['an endpoint inside a longer string', { extra: 'grpc://${pilot}:15010' }, 'values.extra: sentinel 198.51.100.251 inside a longer string'],
    ['a user value equal to a sentinel', { extra: '198.51.100.252' }, 'values: a sentinel address is also used elsewhere in the values'],
  ])('%s', (_name, user, expected) => {
    expect(shapeValuesFinding(valuesOf(user, a.endpoints), valuesOf(user), a.binding)).toBe(expected);
  });
});

describe('shapeRenderFinding', () => {
  const a = sentinelEndpoints(MOVE, 'a')!;
  const b = sentinelEndpoints(MOVE, 'b')!;
  const endpointsObject = (ip: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
    kind: 'Endpoints',
    metadata: { name: 'istio-pilot', annotations: extra },
    subsets: [{ addresses: [{ ip }] }],
  });

  it.each([
    ['a chart that copies the address', endpointsObject('198.51.100.251'), endpointsObject('203.0.113.251'), undefined],
    [
      'a chart that hashes the address',
      endpointsObject('198.51.100.251', { checksum: 'aaa' }),
      endpointsObject('203.0.113.251', { checksum: 'bbb' }),
      'render: the chart does not only copy the endpoint addresses',
    ],
    [
      'a chart that prints a sentinel of its own',
      endpointsObject('198.51.100.251', { fixed: '198.51.100.252' }),
      endpointsObject('203.0.113.251', { fixed: '198.51.100.252' }),
      'render: the chart does not only copy the endpoint addresses',
    ],
    [
      'a chart that puts the address in a URL',
      endpointsObject('198.51.100.251', { url: 'http://198.51.100.251' }),
      endpointsObject('203.0.113.251', { url: 'http://203.0.113.251' }),
      'render[0].metadata.annotations.url: sentinel 198.51.100.251 inside a longer string',
    ],
  ])('%s', (_name, first, second, expected) => {
    expect(shapeRenderFinding([first], [second], sentinelSetMap(a, b))).toBe(expected);
  });
});

/** JSON-like trees whose strings are never IPv4 addresses of the generated kind. */
const tree = fc.letrec((tie) => ({
  leaf: fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.boolean(), fc.constant(null)),
  node: fc.oneof(
    { depthSize: 'small' },
    tie('leaf'),
    fc.array(tie('node'), { maxLength: 4 }),
    fc.dictionary(fc.string({ maxLength: 6 }), tie('node'), { maxKeys: 4 }),
  ),
})).node;
const ipv4 = fc.tuple(fc.integer({ min: 1, max: 223 }), fc.nat(255), fc.nat(255), fc.integer({ min: 1, max: 254 })).map((parts) => parts.join('.'));

/** `value` with some leaves replaced by sentinels (a list of 1–3 of them, by index). */
function withSentinels(value: unknown, sentinels: readonly string[], picks: readonly number[]): unknown {
  let i = 0;
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    const pick = picks[i++ % picks.length] ?? 0;
    return pick < sentinels.length ? sentinels[pick] : v;
  };
  return walk(value);
}

describe('substitution properties', () => {
  it('sentinel → IP then IP → sentinel round-trips, and a whole-value tree is found safe', () => {
    fc.assert(
      fc.property(tree, fc.array(fc.nat(5), { minLength: 1, maxLength: 6 }), fc.uniqueArray(ipv4, { minLength: 3, maxLength: 3 }), (value, picks, ips) => {
        const shape = sentinelEndpoints({ pilot: ips[0]!, policy: ips[1]!, statsd: ips[2]! }, 'a')!;
        const sentinels = [...shape.binding.keys()];
        const withS = withSentinels(value, sentinels, picks);
        fc.pre(JSON.stringify(value).match(/\d+\.\d+\.\d+\.\d+/) === null);
        const inverse = new Map([...shape.binding].map(([s, ip]) => [ip, s]));
        expect(substituteLeaves(substituteLeaves(withS, shape.binding), inverse)).toEqual(withS);
        expect(sentinelFinding(withS, 'v', sentinels)).toBeUndefined();
      }),
    );
  });

  it('refuses any tree where a sentinel appears inside a longer string', () => {
    fc.assert(
      fc.property(tree, fc.string({ maxLength: 4 }), fc.string({ maxLength: 4 }), (value, before, after) => {
        fc.pre(before !== '' || after !== '');
        const shape = sentinelEndpoints(MOVE, 'a')!;
        const sentinel = shape.endpoints.pilot;
        const spoiled = { value, spoiled: `${before}${sentinel}${after}` };
        expect(sentinelFinding(spoiled, 'v', [...shape.binding.keys()])).toMatch(/inside a longer string/);
      }),
    );
  });
});
