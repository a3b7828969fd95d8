import { ApiException } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { MeshdError } from '../errors.js';
import { clusterFailureOf, describeHttpError, spokenDuration } from './failure.js';

const raw401 = new ApiException(401, 'Unknown API Status Code!', undefined, {
  'www-authenticate': 'Basic realm="kubernetes-master"',
  'content-type': 'application/json',
});

describe('clusterFailureOf', () => {
  it.each([
    ['a 401 (client-node dumps HTTP-Code, Body, Headers)', raw401, { code: 'MESHD_ERR_UNAUTHORIZED', state: 'unauthorized', message: '401 Unauthorized' }],
    [
      'a 403 with a Status body',
      new ApiException(403, 'x', JSON.stringify({ kind: 'Status', message: 'nodes is forbidden: User "meshd" cannot list resource "nodes"' }), {}),
      { code: 'MESHD_ERR_FORBIDDEN', state: 'failed', message: '403 Forbidden: nodes is forbidden: User "meshd" cannot list resource "nodes"' },
    ],
    [
      'a 503',
      new ApiException(503, 'x', '{"message":"etcdserver: leader changed"}', {}),
      { code: 'MESHD_ERR_UNREACHABLE', state: 'unreachable', message: 'unreachable: HTTP 503: etcdserver: leader changed' },
    ],
    ['a 404', new ApiException(404, 'x', '', {}), { code: 'MESHD_ERR_API', state: 'failed', message: 'HTTP 404' }],
    [
      'a timeout',
      new MeshdError('MESHD_ERR_TIMEOUT', 'GET /version timed out after 10 s'),
      { code: 'MESHD_ERR_TIMEOUT', state: 'unreachable', message: 'unreachable: GET /version timed out after 10 s' },
    ],
    [
      'a failing exec plugin',
      new MeshdError('MESHD_ERR_EXEC_PLUGIN', 'exec plugin failed: token expired'),
      { code: 'MESHD_ERR_EXEC_PLUGIN', state: 'unauthorized', message: 'exec plugin failed: token expired' },
    ],
    [
      'a refused connection',
      new Error('request to https://127.0.0.1:1/version failed, reason: connect ECONNREFUSED 127.0.0.1:1'),
      {
        code: 'MESHD_ERR_UNREACHABLE',
        state: 'unreachable',
        message: 'unreachable: request to https://127.0.0.1:1/version failed, reason: connect ECONNREFUSED 127.0.0.1:1',
      },
    ],
  ])('%s', (_what, err, want) => {
    expect(clusterFailureOf(err)).toEqual(want);
    expect(clusterFailureOf(err).message).not.toMatch(/HTTP-Code|Headers|aborted a request/);
  });
});

describe('describeHttpError and spokenDuration', () => {
  it('says what an answer was in one line', () => {
    expect(describeHttpError(401, undefined)).toBe('401 Unauthorized');
    expect(describeHttpError(422, '{"message":"spec.clusterIPs[0]: Invalid value"}')).toBe('HTTP 422: spec.clusterIPs[0]: Invalid value');
    expect(describeHttpError(502, '<html>\nbad gateway')).toBe('HTTP 502: <html>');
    expect([spokenDuration(10_000), spokenDuration(1500), spokenDuration(250)]).toEqual(['10 s', '1.5 s', '250 ms']);
  });
});
