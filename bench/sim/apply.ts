// SIMULATION (benchmarks only): server-side apply and JSON merge patch, simplified. One field
// manager per object is assumed (what meshd's benchmarks produce): applied top-level fields replace
// the live ones, labels and annotations merge, status stays. managedFields is filled with a
// FieldsV1-shaped skeleton so responses are about as large as a real server's.
import type { SimObject } from './selectors.js';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The FieldsV1 tree of an object: every key as `f:key`, leaves as {}. */
export function fieldsSkeleton(value: unknown): Json {
  if (!isObject(value)) return {};
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [`f:${k}`, fieldsSkeleton(v)]));
}

function managedFields(manager: string, applied: SimObject, operation: 'Apply' | 'Update' = 'Apply'): Json[] {
  const { apiVersion: _a, kind: _k, metadata, ...rest } = applied;
  const { name: _n, namespace: _ns, ...meta } = metadata;
  const fieldsV1 = { ...fieldsSkeleton(rest), ...(Object.keys(meta).length > 0 ? { 'f:metadata': fieldsSkeleton(meta) } : {}) };
  return [{ manager, operation, apiVersion: applied.apiVersion, time: new Date().toISOString().replace(/\.\d+Z$/, 'Z'), fieldsType: 'FieldsV1', fieldsV1 }];
}

/**
 * What a create or replace (PUT) of `written` by `manager` stores: the object with one `Update`
 * entry for that manager, as kube-apiserver records a write made with `?fieldManager=` (meshd's
 * own watches tell their own writes from drift by it).
 */
export function updatedBy(written: SimObject, manager: string): SimObject {
  return { ...written, metadata: { ...written.metadata, managedFields: managedFields(manager, written, 'Update') } };
}

/** What a server-side apply of `applied` over `existing` (or nothing) stores. */
export function serverSideApply(existing: SimObject | undefined, applied: SimObject, manager: string): SimObject {
  const fields = managedFields(manager, applied);
  if (!existing) return { ...applied, metadata: { ...applied.metadata, managedFields: fields } };
  const { metadata: _m, ...keptTop } = existing;
  const labels = { ...existing.metadata.labels, ...applied.metadata.labels };
  const annotations = {
    ...(existing.metadata.annotations as Record<string, string> | undefined),
    ...(applied.metadata.annotations as Record<string, string> | undefined),
  };
  const metadata: SimObject['metadata'] = { ...existing.metadata, ...applied.metadata, managedFields: fields };
  if (Object.keys(labels).length > 0) metadata.labels = labels;
  if (Object.keys(annotations).length > 0) metadata.annotations = annotations;
  return { ...keptTop, ...applied, metadata };
}

/** RFC 7386 JSON merge patch. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return patch;
  const out: Json = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}
