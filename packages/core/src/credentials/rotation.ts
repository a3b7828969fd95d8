import type { BindingRef, CredentialRecord } from '../state/credential-records.js';

/** How minted credentials live: the `credentials:` settings that decide when to mint and retire. */
export interface RotationPolicy {
  serviceAccount: string;
  namespace: string;
  lifetimeMs: number;
  /** Fraction of a token's lifetime after which a new one is minted (default 2/3). */
  rotateAt: number;
  /** How long a replaced credential stays valid after its successor was published. */
  retireAfterMs: number;
  legacy: boolean;
}

/** What to do with a cluster's credential in this pass. */
export type CredentialDecision = { action: 'keep' } | { action: 'mint'; reason: string };

/** Pure: when a record is due for rotation (undefined: never, a legacy token does not expire). */
export function rotationDueAt(record: CredentialRecord, rotateAt: number): Date | undefined {
  if (record.expiresAt === undefined) return undefined;
  const issued = Date.parse(record.issuedAt);
  const expires = Date.parse(record.expiresAt);
  return new Date(issued + Math.floor((expires - issued) * rotateAt));
}

/**
 * What the cluster says of a stored credential's binding object: `present` (same UID), `gone`
 * (deleted, or replaced by another object of that name: every token bound to it is revoked), or
 * `unknown` (not looked at this pass).
 */
export type BindingState = 'present' | 'gone' | 'unknown';

/** Why the configuration no longer matches a stored credential (another ServiceAccount or kind); undefined: it matches. */
function configuredChange(record: CredentialRecord, policy: RotationPolicy): string | undefined {
  if (record.serviceAccount !== policy.serviceAccount || record.namespace !== policy.namespace) return 'the reader ServiceAccount changed';
  if ((record.kind === 'legacy-token') !== policy.legacy)
    return policy.legacy ? 'credentials.legacyToken was turned on' : 'credentials.legacyToken was turned off';
  return undefined;
}

/**
 * Pure: keep the stored credential, or mint a new one — none yet, another ServiceAccount or kind
 * configured, its binding object deleted outside meshd (the token no longer works), or its rotation
 * time (rotateAt of its lifetime) reached.
 */
export function decideCredential(
  record: CredentialRecord | undefined,
  policy: RotationPolicy,
  now: Date,
  binding: BindingState = 'unknown',
): CredentialDecision {
  if (record === undefined) return { action: 'mint', reason: 'no credential yet' };
  const configChange = configuredChange(record, policy);
  if (configChange !== undefined) return { action: 'mint', reason: configChange };
  if (binding === 'gone')
    return {
      action: 'mint',
      reason: `its binding Secret ${record.binding.namespace}/${record.binding.name} was deleted outside meshd: the published token is revoked`,
    };
  const due = rotationDueAt(record, policy.rotateAt);
  if (due !== undefined && now.getTime() >= due.getTime())
    return { action: 'mint', reason: `rotation due since ${due.toISOString()} (expires ${record.expiresAt ?? ''})` };
  return { action: 'keep' };
}

/** Pure: the replaced credentials that may be revoked now (their successor published at least retireAfter ago). */
export function retiringDue(record: CredentialRecord, policy: RotationPolicy, now: Date): BindingRef[] {
  if (record.retiring.length === 0 || record.publishedAt === undefined) return [];
  return now.getTime() >= Date.parse(record.publishedAt) + policy.retireAfterMs ? record.retiring : [];
}

/** Pure: the next moment a credential needs a pass (rotation, or revoking a replaced one); undefined: none. */
export function nextCredentialEvent(record: CredentialRecord, policy: RotationPolicy): Date | undefined {
  const times = [rotationDueAt(record, policy.rotateAt)?.getTime()];
  if (record.retiring.length > 0 && record.publishedAt !== undefined) times.push(Date.parse(record.publishedAt) + policy.retireAfterMs);
  const known = times.filter((t): t is number => t !== undefined && Number.isFinite(t));
  return known.length === 0 ? undefined : new Date(Math.min(...known));
}
