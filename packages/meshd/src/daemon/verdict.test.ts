import { describe, expect, it } from 'vitest';
import { FULL_KEY, REGISTRY_KEY } from './keys.js';
import { reportError } from '@meshd/core';
import { clusterReport, componentReport, passReport } from '@meshd/testkit';
import { judgePass } from './verdict.js';

const down = clusterReport('east', { reachable: false, state: 'unreachable', lastError: reportError('MESHD_ERR_UNREACHABLE', 'unreachable: ECONNREFUSED') });

describe('judgePass', () => {
  it('accepts a converged pass', () => {
    expect(judgePass('east', passReport([clusterReport('cp'), clusterReport('east')]))).toEqual({ retryClusters: [], removed: [] });
  });

  it('fails a cluster key whose cluster is unreachable, and waits for it to answer rather than retrying on a backoff', () => {
    const verdict = judgePass('east', passReport([clusterReport('cp'), down]));
    expect(verdict.error).toEqual({ code: 'MESHD_ERR_UNREACHABLE', message: 'east: unreachable: ECONNREFUSED', retry: 'backoff' });
    expect(verdict.awaitReachable).toBe(true);
  });

  it('retries a cluster key on a backoff when more than its own link failed, or it failed otherwise', () => {
    const cpDown = clusterReport('cp', { reachable: false, state: 'unreachable', lastError: reportError('MESHD_ERR_TIMEOUT', 'unreachable: timeout') });
    expect(judgePass('east', passReport([cpDown, down])).awaitReachable).toBeUndefined();
    const failed = clusterReport('east', { state: 'failed', lastError: reportError('MESHD_ERR_HELM', 'helm: timed out') });
    expect(judgePass('east', passReport([clusterReport('cp'), failed])).awaitReachable).toBeUndefined();
  });

  it('hands the failed clusters of a full pass to their own keys', () => {
    const verdict = judgePass(FULL_KEY, passReport([clusterReport('cp'), down, clusterReport('west')]));
    expect(verdict).toEqual({ retryClusters: ['east'], removed: [] });
  });

  it('fails any key on mesh-wide errors', () => {
    const cpDown = clusterReport('cp', { reachable: false, state: 'unreachable', lastError: reportError('MESHD_ERR_TIMEOUT', 'unreachable: timeout') });
    expect(judgePass(REGISTRY_KEY, passReport([cpDown], { errors: [] })).error).toEqual({ code: 'MESHD_ERR_TIMEOUT', message: 'cp: unreachable: timeout', retry: 'backoff' });
    expect(judgePass('west', passReport([clusterReport('cp')], { errors: [reportError('MESHD_ERR_DISCOVERY', 'pilot has no ready pod')] })).error?.message).toBe('pilot has no ready pod');
    const conflict = componentReport('registry', { error: reportError('MESHD_ERR_NOT_OWNED', 'conflict') });
    expect(judgePass(FULL_KEY, passReport([clusterReport('cp')], { registry: conflict })).error).toEqual({ code: 'MESHD_ERR_NOT_OWNED', message: 'registry: conflict', retry: 'terminal' });
  });

  it('makes a directory without any control plane terminal', () => {
    const report = passReport([], { directoryValid: false, converged: false, errors: [reportError('MESHD_ERR_INVALID_DIRECTORY', 'the directory names no usable control plane: nothing was changed')] });
    expect(judgePass(FULL_KEY, report).error).toEqual({ code: 'MESHD_ERR_INVALID_DIRECTORY', message: 'the directory names no usable control plane: nothing was changed', retry: 'terminal' });
  });

  it('does not retry an invalid directory, and lists removed clusters', () => {
    const report = passReport([clusterReport('cp'), clusterReport('west', { state: 'removed' })], { directoryValid: false, converged: false });
    expect(judgePass('west', report)).toEqual({ retryClusters: [], removed: ['west'] });
  });

  it('parks a cluster whose failures cannot fix themselves (rule 10): no retry, terminal on its own key', () => {
    const stuck = clusterReport('east', { state: 'failed', lastError: reportError('MESHD_ERR_UNSERVED_API', 'helm-template: Deployment istio-system/istio-citadel: extensions/v1beta1 is not served by east') });
    expect(judgePass(FULL_KEY, passReport([clusterReport('cp'), stuck]))).toEqual({ retryClusters: [], removed: [], parked: ['east'] });
    expect(judgePass('east', passReport([clusterReport('cp'), stuck]))).toMatchObject({ error: { code: 'MESHD_ERR_UNSERVED_API', retry: 'terminal' }, parked: ['east'] });
  });

  it('keeps retrying a cluster when mesh-wide problems come with its parked failure', () => {
    const stuck = clusterReport('east', { state: 'failed', lastError: reportError('MESHD_ERR_INVALID_OBJECT', 'x') });
    expect(judgePass('east', passReport([clusterReport('cp')].concat(stuck), { errors: [reportError('MESHD_ERR_DISCOVERY', 'pilot has no ready pod')] })).error).toEqual({ code: 'MESHD_ERR_DISCOVERY', message: 'pilot has no ready pod; east: x', retry: 'backoff' });
  });

  it('parks a chart that does not render on its key, by its code alone', () => {
    const broken = clusterReport('east', { state: 'failed', lastError: reportError('MESHD_ERR_CHART_RENDER', 'helm-template: helm template failed (exit code 1)') });
    expect(judgePass('east', passReport([clusterReport('cp'), broken])).error).toEqual({ code: 'MESHD_ERR_CHART_RENDER', message: 'east: helm-template: helm template failed (exit code 1)', retry: 'terminal' });
  });
});
