// The secrets addon's plan phase, without a cluster: observed data and desired inputs in, a data plan out.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { markOwned } from '@meshd/core/plan';
import { objectKey, refOf } from '@meshd/core/kube';
import type { DesiredInputs } from '@meshd/core';
import type { KubeObject } from '@meshd/core/kube';
import type { JournalEntry } from '@meshd/core/plan';
import { planSecrets, planSecretsRemoval } from './component-plan.js';
import type { SecretsObserved } from './component-plan.js';
import { secretsConfigSchema } from './config.js';
import { desiredCopy } from './desired.js';
import type { SourceSecret } from './desired.js';

const b64 = (s: string): string => Buffer.from(s).toString('base64');
const config = secretsConfigSchema.parse({ namespaces: ['app-1', 'app-2'] });

function source(namespace: string, key = 'KEY'): SourceSecret {
  return {
    namespace,
    name: 'istio.default',
    type: 'istio.io/key-and-cert',
    data: { 'key.pem': b64(`${key}-${namespace}-0123456789`) },
    labels: {},
    annotations: {},
  };
}

/** A copy as meshd wrote it, as the API returns it. */
function copyOf(s: SourceSecret, uid = `uid-${s.namespace}`): KubeObject {
  const copy = markOwned(desiredCopy('cp', s));
  return { ...copy, metadata: { ...copy.metadata, uid, resourceVersion: '7' } };
}

function desired(over: Partial<DesiredInputs> = {}, overrides: Record<string, unknown> = {}): DesiredInputs {
  return { cluster: { name: 'remote-1', role: 'remote', overrides }, endpoints: undefined, adopt: false, prune: true, ...over };
}

/** What observe returns when the remote holds `copies` and the control plane `sources` (app-1, app-2). */
function observed(sources: SourceSecret[], copies: KubeObject[], journal?: Map<string, JournalEntry>): SecretsObserved {
  const live = new Map<string, KubeObject | null>(copies.map((c) => [objectKey(c), c]));
  for (const s of sources) {
    const key = objectKey(desiredCopy('cp', s));
    if (!live.has(key)) live.set(key, null);
  }
  const result: SecretsObserved = {
    sources: { controlPlane: 'cp', namespaces: ['app-1', 'app-2'], secrets: sources },
    remote: { owned: copies, live, namespaces: new Map() },
  };
  if (journal) result.journal = journal;
  return result;
}

const both = [source('app-1'), source('app-2')];
const ops = (p: ReturnType<typeof planSecrets>): string[] => p.changes.map((c) => `${c.op} ${c.namespace ?? ''}/${c.name}`);

describe('planSecrets: desired inputs + observed → a data plan', () => {
  it.each([
    { name: 'empty remote', copies: [] as KubeObject[], state: 'absent', changes: ['create app-1/istio.default', 'create app-2/istio.default'], writes: 2 },
    { name: 'both copies in sync', copies: both.map((s) => copyOf(s)), state: 'in-sync', changes: [], writes: 0 },
    {
      name: 'one source rotated',
      copies: [copyOf(both[0]!), copyOf(source('app-2', 'OLD'))],
      state: 'out-of-sync',
      changes: ['update app-2/istio.default'],
      writes: 1,
    },
  ])('$name → $state, $writes write(s) carried to apply', ({ copies, state, changes, writes }) => {
    const plan = planSecrets(config, desired(), observed(both, copies));
    expect(plan).toMatchObject({ component: 'secrets', cluster: 'remote-1', state });
    expect(ops(plan)).toEqual(changes);
    expect(plan.work?.writes.length).toBe(writes);
    expect(plan.work?.conflicts).toEqual([]);
    expect(plan.error).toBeUndefined();
  });

  it.each([
    { name: 'the control plane', inputs: desired({ cluster: { name: 'cp', role: 'control-plane', overrides: {} } }), state: 'in-sync', code: undefined },
    { name: 'an invalid per-cluster override', inputs: desired({}, { secrets: { copyCaSecret: 'yes' } }), state: 'failed', code: 'MESHD_ERR_INVALID_CONFIG' },
    { name: 'a remote observed without sources', inputs: desired(), state: 'failed', code: 'MESHD_ERR_INVALID_CONFIG' },
  ])('$name → $state, nothing to carry out', ({ inputs, state, code }) => {
    const plan = planSecrets(config, inputs, {});
    expect(plan).toMatchObject({ state, changes: [], work: undefined });
    expect(plan.errorCode).toBe(code);
  });

  it('a same-named secret meshd does not own: an error only when nothing else is written; its message goes to apply', () => {
    const theirs: KubeObject = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'istio.default', namespace: 'app-2', uid: 'x' },
      type: 'Opaque',
      data: {},
    };
    const alone = planSecrets(config, desired(), observed(both, [copyOf(both[0]!), theirs]));
    expect(alone).toMatchObject({ state: 'unmanaged', errorCode: 'MESHD_ERR_NOT_OWNED' });
    expect(alone.work?.conflicts).toHaveLength(1);
    const busy = planSecrets(config, desired(), observed([both[0]!, both[1]!], [copyOf(source('app-1', 'OLD')), theirs]));
    expect(busy.error).toBeUndefined();
    expect(busy.work?.writes.map((a) => a.op)).toEqual(['update']);
    expect(busy.work?.conflicts).toEqual([alone.error]);
    const adopted = planSecrets(config, desired({ adopt: true }), observed(both, [copyOf(both[0]!), theirs]));
    expect(adopted.work?.conflicts).toEqual([]);
  });

  it('a journal without the copy a remote holds: the plan records it before writing (migration), and deletes only recorded copies', () => {
    const journal = new Map<string, JournalEntry>();
    const plan = planSecrets(
      config,
      desired(),
      observed(
        both,
        both.map((s) => copyOf(s)),
        journal,
      ),
    );
    expect(plan.changes).toEqual([]);
    expect([...(plan.work?.before.record.keys() ?? [])].sort()).toEqual(both.map((s) => objectKey(desiredCopy('cp', s))).sort());
  });

  it('is pure: the same inputs give the same plan, and the display part never holds a secret value', () => {
    fc.assert(
      fc.property(
        fc.subarray(['app-1', 'app-2']),
        fc.subarray(['app-1', 'app-2']),
        fc.string({ minLength: 1, maxLength: 8 }),
        fc.boolean(),
        (sourced, copied, key, adopt) => {
          const sources = sourced.map((ns) => source(ns, key));
          const copies = copied.map((ns) => copyOf(source(ns, 'OLD')));
          const inputs = desired({ adopt });
          const first = planSecrets(config, inputs, observed(sources, copies));
          expect(planSecrets(config, inputs, observed(sources, copies))).toEqual(first);
          const { work: _work, ...display } = first;
          for (const s of sources) expect(JSON.stringify(display)).not.toContain(s.data['key.pem']!);
          expect(first.work?.writes.length ?? 0).toBe(first.changes.filter((c) => c.op !== 'orphan' && c.op !== 'conflict').length);
        },
      ),
    );
  });
});

describe('planSecretsRemoval: only copies meshd made are deleted', () => {
  const copies = both.map((s) => copyOf(s));
  it.each([
    { name: 'no journal: every owned copy, in reverse order', journal: undefined, deletes: ['app-2', 'app-1'], state: 'removed' },
    { name: 'a journal recording one', journal: [copies[0]!], deletes: ['app-1'], state: 'removed' },
    { name: 'an empty journal', journal: [] as KubeObject[], deletes: [], state: 'absent' },
  ])('$name → $deletes', ({ journal, deletes, state }) => {
    const entries = journal && new Map<string, JournalEntry>(journal.map((c) => [objectKey(c), { ref: refOf(c), uid: String(c.metadata.uid) }]));
    const plan = planSecretsRemoval(desired(), entries ? { owned: copies, journal: entries } : { owned: copies });
    expect(plan.state).toBe(state);
    expect(plan.work?.writes.map((a) => a.ref.namespace)).toEqual(deletes);
    expect(plan.changes.filter((c) => c.op === 'delete').map((c) => c.namespace)).toEqual(deletes);
  });

  it('nothing owned: absent, nothing to write', () => {
    expect(planSecretsRemoval(desired(), { owned: [] })).toMatchObject({ state: 'absent', changes: [], work: { writes: [], conflicts: [] } });
  });
});
