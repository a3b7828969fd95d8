import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { heapOfMetrics, slopePerHour, UNIT_FILE, unitNodeOptions } from './soak.js';

describe('slopePerHour', () => {
  it('is the least-squares slope in MB per hour, 0 without enough samples', () => {
    expect(slopePerHour([])).toBe(0);
    expect(slopePerHour([{ atHours: 0, rssMb: 100 }])).toBe(0);
    expect(
      slopePerHour([
        { atHours: 0, rssMb: 100 },
        { atHours: 0.5, rssMb: 110 },
        { atHours: 1, rssMb: 120 },
      ]),
    ).toBeCloseTo(20);
    expect(
      slopePerHour([
        { atHours: 0, rssMb: 100 },
        { atHours: 1, rssMb: 100 },
      ]),
    ).toBe(0);
  });
});

describe('slopePerHour of another value', () => {
  it('fits the value it is given', () => {
    const samples = [0, 0.5, 1].map((atHours, i) => ({ atHours, rssMb: 100, heapUsedMb: 30 + i }));
    expect(slopePerHour(samples)).toBe(0);
    expect(slopePerHour(samples, (s) => s.heapUsedMb)).toBeCloseTo(2);
  });
});

describe('heapOfMetrics', () => {
  const metrics = [
    '# HELP meshd_nodejs_heap_size_total_bytes Process heap size from Node.js in bytes.',
    '# TYPE meshd_nodejs_heap_size_total_bytes gauge',
    'meshd_nodejs_heap_size_total_bytes 46784512',
    'meshd_nodejs_heap_size_used_bytes 37748736',
    'meshd_nodejs_heap_space_size_used_bytes{space="old"} 1',
  ].join('\n');

  it.each([
    ['both gauges', metrics, { heapUsedMb: 36, heapTotalMb: 44.6171875 }],
    [
      'both gauges and the code space',
      `${metrics}\nmeshd_nodejs_heap_space_size_used_bytes{space="code"} 5242880`,
      { heapUsedMb: 36, heapTotalMb: 44.6171875, codeMb: 5 },
    ],
    ['no heap gauges', 'meshd_process_open_fds 37', undefined],
    ['only one gauge', 'meshd_nodejs_heap_size_used_bytes 1048576', undefined],
    ['a labelled series with the same prefix only', 'meshd_nodejs_heap_size_used_bytes{x="y"} 5\nmeshd_nodejs_heap_size_total_bytes{x="y"} 5', undefined],
    ['empty', '', undefined],
  ])('%s', (_name, text, expected) => {
    expect(heapOfMetrics(text)).toEqual(expected);
  });
});

describe('unitNodeOptions', () => {
  it('reads the Node options of the unit meshd ships (the soak runs the daemon with them)', () => {
    expect(unitNodeOptions(readFileSync(UNIT_FILE, 'utf8')).NODE_OPTIONS).toMatch(/--max-semi-space-size=1/);
  });

  it.each([
    ['none', '[Service]\nEnvironment=HOME=/x\n', {}],
    ['quoted', 'Environment="NODE_OPTIONS=--a --b"\n', { NODE_OPTIONS: '--a --b' }],
    ['the last one wins', 'Environment=NODE_OPTIONS=--a\nEnvironment=NODE_OPTIONS=--b\n', { NODE_OPTIONS: '--b' }],
    ['a comment is not a setting', '# Environment=NODE_OPTIONS=--a\n', {}],
  ])('%s', (_name, text, expected) => {
    expect(unitNodeOptions(text)).toEqual(expected);
  });
});
