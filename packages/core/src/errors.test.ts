import { describe, expect, it } from 'vitest';
import { combineErrors, ERROR_CODES, ERROR_RETRY, failureState, MeshdError, reportError, reportErrorOf } from './errors.js';

describe('the error catalogue: the code decides who retries', () => {
  it('gives every code a description and a retry class', () => {
    expect(Object.keys(ERROR_RETRY).sort()).toEqual(Object.keys(ERROR_CODES).sort());
  });

  it.each([
    ['MESHD_ERR_CHART_RENDER', 'terminal'],
    ['MESHD_ERR_HELM_UNUSABLE', 'terminal'],
    ['MESHD_ERR_HELM', 'backoff'],
    ['MESHD_ERR_UNSERVED_API', 'terminal'],
    ['MESHD_ERR_UNREACHABLE', 'backoff'],
    ['MESHD_ERR_INTERNAL', 'backoff'],
  ] as const)('%s is %s, whoever throws it', (code, retry) => {
    const err = new MeshdError(code, 'x');
    expect(err.retry).toBe(retry);
    expect(err.terminal).toBe(retry === 'terminal');
    expect(reportErrorOf(err)).toEqual({ code, message: 'x', retry });
  });

  it('reports an error meshd did not expect as MESHD_ERR_INTERNAL, state error (a bug), not failed', () => {
    const err = reportErrorOf(new TypeError('cannot read properties of undefined'));
    expect(err).toEqual({ code: 'MESHD_ERR_INTERNAL', message: 'cannot read properties of undefined', retry: 'backoff' });
    expect(failureState(err)).toBe('error');
    expect(failureState(reportError('MESHD_ERR_FORBIDDEN', '403'))).toBe('failed');
    expect(reportErrorOf('a string')).toMatchObject({ code: 'MESHD_ERR_INTERNAL', message: 'a string' });
  });
});

describe('combineErrors', () => {
  const render = reportError('MESHD_ERR_CHART_RENDER', 'helm template failed');
  const unserved = reportError('MESHD_ERR_UNSERVED_API', 'extensions/v1beta1 is not served');
  const timeout = reportError('MESHD_ERR_TIMEOUT', 'timed out');

  it('is undefined for no error and the error itself for one', () => {
    expect(combineErrors([])).toBeUndefined();
    expect(combineErrors([render])).toEqual(render);
  });

  it('is terminal only when every error is, with the code of a terminal one', () => {
    expect(combineErrors([render, unserved])).toEqual({
      code: 'MESHD_ERR_CHART_RENDER',
      message: 'helm template failed; extensions/v1beta1 is not served',
      retry: 'terminal',
    });
  });

  it('keeps retrying when one error may fix itself, and names that one by its code', () => {
    expect(combineErrors([render, timeout], (_e, i) => `#${i}: `)).toEqual({
      code: 'MESHD_ERR_TIMEOUT',
      message: '#0: helm template failed; #1: timed out',
      retry: 'backoff',
    });
  });
});
