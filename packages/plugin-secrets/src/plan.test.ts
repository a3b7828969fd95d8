import { describe, expect, it } from 'vitest';
import { markOwned } from '@meshd/core/plan';
import { objectKey } from '@meshd/core/kube';
import type { KubeObject } from '@meshd/core/kube';
import { secretsConfigSchema } from './config.js';
import type { SecretsConfig } from './config.js';
import type { ObservedSources } from './copies.js';
import { desiredCopy } from './desired.js';
import type { SourceSecret } from './desired.js';
import { planSecretCopies } from './plan.js';
import type { NamespaceState, SecretsPlanInput } from './plan.js';
import { summarise } from './report.js';

const b64 = (s: string): string => Buffer.from(s).toString('base64');
const NS = ['app-1', 'app-2', 'app-3'];

function src(namespace: string, key = 'KEY', over: Partial<SourceSecret> = {}): SourceSecret {
  return {
    namespace,
    name: 'istio.default',
    type: 'istio.io/key-and-cert',
    data: { 'key.pem': b64(`${key}-${namespace}`), 'cert-chain.pem': b64('CERT') },
    labels: {},
    annotations: {},
    ...over,
  };
}

/** What a copy of the source looks like once meshd wrote it (as the API returns it). */
function written(source: SourceSecret): KubeObject {
  const copy = markOwned(desiredCopy('cp', source));
  return { ...copy, metadata: { ...copy.metadata, uid: 'u1', resourceVersion: '5' } };
}

function unowned(namespace: string, name = 'istio.default'): KubeObject {
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace }, type: 'Opaque', data: { mine: b64('THEIRS') } };
}

interface Scenario {
  config?: Partial<SecretsConfig>;
  namespaces?: string[];
  sources: SourceSecret[];
  ca?: SourceSecret | null;
  /** Live Secrets on the remote (owned ones are listed by label too). */
  remote?: KubeObject[];
  nsStates?: Record<string, NamespaceState>;
  adopt?: boolean;
  prune?: boolean;
  /** The journal's UIDs (undefined: no state directory). */
  recorded?: Map<string, string>;
}

/** What observation finds on the remote: its Secrets, and null (absent) for each copy of a source it lacks. */
function liveOnRemote(remoteObjs: readonly KubeObject[], sources: readonly SourceSecret[]): Map<string, KubeObject | null> {
  const live = new Map<string, KubeObject | null>(remoteObjs.map((o) => [objectKey(o), o]));
  for (const source of sources) {
    const key = objectKey(desiredCopy('cp', source));
    if (!live.has(key)) live.set(key, null);
  }
  return live;
}

function run(s: Scenario): { steps: ReturnType<typeof planSecretCopies>; summary: ReturnType<typeof summarise>; input: SecretsPlanInput } {
  const config = { ...secretsConfigSchema.parse({ namespaces: s.namespaces ?? NS }), ...s.config };
  const sources: ObservedSources = { controlPlane: 'cp', namespaces: s.namespaces ?? NS, secrets: s.sources };
  if (s.ca !== undefined) sources.ca = s.ca;
  const remoteObjs = s.remote ?? [];
  const live = liveOnRemote(remoteObjs, [...s.sources, ...(s.ca ? [s.ca] : [])]);
  const owned = remoteObjs.filter((o) => o.metadata.labels?.['meshd.io/component'] === 'secrets');
  const input: SecretsPlanInput = {
    target: 'remote-1',
    config,
    sources,
    remote: { owned, live, namespaces: new Map(Object.entries(s.nsStates ?? {})) },
    adopt: s.adopt ?? false,
    prune: s.prune ?? true,
    ...(s.recorded ? { recorded: s.recorded } : {}),
  };
  const steps = planSecretCopies(input);
  return { steps, summary: summarise('remote-1', steps, live, owned.length > 0), input };
}

const ops = (r: ReturnType<typeof run>): string[] =>
  r.steps.actions.map((a) => `${a.op} ${a.ref.kind} ${a.ref.namespace ? a.ref.namespace + '/' : ''}${a.ref.name}`);

describe('planSecretCopies', () => {
  it('creates one copy per application namespace on an empty remote', () => {
    const r = run({ sources: NS.map((n) => src(n)) });
    expect(ops(r)).toEqual(['create Secret app-1/istio.default', 'create Secret app-2/istio.default', 'create Secret app-3/istio.default']);
    expect(r.summary.state).toBe('absent');
    expect(r.summary.reason).toBe('copies: 3 create');
    expect(r.steps.actions[0]?.desired?.metadata.labels).toMatchObject({ 'app.kubernetes.io/managed-by': 'meshd', 'meshd.io/component': 'secrets' });
  });

  it('plans nothing to write when every copy matches its source', () => {
    const r = run({ sources: NS.map((n) => src(n)), remote: NS.map((n) => written(src(n))) });
    expect(r.steps.actions.every((a) => a.op === 'keep')).toBe(true);
    expect(r.summary).toMatchObject({ state: 'in-sync', reason: 'copies: 3 in sync', changes: [] });
  });

  it('updates only the copy whose source rotated, showing hashes and never data', () => {
    const rotated = src('app-2', 'ROTATED');
    const r = run({ sources: [src('app-1'), rotated, src('app-3')], remote: NS.map((n) => written(src(n))) });
    expect(ops(r).filter((o) => !o.startsWith('keep'))).toEqual(['update Secret app-2/istio.default']);
    expect(r.summary.state).toBe('out-of-sync');
    const detail = r.summary.changes[0]?.detail ?? [];
    expect(detail).toContain('changed');
    expect(detail.some((d) => /^source cp\/app-2\/istio\.default @[0-9a-f]{12}$/.test(d))).toBe(true);
    expect(detail.some((d) => /^copy has @[0-9a-f]{12}$/.test(d))).toBe(true);
    const shown = JSON.stringify(r.summary);
    expect(shown).not.toContain(b64('ROTATED-app-2'));
    expect(shown).not.toContain(b64('KEY-app-2'));
  });

  it('repairs a copy edited on the remote (same hash annotation, different data)', () => {
    const tampered = written(src('app-1'));
    tampered.data = { ...(tampered.data as Record<string, string>), 'key.pem': b64('EVIL') };
    const r = run({ sources: [src('app-1')], namespaces: ['app-1'], remote: [tampered] });
    expect(ops(r)).toEqual(['update Secret app-1/istio.default']);
    expect(r.steps.actions[0]?.reason).toBe('drifted');
    expect(r.summary.state).toBe('drifted');
    expect(r.summary.changes[0]?.detail).toContain('changed .data.key.pem');
    expect(JSON.stringify(r.summary)).not.toContain(b64('EVIL'));
  });

  it('recreates a copy with an extra data key or another type (neither goes away with an apply)', () => {
    const extra = written(src('app-1'));
    extra.data = { ...(extra.data as Record<string, string>), added: b64('x') };
    const retyped = { ...written(src('app-2')), type: 'Opaque' };
    const r = run({ sources: [src('app-1'), src('app-2')], namespaces: ['app-1', 'app-2'], remote: [extra, retyped] });
    expect(ops(r)).toEqual(['recreate Secret app-1/istio.default', 'recreate Secret app-2/istio.default']);
    expect(r.steps.actions[0]?.reason).toBe('drifted: extra data key(s) added');
    expect(r.steps.actions[1]?.reason).toMatch(/type differs/);
  });

  it('deletes the copies of a namespace that left the set, and only those', () => {
    const r = run({ namespaces: ['app-1', 'app-2'], sources: [src('app-1'), src('app-2')], remote: NS.map((n) => written(src(n))) });
    expect(ops(r).filter((o) => !o.startsWith('keep'))).toEqual(['delete Secret app-3/istio.default']);
    expect(r.summary.reason).toBe('copies: 1 delete, 2 in sync');
    expect(r.summary.changes[0]?.detail?.[0]).toBe('its namespace or name left the config');
  });

  it('with the journal, deletes such a copy only when its UID was recorded (a planted look-alike stays)', () => {
    const planted = { ...written(src('app-2')), metadata: { ...written(src('app-2')).metadata, uid: 'u-planted' } };
    const recorded = new Map([[objectKey(written(src('app-3'))), 'u1']]);
    const r = run({ namespaces: ['app-1'], sources: [src('app-1')], remote: [written(src('app-1')), planted, written(src('app-3'))], recorded });
    expect(ops(r)).toEqual(['keep Secret app-1/istio.default', 'delete Secret app-3/istio.default', 'orphan Secret app-2/istio.default']);
    expect(r.steps.actions[2]?.reason).toBe('not created by meshd (UID not recorded): left alone');
  });

  it('only reports such copies when prune is off', () => {
    const r = run({ namespaces: ['app-1'], sources: [src('app-1')], remote: [written(src('app-1')), written(src('app-2'))], prune: false });
    expect(ops(r)).toEqual(['keep Secret app-1/istio.default', 'orphan Secret app-2/istio.default']);
    expect(r.summary.changes[0]?.detail?.[0]).toBe('its namespace or name left the config; prune is off');
  });

  it('leaves the copy in place and reports it when its source disappears', () => {
    const r = run({ sources: [src('app-1'), src('app-3')], remote: NS.map((n) => written(src(n))) });
    expect(ops(r)).toEqual(['keep Secret app-1/istio.default', 'keep Secret app-3/istio.default']);
    expect(r.steps.retained.map((o) => o.metadata.namespace)).toEqual(['app-2']);
    expect(r.summary.reason).toContain('sources missing on the control plane (copies left in place): cp/app-2/istio.default');
    expect(r.summary.changes).toEqual([
      { op: 'orphan', kind: 'Secret', namespace: 'app-2', name: 'istio.default', detail: ['source cp/app-2/istio.default is gone: copy left in place'] },
    ]);
  });

  it('never touches a same-named secret meshd does not own, unless adopt', () => {
    const r = run({ sources: [src('app-1'), src('app-2')], namespaces: ['app-1', 'app-2'], remote: [unowned('app-1')] });
    expect(ops(r)).toEqual(['conflict Secret app-1/istio.default', 'create Secret app-2/istio.default']);
    expect(r.summary.state).toBe('unmanaged');
    expect(r.summary.conflicts).toEqual([
      'remote-1: Secret app-1/istio.default exists and is not managed by meshd: left untouched (set adopt: true to take it over)',
    ]);
    expect(JSON.stringify(r.summary)).not.toContain(b64('THEIRS'));
    const adopted = run({ sources: [src('app-1')], namespaces: ['app-1'], remote: [unowned('app-1')], adopt: true });
    expect(ops(adopted)).toEqual(['recreate Secret app-1/istio.default']);
    expect(adopted.steps.actions[0]?.reason).toMatch(/^adopting/);
  });

  it('never prunes a secret it does not own, even in a namespace that left the set', () => {
    const stranger = { ...unowned('app-3'), metadata: { name: 'istio.default', namespace: 'app-3', labels: { 'meshd.io/component': 'secrets' } } };
    const r = run({ namespaces: ['app-1'], sources: [src('app-1')], remote: [written(src('app-1')), stranger] });
    expect(ops(r)).toEqual(['keep Secret app-1/istio.default']);
  });

  it('reports a namespace missing on the remote instead of creating it', () => {
    const r = run({ sources: NS.map((n) => src(n)), nsStates: { 'app-1': 'present', 'app-2': 'missing', 'app-3': 'terminating' } });
    expect(ops(r)).toEqual(['create Secret app-1/istio.default']);
    expect(r.summary.reason).toBe('copies: 1 create; namespaces missing on remote-1: app-2, app-3');
    expect(r.summary.changes.filter((c) => c.kind === 'Namespace')).toEqual([
      { op: 'orphan', kind: 'Namespace', name: 'app-2', detail: ['is missing (createNamespaces is off): 1 secret(s) not copied'] },
      { op: 'orphan', kind: 'Namespace', name: 'app-3', detail: ['is terminating: 1 secret(s) not copied'] },
    ]);
  });

  it('creates the missing namespace first with createNamespaces, never a terminating one', () => {
    const r = run({
      config: { createNamespaces: true },
      sources: NS.map((n) => src(n)),
      nsStates: { 'app-1': 'present', 'app-2': 'missing', 'app-3': 'terminating' },
    });
    expect(ops(r)).toEqual(['create Namespace app-2', 'create Secret app-1/istio.default', 'create Secret app-2/istio.default']);
    expect(r.steps.actions[0]?.desired?.metadata.labels).toEqual({ 'app.kubernetes.io/managed-by': 'meshd' });
  });

  it('copies the CA secret into istio-system with copyCaSecret (creating istio-system), and prunes it when turned off', () => {
    const ca = src('istio-system', 'CAKEY', { name: 'istio-ca-secret', type: 'istio.io/ca-root' });
    const on = run({
      config: { copyCaSecret: true },
      namespaces: ['app-1'],
      sources: [src('app-1')],
      ca,
      nsStates: { 'app-1': 'present', 'istio-system': 'missing' },
    });
    expect(ops(on)).toEqual(['create Namespace istio-system', 'create Secret app-1/istio.default', 'create Secret istio-system/istio-ca-secret']);
    expect(on.steps.actions[2]?.desired?.type).toBe('istio.io/ca-root');
    const off = run({ namespaces: ['app-1'], sources: [src('app-1')], remote: [written(src('app-1')), written(ca)] });
    expect(ops(off)).toEqual(['keep Secret app-1/istio.default', 'delete Secret istio-system/istio-ca-secret']);
    const gone = run({
      config: { copyCaSecret: true },
      namespaces: ['app-1'],
      sources: [src('app-1')],
      ca: null,
      remote: [written(src('app-1')), written(ca)],
    });
    expect(ops(gone)).toEqual(['keep Secret app-1/istio.default']);
    expect(gone.summary.reason).toContain('cp/istio-system/istio-ca-secret');
  });

  it('with a pattern, copies every matching copyable source and skips tokens and the CA', () => {
    const sources = [
      src('app-1'),
      src('app-1', 'K', { name: 'istio.bookinfo' }),
      src('app-1', 'T', { name: 'istio.token', type: 'kubernetes.io/service-account-token' }),
      src('app-1', 'O', { name: 'other' }),
    ];
    const r = run({ config: { names: ['istio.*'] }, namespaces: ['app-1'], sources });
    expect(ops(r)).toEqual(['create Secret app-1/istio.bookinfo', 'create Secret app-1/istio.default']);
  });

  it('reports an exact name that is not copyable', () => {
    const r = run({ namespaces: ['app-1'], sources: [src('app-1', 'T', { type: 'kubernetes.io/service-account-token' })] });
    expect(ops(r)).toEqual([]);
    expect(r.summary.reason).toBe('no copies wanted; not copied: cp/app-1/istio.default: a service-account token is only valid in its own cluster');
  });

  it('is deterministic', () => {
    const s: Scenario = { sources: [src('app-3'), src('app-1'), src('app-2')], remote: [written(src('app-2', 'OLD'))] };
    expect(run(s).steps).toEqual(run(s).steps);
    expect(ops(run(s))).toEqual(['create Secret app-1/istio.default', 'update Secret app-2/istio.default', 'create Secret app-3/istio.default']);
  });
});
