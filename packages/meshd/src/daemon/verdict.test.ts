import { describe, expect, it } from 'vitest';
import { FULL_KEY, REGISTRY_KEY } from './keys.js';
import { clusterReport, componentReport, passReport } from '@meshd/testkit';
import { judgePass } from './verdict.js';

const down = clusterReport('east', { reachable: false, state: 'unreachable', lastError: 'unreachable: ECONNREFUSED' });

describe('judgePass', () => {
  it('accepts a converged pass', () => {
    expect(judgePass('east', passReport([clusterReport('cp'), clusterReport('east')]))).toEqual({ retryClusters: [], removed: [] });
  });

  it('fails a cluster key whose cluster is unreachable, and waits for it to answer rather than retrying on a backoff', () => {
    const verdict = judgePass('east', passReport([clusterReport('cp'), down]));
    expect(verdict.error).toBe('east: unreachable: ECONNREFUSED');
    expect(verdict.awaitReachable).toBe(true);
  });

  it('retries a cluster key on a backoff when more than its own link failed, or it failed otherwise', () => {
    const cpDown = clusterReport('cp', { reachable: false, state: 'unreachable', lastError: 'unreachable: timeout' });
    expect(judgePass('east', passReport([cpDown, down])).awaitReachable).toBeUndefined();
    const failed = clusterReport('east', { state: 'error', lastError: 'helm: exit 1' });
    expect(judgePass('east', passReport([clusterReport('cp'), failed])).awaitReachable).toBeUndefined();
  });

  it('hands the failed clusters of a full pass to their own keys', () => {
    const verdict = judgePass(FULL_KEY, passReport([clusterReport('cp'), down, clusterReport('west')]));
    expect(verdict).toEqual({ retryClusters: ['east'], removed: [] });
  });

  it('fails any key on mesh-wide errors', () => {
    const cpDown = clusterReport('cp', { reachable: false, state: 'unreachable', lastError: 'unreachable: timeout' });
    expect(judgePass(REGISTRY_KEY, passReport([cpDown], { errors: [] })).error).toBe('cp: unreachable: timeout');
    expect(judgePass('west', passReport([clusterReport('cp')], { errors: ['pilot has no ready pod'] })).error).toBe('pilot has no ready pod');
    expect(judgePass(FULL_KEY, passReport([clusterReport('cp')], { registry: componentReport('registry', { error: 'conflict' }) })).error).toBe('registry: conflict');
  });

  it('makes a directory without any control plane terminal', () => {
    const report = passReport([], { directoryValid: false, converged: false, errors: ['the directory names no usable control plane: nothing was changed'] });
    expect(judgePass(FULL_KEY, report)).toMatchObject({ terminal: true, error: 'the directory names no usable control plane: nothing was changed' });
  });

  it('does not retry an invalid directory, and lists removed clusters', () => {
    const report = passReport([clusterReport('cp'), clusterReport('west', { state: 'removed' })], { directoryValid: false, converged: false });
    expect(judgePass('west', report)).toEqual({ retryClusters: [], removed: ['west'] });
  });

  it('parks a cluster whose failures cannot fix themselves (rule 10): no retry, terminal on its own key', () => {
    const stuck = clusterReport('east', { state: 'error', lastError: 'helm-template: Deployment istio-system/istio-citadel: extensions/v1beta1 is not served by east', lastErrorCode: 'MESHD_ERR_UNSERVED_API', terminal: true });
    expect(judgePass(FULL_KEY, passReport([clusterReport('cp'), stuck]))).toEqual({ retryClusters: [], removed: [], parked: ['east'] });
    expect(judgePass('east', passReport([clusterReport('cp'), stuck]))).toMatchObject({ terminal: true, code: 'MESHD_ERR_UNSERVED_API', parked: ['east'] });
  });

  it('keeps retrying a cluster when mesh-wide problems come with its parked failure', () => {
    const stuck = clusterReport('east', { state: 'error', lastError: 'x', lastErrorCode: 'MESHD_ERR_INVALID_OBJECT', terminal: true });
    expect(judgePass('east', passReport([clusterReport('cp')].concat(stuck), { errors: ['pilot has no ready pod'] })).terminal).toBeUndefined();
  });
});
