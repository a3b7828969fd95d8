import { describe, expect, it } from 'vitest';
import { REGISTRY_KEY } from './keys.js';
import { reportError } from '@meshd/core';
import { clusterReport, componentReport, passReport } from '@meshd/testkit';
import { judgePass } from './verdict.js';

const down = clusterReport('east', { reachable: false, state: 'unreachable', lastError: reportError('MESHD_ERR_UNREACHABLE', 'unreachable: ECONNREFUSED') });

describe('judgePass', () => {
  it('accepts a converged pass', () => {
    expect(judgePass('east', passReport([clusterReport('cp'), clusterReport('east')]))).toEqual({});
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

  it('judges a registry key on mesh-wide problems only (a failed remote is judged on its own key)', () => {
    expect(judgePass(REGISTRY_KEY, passReport([clusterReport('cp'), down, clusterReport('west')]))).toEqual({});
  });

  it('forgets a cluster key whose cluster was removed, renamed or is no longer known, never one only unreachable', () => {
    const mesh = { controlPlane: {}, remotes: [] } as unknown as NonNullable<Parameters<typeof passReport>[1]>['mesh'];
    expect(judgePass('west', passReport([clusterReport('cp'), clusterReport('west', { state: 'removed' })], { mesh })).forget).toBe(true);
    expect(judgePass('west', passReport([clusterReport('cp'), clusterReport('west', { state: 'renamed' })], { mesh })).forget).toBe(true);
    expect(judgePass('gone', passReport([clusterReport('cp')], { mesh })).forget).toBe(true);
    expect(judgePass('cp', passReport([clusterReport('cp')], { mesh })).forget).toBe(true);
    expect(judgePass('east', passReport([clusterReport('cp'), down], { mesh })).forget).toBeUndefined();
    // The control plane did not answer: nothing is known about the key's cluster, so it is kept.
    expect(judgePass('east', passReport([clusterReport('cp', { reachable: false, state: 'unreachable' })])).forget).toBeUndefined();
  });

  it('fails any key on mesh-wide errors', () => {
    const cpDown = clusterReport('cp', { reachable: false, state: 'unreachable', lastError: reportError('MESHD_ERR_TIMEOUT', 'unreachable: timeout') });
    expect(judgePass(REGISTRY_KEY, passReport([cpDown], { errors: [] })).error).toEqual({
      code: 'MESHD_ERR_TIMEOUT',
      message: 'cp: unreachable: timeout',
      retry: 'backoff',
    });
    expect(
      judgePass('west', passReport([clusterReport('cp')], { errors: [reportError('MESHD_ERR_DISCOVERY', 'pilot has no ready pod')] })).error?.message,
    ).toBe('pilot has no ready pod');
    const conflict = componentReport('registry', { error: reportError('MESHD_ERR_NOT_OWNED', 'conflict') });
    expect(judgePass(REGISTRY_KEY, passReport([clusterReport('cp')], { registry: conflict })).error).toEqual({
      code: 'MESHD_ERR_NOT_OWNED',
      message: 'registry: conflict',
      retry: 'terminal',
    });
  });

  it('makes a directory without any control plane terminal', () => {
    const report = passReport([], {
      directoryValid: false,
      converged: false,
      errors: [reportError('MESHD_ERR_INVALID_DIRECTORY', 'the directory names no usable control plane: nothing was changed')],
    });
    expect(judgePass(REGISTRY_KEY, report).error).toEqual({
      code: 'MESHD_ERR_INVALID_DIRECTORY',
      message: 'the directory names no usable control plane: nothing was changed',
      retry: 'terminal',
    });
  });

  it('does not fail a key on an invalid directory alone (its clusters keep their last good version)', () => {
    const report = passReport([clusterReport('cp'), clusterReport('west')], { directoryValid: false, converged: false });
    expect(judgePass('west', report)).toEqual({});
  });

  it('parks a cluster whose failures cannot fix themselves (rule 10): no retry, terminal on its own key', () => {
    const stuck = clusterReport('east', {
      state: 'failed',
      lastError: reportError('MESHD_ERR_UNSERVED_API', 'helm-template: Deployment istio-system/istio-citadel: extensions/v1beta1 is not served by east'),
    });
    expect(judgePass('east', passReport([clusterReport('cp'), stuck]))).toEqual({
      error: {
        code: 'MESHD_ERR_UNSERVED_API',
        message: 'east: helm-template: Deployment istio-system/istio-citadel: extensions/v1beta1 is not served by east',
        retry: 'terminal',
      },
    });
  });

  it('keeps retrying a cluster when mesh-wide problems come with its parked failure', () => {
    const stuck = clusterReport('east', { state: 'failed', lastError: reportError('MESHD_ERR_INVALID_OBJECT', 'x') });
    expect(
      judgePass('east', passReport([clusterReport('cp')].concat(stuck), { errors: [reportError('MESHD_ERR_DISCOVERY', 'pilot has no ready pod')] })).error,
    ).toEqual({ code: 'MESHD_ERR_DISCOVERY', message: 'pilot has no ready pod; east: x', retry: 'backoff' });
  });

  it('parks a chart that does not render on its key, by its code alone', () => {
    const broken = clusterReport('east', {
      state: 'failed',
      lastError: reportError('MESHD_ERR_CHART_RENDER', 'helm-template: helm template failed (exit code 1)'),
    });
    expect(judgePass('east', passReport([clusterReport('cp'), broken])).error).toEqual({
      code: 'MESHD_ERR_CHART_RENDER',
      message: 'east: helm-template: helm template failed (exit code 1)',
      retry: 'terminal',
    });
  });
});
