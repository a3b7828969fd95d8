import { meshdConfigSchemaFor, type PassOptions } from '@meshd/core';
import { snapshotFromContents } from '@meshd/core/descriptor';
import type { DiscoveredEndpoints } from '@meshd/core/discovery';
import { passReport, silentLogger } from '@meshd/testkit';
import { describe, expect, it } from 'vitest';
import { keyReconciler, type LastGood } from './reconcile-key.js';

const DISCOVERED: DiscoveredEndpoints = {
  pilot: { ip: '192.0.2.5', source: 'pod', pod: 'istio-pilot-a' },
  policy: { ip: '192.0.2.6', source: 'pod', pod: 'istio-policy-a' },
  statsd: { ip: '192.0.2.7', source: 'pod', pod: 'istio-statsd-a' },
};

describe('keyReconciler: what one pass hands the next', () => {
  it('passes the pods discovery chose last back as previousEndpoints, so a serving pod stays chosen', async () => {
    const seen: PassOptions[] = [];
    const lastGood: LastGood = {};
    const reconcile = keyReconciler({
      config: () => meshdConfigSchemaFor().parse({ directory: '/nonexistent' }),
      plugins: () => [],
      runPass: (options) => {
        seen.push(options);
        // The first pass discovers; the second fails before discovery (no `discovered`): the choice is kept.
        return Promise.resolve(passReport([], seen.length === 1 ? { discovered: DISCOVERED } : {}));
      },
      snapshot: () => Promise.resolve(snapshotFromContents({})),
      logger: silentLogger(),
      lastGood,
      state: () => undefined,
      isActive: () => true,
      term: () => undefined,
    });
    for (let i = 0; i < 3; i++) await reconcile('remote-1', new AbortController().signal);
    expect(seen.map((o) => o.previousEndpoints?.pilot)).toEqual([undefined, DISCOVERED.pilot, DISCOVERED.pilot]);
    expect(lastGood.discovered).toEqual(DISCOVERED);
  });
});
