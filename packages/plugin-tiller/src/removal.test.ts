import { describe, expect, it } from 'vitest';
import type { TillerObservation } from './observe.js';
import { planTillerRemoval } from './removal.js';

const deployed = (latestHash: string | undefined): TillerObservation => ({
  tiller: 'found',
  release: { revisions: [{ revision: 3, status: 'DEPLOYED', chart: 'c', description: '' }], latestHash, owned: latestHash !== undefined, lastGood: undefined },
});
const plan = (observation: TillerObservation, adopt = false) => planTillerRemoval({ release: 'istio-remote', namespace: 'istio-system', observation, adopt });

describe('planTillerRemoval', () => {
  it('purges a release meshd installed', () => {
    const p = plan(deployed('h1'));
    expect([p.status.state, p.steps, p.error]).toEqual(['removed', [{ op: 'purge' }], undefined]);
  });

  it('has nothing to do when Tiller holds no release', () => {
    const p = plan({ tiller: 'found', release: undefined });
    expect([p.status.state, p.action, p.steps]).toEqual(['in-sync', 'none', []]);
  });

  it('leaves a release meshd did not install in place, without an error (unless adopt)', () => {
    const p = plan(deployed(undefined));
    expect([p.status.state, p.steps, p.error]).toEqual(['unmanaged', [], undefined]);
    expect(p.status.reason).toBe('release istio-remote in Tiller was not installed by meshd: left in place');
    expect(plan(deployed(undefined), true).steps).toEqual([{ op: 'purge' }]);
  });

  it('never takes a missing Tiller for "nothing installed"', () => {
    const p = plan({ tiller: 'missing', reason: 'could not find tiller' });
    expect([p.status.state, p.steps]).toEqual(['failed', []]);
    expect(p.error).toBe('cannot observe the release: helm found no Tiller (could not find tiller)');
  });
});
