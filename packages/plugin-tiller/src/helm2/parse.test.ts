import { describe, expect, it } from 'vitest';
import { hasCode } from '@meshd/core';
import { isReleaseNotFound, isTillerMissing, markedValues, parseHistory, parseUpdated, parseValues, recordedHash } from './parse.js';

// Output of helm v2.17.0 against Tiller v2.17.0 (captured from a real run).
const HISTORY = JSON.stringify([
  {
    revision: 2,
    updated: 'Thu Nov 26 14:11:20 2026',
    status: 'FAILED',
    chart: 'istio-remote-0.8.0',
    appVersion: '0.8.0',
    description: 'Upgrade "istio-remote" failed: timed out waiting for the condition',
  },
  { revision: 1, updated: 'Thu Nov 26 14:11:10 2026', status: 'DEPLOYED', chart: 'istio-remote-0.8.0', appVersion: '0.8.0', description: 'Install complete' },
]);

describe('parseHistory', () => {
  it('lists revisions oldest first with their status', () => {
    expect(parseHistory(HISTORY).map((r) => [r.revision, r.status])).toEqual([
      [1, 'DEPLOYED'],
      [2, 'FAILED'],
    ]);
    expect(parseHistory(HISTORY)[1]!.description).toContain('timed out');
  });

  it("reads each revision's time (helm's ANSIC text in UTC) as epoch ms", () => {
    expect(parseHistory(HISTORY).map((r) => r.updated)).toEqual([Date.UTC(2026, 10, 26, 14, 11, 10), Date.UTC(2026, 10, 26, 14, 11, 20)]);
  });

  it.each([
    ['Wed Dec  2 21:46:32 2026', Date.UTC(2026, 11, 2, 21, 46, 32)],
    ['Mon Jan 31 00:00:00 2000', Date.UTC(2000, 0, 31)],
    ['2026-12-02T21:46:32Z', undefined],
    ['Wed Foo  2 21:46:32 2026', undefined],
    [undefined, undefined],
  ])('parseUpdated(%j) → %j', (text, expected) => {
    expect(parseUpdated(text)).toBe(expected);
  });

  it('reads a status it does not know as UNKNOWN', () => {
    expect(parseHistory('[{"revision":1,"status":"WEIRD"}]')[0]!.status).toBe('UNKNOWN');
  });

  it.each(['', 'Error: boom', '{"revision":1}', '[{"status":"DEPLOYED"}]'])('rejects %j with MESHD_ERR_TILLER', (text) => {
    let caught: unknown;
    try {
      parseHistory(text);
    } catch (err) {
      caught = err;
    }
    expect(hasCode(caught, 'MESHD_ERR_TILLER')).toBe(true);
  });
});

describe('values and meshd mark', () => {
  it('reads the values given to a revision, and none as {}', () => {
    expect(parseValues('{"global":{"pilotEndpoint":"203.0.113.5"},"meshd":{"hash":"abc"}}\n')).toEqual({
      global: { pilotEndpoint: '203.0.113.5' },
      meshd: { hash: 'abc' },
    });
    expect(parseValues('null\n')).toEqual({});
    expect(parseValues('')).toEqual({});
    expect(() => parseValues('[1]')).toThrow(/release values/);
  });

  it('round-trips the hash meshd records', () => {
    const values = markedValues({ global: { pilotEndpoint: '203.0.113.5' } }, 'h1');
    expect(values).toEqual({ global: { pilotEndpoint: '203.0.113.5' }, meshd: { hash: 'h1' } });
    expect(recordedHash(values)).toBe('h1');
  });

  it.each([{}, { meshd: 'x' }, { meshd: { hash: '' } }, { meshd: { hash: 3 } }, { meshd: null }])('finds no meshd hash in %j', (values) => {
    expect(recordedHash(values)).toBeUndefined();
  });
});

describe('classifying helm errors', () => {
  it.each([
    ['release: "istio-remote" not found', true, false],
    ['getting deployed release "nope": release: "nope" not found', true, false],
    ['could not find tiller', false, true],
    ['could not find a ready tiller pod', false, true],
    ['context deadline exceeded', false, false],
    ['UPGRADE FAILED: another operation (install/upgrade/rollback) is in progress', false, false],
  ])('%j', (stderr, notFound, missing) => {
    expect([isReleaseNotFound(stderr), isTillerMissing(stderr)]).toEqual([notFound, missing]);
  });
});
