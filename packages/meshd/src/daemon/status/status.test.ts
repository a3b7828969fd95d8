import { reportError } from '@meshd/core';
import { describe, expect, it } from 'vitest';
import { emptyStatusState, foldReport, recordReconcile } from './status-state.js';
import { readinessReasons, statusFromReports } from './status.js';
import { clusterReport, componentReport, passReport } from '@meshd/testkit';

const context = { directory: '/etc/meshd/clusters', startedAt: Date.UTC(2026, 0, 1), backends: ['helm-template', 'tiller'] };
const t = (s: number): number => Date.UTC(2026, 0, 1, 0, 0, s);

describe('statusFromReports', () => {
  it("a cluster's release is its component by a registered backend's name (a third renderer too), never an addon's", () => {
    const remote = clusterReport('east', {
      components: [componentReport('secrets'), componentReport('fixture-renderer', { state: 'out-of-sync', writes: 0 })],
    });
    const state = foldReport(emptyStatusState(), '@all', passReport([clusterReport('cp'), remote]), t(1));
    const east = (backends: string[]) => statusFromReports(state, { ...context, backends }).clusters.find((c) => c.name === 'east');
    expect(east(['helm-template', 'tiller', 'fixture-renderer'])?.release).toMatchObject({ component: 'fixture-renderer', state: 'out-of-sync' });
    expect(east(['helm-template', 'tiller'])?.release).toBeUndefined();
    expect(east(['helm-template', 'tiller'])?.secrets).toMatchObject({ component: 'secrets' });
  });

  it('is not ready before any reconcile, and says why', () => {
    const status = statusFromReports(emptyStatusState(), context);
    expect(status.ready).toBe(false);
    expect(status.readyReasons).toEqual(['no reconcile has completed yet']);
    expect(status.clusters).toEqual([]);
  });

  it('is not ready until a reconcile has reached the control plane, and not while it is lost', () => {
    const cpDown = { reachable: false, state: 'unreachable' as const, lastError: reportError('MESHD_ERR_UNREACHABLE', 'unreachable: timed out after 10 s') };
    let state = foldReport(emptyStatusState(), '@registry', passReport([clusterReport('cp', cpDown)], { part: 'registry', converged: false }), t(1));
    expect(readinessReasons(state, context)).toEqual(['the control plane cp is unreachable since 2026-01-01T00:00:01.000Z: unreachable: timed out after 10 s']);
    state = foldReport(state, 'east', passReport([clusterReport('cp'), clusterReport('east')], { part: 'clusters' }), t(2));
    expect(readinessReasons(state, context)).toEqual([]);
    state = foldReport(
      state,
      'east',
      passReport([clusterReport('cp', { reachable: false, state: 'error', lastError: reportError('MESHD_ERR_UNAUTHORIZED', '401 Unauthorized') })]),
      t(3),
    );
    expect(readinessReasons(state, context)).toEqual(['the control plane cp is failing since 2026-01-01T00:00:03.000Z: 401 Unauthorized']);
  });

  it('is not ready when the pass never got to a control plane (none in the directory, no last good one)', () => {
    const state = foldReport(
      emptyStatusState(),
      '@registry',
      passReport([], {
        part: 'registry',
        controlPlane: undefined,
        directoryValid: false,
        errors: [reportError('MESHD_ERR_INVALID_DIRECTORY', 'the directory names no usable control plane')],
      }),
      t(1),
    );
    expect(readinessReasons(state, context)).toEqual([
      'the cluster directory is invalid (0 errors; see /status)',
      'the control plane has not been reached yet',
    ]);
  });

  it('is not ready while the directory is gone, whatever the last reconcile said', () => {
    const state = foldReport(emptyStatusState(), '@registry', passReport([clusterReport('cp')], { part: 'registry' }), t(1));
    const status = statusFromReports(state, { ...context, directoryProblem: 'does not exist' });
    expect(status.readyReasons).toEqual(['the cluster directory /etc/meshd/clusters does not exist']);
    expect(status.directory).toMatchObject({ valid: false, problem: 'does not exist' });
  });

  it('shows each cluster from its newest report, control plane first, with release and secrets', () => {
    const helm = componentReport('helm-template', {
      state: 'out-of-sync',
      reason: 'values changed',
      changes: [{ op: 'update', kind: 'Endpoints', name: 'istio-pilot' }],
      writes: 1,
    });
    const secrets = componentReport('secrets', { state: 'in-sync' });
    let state = foldReport(emptyStatusState(), '*', passReport([clusterReport('cp'), clusterReport('west'), clusterReport('east')]), t(1));
    state = foldReport(state, 'east', passReport([clusterReport('cp'), clusterReport('east', { components: [helm, secrets] })]), t(2));
    const status = statusFromReports(state, context);
    expect(status.ready).toBe(true);
    expect(status.clusters.map((c) => [c.name, c.updatedAt])).toEqual([
      ['cp', '2026-01-01T00:00:02.000Z'],
      ['east', '2026-01-01T00:00:02.000Z'],
      ['west', '2026-01-01T00:00:01.000Z'],
    ]);
    const east = status.clusters[1];
    expect(east?.release).toEqual({ component: 'helm-template', state: 'in-sync', observed: 'out-of-sync', reason: 'values changed', changes: 1, writes: 1 });
    expect(east?.secrets?.state).toBe('in-sync');
    expect(status.endpoints).toEqual({ pilot: '192.0.2.5', policy: '192.0.2.6', statsd: '192.0.2.7' });
    expect(status.registry?.state).toBe('in-sync');
  });

  it('keeps "unreachable since" from the first failed report until the cluster answers again', () => {
    const down = { reachable: false, state: 'unreachable' as const, lastError: reportError('MESHD_ERR_UNREACHABLE', 'unreachable: connect ECONNREFUSED') };
    let state = foldReport(emptyStatusState(), 'east', passReport([clusterReport('cp'), clusterReport('east', down)]), t(10));
    state = foldReport(state, 'east', passReport([clusterReport('cp'), clusterReport('east', down)]), t(20));
    expect(statusFromReports(state, context).clusters[1]?.unreachableSince).toBe('2026-01-01T00:00:10.000Z');
    state = foldReport(state, 'east', passReport([clusterReport('cp'), clusterReport('east')]), t(30));
    expect(statusFromReports(state, context).clusters[1]?.unreachableSince).toBeUndefined();
  });

  it('drops a removed cluster from the table and lists it as removed', () => {
    let state = foldReport(emptyStatusState(), '*', passReport([clusterReport('cp'), clusterReport('east')]), t(1));
    state = foldReport(state, 'east', passReport([clusterReport('cp'), clusterReport('east', { state: 'removed' })]), t(2));
    const status = statusFromReports(state, context);
    expect(status.clusters.map((c) => c.name)).toEqual(['cp']);
    expect(status.removed).toEqual([{ name: 'east', at: '2026-01-01T00:00:02.000Z' }]);
  });

  it('reports file errors with their position and is not ready while the directory is invalid', () => {
    const finding = { file: 'east.yaml', line: 3, col: 5, severity: 'error' as const, message: 'metadata.name must be a DNS label' };
    const state = foldReport(
      emptyStatusState(),
      'registry',
      passReport([clusterReport('cp')], { directoryValid: false, findings: [finding], converged: false }),
      t(1),
    );
    const status = statusFromReports(state, context);
    expect(status.ready).toBe(false);
    expect(status.readyReasons).toEqual(['the cluster directory is invalid (1 error; see /status)']);
    expect(status.directory).toMatchObject({ valid: false, errors: 1, findings: [finding] });
  });

  it('records the last reconcile and the last successful one', () => {
    let state = recordReconcile(emptyStatusState(), { key: 'east', at: t(5), durationMs: 120, outcome: 'success', converged: true });
    state = recordReconcile(state, { key: 'west', at: t(9), durationMs: 80, outcome: 'error', error: reportError('MESHD_ERR_API', 'boom') });
    const status = statusFromReports(state, context);
    expect(status.lastReconcile).toEqual({
      key: 'west',
      at: '2026-01-01T00:00:09.000Z',
      durationMs: 80,
      result: 'error',
      error: reportError('MESHD_ERR_API', 'boom'),
    });
    expect(status.lastSuccessfulReconcile).toBe('2026-01-01T00:00:05.000Z');
  });

  it('is not ready on a standby or while shutting down', () => {
    const state = foldReport(emptyStatusState(), '*', passReport([clusterReport('cp')]), t(1));
    const leader = { enabled: true, isLeader: false, identity: 'bastion-b', holder: 'bastion-a' };
    expect(readinessReasons(state, { ...context, leader, shuttingDown: true })).toEqual([
      'shutting down',
      'standby: another meshd holds the lease (bastion-a)',
    ]);
  });

  it('never keeps the desired mesh (it holds kubeconfigs)', () => {
    const mesh = { kubeconfigText: 'token: s3cr3t-token-value' } as never;
    const state = foldReport(emptyStatusState(), '*', passReport([clusterReport('cp')], { mesh }), t(1));
    expect(JSON.stringify(state)).not.toContain('s3cr3t');
    expect(JSON.stringify(statusFromReports(state, context))).not.toContain('s3cr3t');
  });
});

describe('reachable since and endpoints changed at', () => {
  const eps = (pilot: string) => ({ pilot, policy: '192.0.2.6', statsd: '192.0.2.7' });
  const fold = (state: ReturnType<typeof emptyStatusState>, at: number, reachable: boolean, pilot: string) =>
    foldReport(state, 'east', passReport([clusterReport('east', reachable ? {} : { reachable: false, state: 'unreachable' })], { endpoints: eps(pilot) }), at);
  const view = (state: ReturnType<typeof emptyStatusState>) =>
    statusFromReports(state, { directory: '/d', startedAt: 0, backends: ['helm-template', 'tiller'] });

  it('keeps reachableSince across passes, drops it while unreachable and restarts it when back', () => {
    let state = fold(emptyStatusState(), 1000, true, '192.0.2.5');
    state = fold(state, 2000, true, '192.0.2.5');
    expect(view(state).clusters[0]?.reachableSince).toBe('1970-01-01T00:00:01.000Z');
    state = fold(state, 3000, false, '192.0.2.5');
    expect(view(state).clusters[0]).toMatchObject({ unreachableSince: '1970-01-01T00:00:03.000Z' });
    expect(view(state).clusters[0]?.reachableSince).toBeUndefined();
    state = fold(state, 4000, true, '192.0.2.5');
    expect(view(state).clusters[0]?.reachableSince).toBe('1970-01-01T00:00:04.000Z');
  });

  it('moves endpointsChangedAt only when an endpoint changes', () => {
    let state = fold(emptyStatusState(), 1000, true, '192.0.2.5');
    state = fold(state, 2000, true, '192.0.2.5');
    expect(view(state).endpointsChangedAt).toBe('1970-01-01T00:00:01.000Z');
    state = fold(state, 3000, true, '192.0.2.9');
    expect(view(state).endpointsChangedAt).toBe('1970-01-01T00:00:03.000Z');
  });
});

describe('credentials and istiod on /status and in meshd status', () => {
  it("shows each minted credential's expiry and rotation, and istiod's sync state, never a token", async () => {
    const credentials = [
      {
        cluster: 'east',
        kind: 'token-request' as const,
        serviceAccount: 'istio-system/meshd-pilot-reader',
        issuedAt: '2026-01-01T00:00:00.000Z',
        expiresAt: '2026-01-02T00:00:00.000Z',
        rotateAt: '2026-01-01T16:00:00.000Z',
      },
    ];
    const state = foldReport(emptyStatusState(), '@registry', passReport([clusterReport('cp')], { part: 'registry', credentials }), t(1));
    const istiod = { url: 'http://127.0.0.1:15014', at: '2026-01-01T00:00:02.000Z', clusters: { cp: 'synced', east: 'synced' } };
    const status = statusFromReports(state, { ...context, istiod });
    expect(status.credentials).toEqual(credentials);
    expect(status.istiod).toEqual(istiod);
    const { formatStatusTable } = await import('../../cli/commands/status-table.js');
    const table = formatStatusTable(status, 'http://127.0.0.1:9580');
    expect(table).toMatch(
      /credentials:\n\s+CLUSTER\s+KIND\s+EXPIRES\s+ROTATES\s+ISTIOD\n\s+east\s+token-request\s+2026-01-02 00:00:00Z\s+2026-01-01 16:00:00Z\s+synced/,
    );
    expect(table).toContain('istiod at http://127.0.0.1:15014');
  });
});
