import { describe, expect, it } from 'vitest';
import { reportError } from '../errors.js';
import type { ClusterReport, ComponentReport, PassReport } from './types.js';
import { reportedErrors } from './report-errors.js';

const component = (over: Partial<ComponentReport> = {}): ComponentReport => ({
  component: 'helm-template',
  state: 'failed',
  reason: '',
  changes: [],
  writes: 0,
  ...over,
});
const cluster = (name: string, over: Partial<ClusterReport> = {}): ClusterReport => ({
  name,
  role: 'remote',
  server: 'https://192.0.2.1',
  reachable: true,
  state: 'failed',
  warnings: [],
  components: [],
  ...over,
});
const pass = (clusters: ClusterReport[], over: Partial<PassReport> = {}): PassReport => ({
  mode: 'apply',
  findings: [],
  directoryValid: true,
  clusters,
  errors: [],
  changes: 0,
  writes: 0,
  converged: false,
  ...over,
});

describe('reportedErrors: every error of a report as data', () => {
  it.each([
    { name: 'nothing failed', report: pass([cluster('r1', { state: 'converged', components: [component({ state: 'in-sync' })] })]), errors: [] },
    {
      name: 'an unreachable cluster is retried',
      report: pass([cluster('r1', { lastError: reportError('MESHD_ERR_UNREACHABLE', 'refused') })]),
      errors: [{ code: 'MESHD_ERR_UNREACHABLE', retry: 'backoff', where: 'r1' }],
    },
    {
      name: 'an unserved API is parked',
      report: pass([cluster('r1', { components: [component({ error: reportError('MESHD_ERR_UNSERVED_API', 'x') })] })]),
      errors: [{ code: 'MESHD_ERR_UNSERVED_API', retry: 'terminal', where: 'r1/helm-template' }],
    },
    {
      name: 'a chart that does not render is parked',
      report: pass([cluster('r1', { components: [component({ error: reportError('MESHD_ERR_CHART_RENDER', 'exit 1') })] })]),
      errors: [{ code: 'MESHD_ERR_CHART_RENDER', retry: 'terminal', where: 'r1/helm-template' }],
    },
    {
      name: 'a meshd bug',
      report: pass([cluster('r1', { components: [component({ error: reportError('MESHD_ERR_INTERNAL', 'boom') })] })]),
      errors: [{ code: 'MESHD_ERR_INTERNAL', retry: 'backoff', where: 'r1/helm-template' }],
    },
    {
      name: 'the registry',
      report: pass([], { registry: component({ component: 'registry', error: reportError('MESHD_ERR_NOT_OWNED', 'conflict') }) }),
      errors: [{ code: 'MESHD_ERR_NOT_OWNED', retry: 'terminal', where: 'registry' }],
    },
    {
      name: 'a mesh-wide error',
      report: pass([], { errors: [reportError('MESHD_ERR_DISCOVERY', 'no pilot')] }),
      errors: [{ code: 'MESHD_ERR_DISCOVERY', retry: 'backoff', where: 'mesh' }],
    },
  ])('$name', ({ report, errors }) => {
    expect(reportedErrors(report)).toEqual(errors);
  });
});
