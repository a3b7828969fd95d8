import { isOwned, markOwned, planObjects } from '@meshd/core/plan';
import { objectKey, refOf } from '@meshd/core/kube';
import type { KubeObject } from '@meshd/core/kube';
import type { ObjectAction } from '@meshd/core/plan';
import type { SecretsConfig } from './config.js';
import { copyScope, desiredFromSources } from './copies.js';
import type { ObservedSources } from './copies.js';
import { CA_SECRET } from './desired.js';

/** Whether a namespace on a remote can receive copies. */
export type NamespaceState = 'present' | 'missing' | 'terminating';

/** What was observed on one remote. */
export interface ObservedRemote {
  /** Every copy meshd owns there (listed by its labels). */
  owned: KubeObject[];
  /** Live objects by objectKey, for every desired copy and every owned copy; null = absent. */
  live: ReadonlyMap<string, KubeObject | null>;
  /** States of the namespaces read; a namespace not in the map holds an owned copy, so it is present. */
  namespaces: ReadonlyMap<string, NamespaceState>;
}

/** Everything the secrets planner needs; it does no I/O. */
export interface SecretsPlanInput {
  target: string;
  config: SecretsConfig;
  sources: ObservedSources;
  remote: ObservedRemote;
  adopt: boolean;
  prune: boolean;
  /**
   * What the journal recorded creating on this remote for the secrets owner (key → UID): only those
   * copies are deleted. Undefined (no state directory): meshd's labels decide, as before.
   */
  recorded?: ReadonlyMap<string, string>;
}

/** The planned steps on one remote, with what was left alone and why. */
export interface SecretsSteps {
  /** Namespace creations first, then copies (create/update/recreate/keep/conflict), then deletions. */
  actions: ObjectAction[];
  /** Owned copies kept although their source is gone (a missing source never deletes anything). */
  retained: KubeObject[];
  /** Namespaces missing (or terminating) on the remote, with the number of copies not made there. */
  blockedNamespaces: Map<string, { state: NamespaceState; copies: number }>;
  missingSources: string[];
  skipped: string[];
}

function namespaceCreate(name: string): ObjectAction {
  const ns: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name } };
  return { op: 'create', key: objectKey(ns), ref: refOf(ns), desired: markOwned(ns), reason: 'namespace absent' };
}

/** Why an owned copy cannot be updated in place: Secret.type is immutable; keys added by others survive an apply. */
function recreateReason(live: KubeObject, desired: KubeObject): string | undefined {
  if (live.type !== desired.type) return 'type differs (immutable)';
  const wanted = (desired.data ?? {}) as Record<string, string>;
  const extra = Object.keys((live.data ?? {}) as Record<string, string>).filter((k) => !(k in wanted));
  return extra.length > 0 ? `extra data key(s) ${extra.sort().join(', ')}` : undefined;
}

const LEFT_CONFIG = 'its namespace or name left the config';

function refine(action: ObjectAction, live: ReadonlyMap<string, KubeObject | null>): ObjectAction {
  if (action.op === 'delete') return { ...action, reason: LEFT_CONFIG };
  if (action.op === 'orphan') return { ...action, reason: action.reason.replace('no longer rendered', LEFT_CONFIG) };
  if ((action.op !== 'keep' && action.op !== 'update') || !action.desired) return action;
  const current = live.get(action.key);
  const why = current ? recreateReason(current, action.desired) : undefined;
  if (why === undefined) return action;
  return { ...action, op: 'recreate', reason: action.op === 'keep' ? `drifted: ${why}` : `${action.reason}; ${why}`, diff: action.diff ?? [] };
}

function splitByNamespace(
  copies: readonly KubeObject[],
  input: SecretsPlanInput,
): { planned: KubeObject[]; creates: string[]; blocked: SecretsSteps['blockedNamespaces'] } {
  const planned: KubeObject[] = [];
  const creates = new Set<string>();
  const blocked: SecretsSteps['blockedNamespaces'] = new Map();
  for (const copy of copies) {
    const ns = copy.metadata.namespace ?? '';
    const state = input.remote.namespaces.get(ns) ?? 'present';
    const mayCreate = input.config.createNamespaces || ns === CA_SECRET.namespace;
    if (state === 'present' || (state === 'missing' && mayCreate)) {
      planned.push(copy);
      if (state === 'missing') creates.add(ns);
      continue;
    }
    const entry = blocked.get(ns) ?? { state, copies: 0 };
    entry.copies += 1;
    blocked.set(ns, entry);
  }
  return { planned, creates: [...creates].sort(), blocked };
}

/**
 * Pure: the steps that make one remote hold exactly the copies the control plane's sources call for.
 * Copies meshd owns whose namespace or name left the config are deleted (when prune is on); copies
 * whose source vanished stay; a same-named secret meshd does not own is a conflict unless adopt.
 * Namespaces are created only with createNamespaces (istio-system always, for the CA copy).
 */
export function planSecretCopies(input: SecretsPlanInput): SecretsSteps {
  const wanted = desiredFromSources(input.sources, input.config);
  const { planned, creates, blocked } = splitByNamespace(wanted.copies, input);
  const plannedKeys = new Set(planned.map((c) => objectKey(c)));
  const inScope = copyScope(input.config, input.sources.namespaces);
  const notWanted = input.remote.owned.filter((o) => isOwned(o) && !plannedKeys.has(objectKey(o)));
  const retained = notWanted.filter((o) => inScope(o.metadata.namespace ?? '', o.metadata.name));
  const previous = notWanted.filter((o) => !retained.includes(o)).map(refOf);
  const guards = input.recorded === undefined ? {} : { recorded: input.recorded };
  const copyActions = planObjects({ desired: planned, live: input.remote.live, previous, adopt: input.adopt, prune: input.prune, ...guards }).map((a) =>
    refine(a, input.remote.live),
  );
  return {
    actions: [...creates.map(namespaceCreate), ...copyActions],
    retained,
    blockedNamespaces: blocked,
    missingSources: wanted.missingSources,
    skipped: wanted.skipped,
  };
}
