import type { ObjectSpec } from '../cluster/apis.js';
import type { ClusterClient } from '../cluster/client.js';
import { isNotFound } from '../cluster/client.js';
import { describeHttpError } from '../cluster/failure.js';
import type { ObjectRef } from './object.js';
import { refKey } from './object.js';
import { FIELD_MANAGER } from './object.js';
import type { KubeObject } from './object.js';

/** The content type of a server-side apply patch (the object is sent as JSON, which is YAML). */
const SERVER_SIDE_APPLY = 'application/apply-patch+yaml' as const;

function asSpec(ref: ObjectRef): ObjectSpec {
  return { apiVersion: ref.apiVersion, kind: ref.kind, metadata: { name: ref.name, namespace: ref.namespace } };
}

/** Reads one object; null when it does not exist. Other errors propagate (unreachable, forbidden). */
export async function readObject(client: ClusterClient, ref: ObjectRef): Promise<KubeObject | null> {
  try {
    return (await client.objects.readIfPresent(asSpec(ref))) as unknown as KubeObject | null;
  } catch (err) {
    // A group version the server does not serve at all answers its discovery with a 404: nothing of it exists there.
    if (isNotFound(err)) return null;
    throw err;
  }
}

/** Reads every referenced object (deduplicated); the map is what planObjects takes as `live`. */
export async function readObjects(client: ClusterClient, refs: readonly ObjectRef[]): Promise<Map<string, KubeObject | null>> {
  const unique = [...new Map(refs.map((r) => [refKey(r), r])).values()];
  const entries = await Promise.all(unique.map(async (r) => [refKey(r), await readObject(client, r)] as const));
  return new Map(entries);
}

/** Server-side applies one object with meshd's field manager (creates it when absent); resolves with the live object. */
export async function applyObject(client: ClusterClient, obj: KubeObject): Promise<KubeObject> {
  return await client.objects.patch(obj, { contentType: SERVER_SIDE_APPLY, fieldManager: FIELD_MANAGER, force: true });
}

/** Replaces one object whole (PUT, with the resourceVersion it carries); resolves with the live object. */
export async function replaceObject(client: ClusterClient, obj: KubeObject): Promise<KubeObject> {
  return await client.objects.replace(obj, { fieldManager: FIELD_MANAGER });
}

/** Deletes one object; an object already gone is not an error. */
export async function deleteObject(client: ClusterClient, ref: ObjectRef): Promise<void> {
  try {
    await client.objects.delete(asSpec(ref), { propagationPolicy: 'Background' });
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}

/**
 * A one-line description of a Kubernetes client error: "401 Unauthorized", "HTTP 422: <Status
 * message>" (never headers), or the error's own message (timeouts say "timed out after 10 s").
 */
export function describeError(err: unknown): string {
  const e = err as { code?: unknown; body?: unknown; message?: string };
  if (typeof e.code === 'number') return describeHttpError(e.code, e.body);
  return e.message ?? String(err);
}
