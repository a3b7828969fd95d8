import { reportError } from '@meshd/core';
import { describe, expect, it } from 'vitest';
import { emptyStatusState, foldReport, recordReconcile } from '../../daemon/status/status-state.js';
import { statusFromReports } from '../../daemon/status/status.js';
import { clusterReport, componentReport, passReport } from '@meshd/testkit';
import { captureIo } from '@meshd/testkit';
import { runStatus } from './status.js';
import { Redactor } from '../../output/redact.js';

function sampleStatus() {
  const helm = componentReport('helm-template', { state: 'in-sync' });
  const secrets = componentReport('secrets', { state: 'out-of-sync', error: reportError('MESHD_ERR_API', 'namespace app-2 missing') });
  const render = reportError(
    'MESHD_ERR_CHART_RENDER',
    'helm-template: helm template failed (exit code 1): Error: execution error at (istio-remote/templates/x.yaml:1:4): broken',
  );
  const broken = clusterReport('south', {
    state: 'failed',
    lastError: render,
    components: [componentReport('helm-template', { state: 'failed', error: render })],
  });
  const down = clusterReport('west', {
    reachable: false,
    state: 'unreachable',
    lastError: reportError('MESHD_ERR_UNREACHABLE', 'unreachable: connect ECONNREFUSED 127.0.0.1:6445'),
  });
  const finding = { file: 'north.yaml', line: 4, col: 3, severity: 'error' as const, message: 'metadata.name is required' };
  let state = foldReport(
    emptyStatusState(),
    'east',
    passReport([clusterReport('cp'), clusterReport('east', { components: [helm, secrets] }), down, broken], { findings: [finding], directoryValid: false }),
    Date.UTC(2026, 0, 1, 12),
  );
  state = recordReconcile(state, { key: 'east', at: Date.UTC(2026, 0, 1, 12), durationMs: 840, outcome: 'success', converged: false });
  return statusFromReports(state, { directory: '/srv/multicluster', startedAt: Date.UTC(2026, 0, 1, 11), backends: ['helm-template', 'tiller'] });
}

const fakeFetch =
  (status: number, body: string): typeof fetch =>
  () =>
    Promise.resolve(new Response(body, { status }));

describe('meshd status', () => {
  it('prints a readable table and exits 1 when the daemon is not ready', async () => {
    const io = Object.assign(captureIo('/'), { setExitCode: () => undefined, redactor: new Redactor() });
    const code = await runStatus({ url: 'http://127.0.0.1:9580/' }, io, fakeFetch(200, JSON.stringify(sampleStatus())));
    expect(code).toBe(1);
    const out = io.stdoutText;
    expect(out).toContain('meshd at http://127.0.0.1:9580: NOT READY (the cluster directory is invalid (1 error; see /status))');
    expect(out).toContain('control plane: cp    endpoints: pilot 192.0.2.5  policy 192.0.2.6  statsd 192.0.2.7');
    expect(out).toMatch(/^CLUSTER\s+ROLE\s+REACHABLE\s+VERSION\s+STATE\s+RELEASE\s+SECRETS\s+CODE\s+LAST ERROR$/m);
    expect(out).toMatch(/^east\s+remote\s+yes\s+v1\.34\.4\s+converged\s+in-sync\s+out-of-sync\s+MESHD_ERR_API\s+namespace app-2 missing$/m);
    expect(out).toMatch(
      /^west\s+remote\s+no \(since 2026-01-01 12:00:00Z\)\s+v1\.34\.4\s+unreachable\s+-\s+-\s+MESHD_ERR_UNREACHABLE\s+unreachable: connect ECONNREFUSED/m,
    );
    expect(out).toMatch(
      /^south\s+remote\s+yes\s+v1\.34\.4\s+failed\s+failed\s+-\s+MESHD_ERR_CHART_RENDER \(parked\)\s+helm-template: helm template failed \(exit code 1\)/m,
    );
    expect(out).toMatch(/^cp\s+control-plane\s+yes\s+v1\.34\.4\s+converged\s+-\s+-\s+-$/m);
    expect(out).toContain('  north.yaml:4:3: error: metadata.name is required');
    expect(out).toContain('last reconcile: east at 2026-01-01 12:00:00Z: success, not converged in 840 ms');
  });

  it('prints the raw JSON with --json', async () => {
    const io = Object.assign(captureIo('/'), { setExitCode: () => undefined, redactor: new Redactor() });
    await runStatus({ json: true }, io, fakeFetch(200, JSON.stringify(sampleStatus())));
    const json = JSON.parse(io.stdoutText) as { controlPlane: string; clusters: { name: string; lastError?: unknown; secrets?: { error?: unknown } }[] };
    expect(json.controlPlane).toBe('cp');
    expect(json.clusters.find((c) => c.name === 'south')?.lastError).toEqual({
      code: 'MESHD_ERR_CHART_RENDER',
      message: expect.stringContaining('helm template failed') as unknown,
      retry: 'terminal',
    });
    expect(json.clusters.find((c) => c.name === 'east')?.secrets?.error).toEqual({
      code: 'MESHD_ERR_API',
      message: 'namespace app-2 missing',
      retry: 'backoff',
    });
  });

  it('explains when the daemon cannot be reached', async () => {
    const io = Object.assign(captureIo('/'), { setExitCode: () => undefined, redactor: new Redactor() });
    const refused: typeof fetch = () => Promise.reject(Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } }));
    expect(await runStatus({}, io, refused)).toBe(1);
    expect(io.stderrText).toContain('cannot reach the daemon at http://127.0.0.1:9580: ECONNREFUSED');
  });

  it('rejects an answer that is not JSON', async () => {
    const io = Object.assign(captureIo('/'), { setExitCode: () => undefined, redactor: new Redactor() });
    expect(await runStatus({}, io, fakeFetch(200, '<html>'))).toBe(1);
    expect(io.stderrText).toContain('did not answer JSON');
  });
});
