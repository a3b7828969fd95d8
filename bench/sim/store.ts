// SIMULATION (benchmarks only): one simulated cluster's objects, resourceVersions, a short event
// history for watches, and a count of the requests it served.
import { randomUUID } from 'node:crypto';
import type { SimResource } from './resources.js';
import { apiVersionOf } from './resources.js';
import type { Matcher, SimObject } from './selectors.js';

/** A change as a watch reports it. */
export interface SimEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  plural: string;
  object: SimObject;
  rv: number;
}

/** A watch in progress: which objects it follows and where events go. */
interface Watcher {
  plural: string;
  namespace: string | undefined;
  match: Matcher;
  send: (event: SimEvent) => void;
}

/** Requests a simulated cluster served, by kind of verb. */
export interface RequestCounts {
  reads: number;
  writes: number;
  watches: number;
  /** TLS connections the client opened to this cluster's API server. */
  connections: number;
  /** Of those, the ones that speak HTTP/2 (ALPN h2: meshd's watches and what shares their connection). */
  h2Connections: number;
}

const HISTORY = 2000;

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([k, v]) => v !== undefined && k !== 'resourceVersion' && k !== 'managedFields');
    return `{${entries
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Objects of one simulated cluster. Owned by its SimCluster; not shared between clusters. */
export class ClusterStore {
  readonly counts: RequestCounts = { reads: 0, writes: 0, watches: 0, connections: 0, h2Connections: 0 };
  private readonly objects = new Map<string, SimObject>();
  private readonly history: SimEvent[] = [];
  private readonly watchers = new Set<Watcher>();
  private rv = 1;

  private key(res: SimResource, namespace: string | undefined, name: string): string {
    return `${res.plural}/${res.namespaced ? (namespace ?? '') : ''}/${name}`;
  }

  /** The current resourceVersion (as lists report it). */
  version(): string {
    return String(this.rv);
  }

  get(res: SimResource, namespace: string | undefined, name: string): SimObject | undefined {
    return this.objects.get(this.key(res, namespace, name));
  }

  /** Objects of a type, in one namespace or all, that match. */
  list(res: SimResource, namespace: string | undefined, match: Matcher): SimObject[] {
    const prefix = res.namespaced && namespace !== undefined ? `${res.plural}/${namespace}/` : `${res.plural}/`;
    return [...this.objects.entries()].filter(([k, o]) => k.startsWith(prefix) && match(o)).map(([, o]) => o);
  }

  /** Stores a new object (server fields added). The caller checked it does not exist. */
  create(res: SimResource, obj: SimObject): SimObject {
    const stored: SimObject = { ...obj, apiVersion: apiVersionOf(res), kind: res.kind };
    stored.metadata = {
      ...obj.metadata,
      uid: randomUUID(),
      creationTimestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      resourceVersion: String(++this.rv),
    };
    if (!res.namespaced) delete stored.metadata.namespace;
    if (res.kind === 'Namespace') stored.status = { phase: 'Active' };
    this.objects.set(this.key(res, obj.metadata.namespace, obj.metadata.name), stored);
    this.emit('ADDED', res, stored);
    return stored;
  }

  /** Replaces an existing object; a change bumps its resourceVersion, no change leaves it as it was. */
  update(res: SimResource, existing: SimObject, next: SimObject): SimObject {
    const merged: SimObject = { ...next, apiVersion: apiVersionOf(res), kind: res.kind };
    const keep = existing.metadata;
    merged.metadata = { ...next.metadata, uid: keep.uid, creationTimestamp: keep.creationTimestamp, resourceVersion: keep.resourceVersion };
    if (next.metadata.namespace === undefined && res.namespaced) merged.metadata.namespace = keep.namespace;
    if (canonical(merged) === canonical(existing)) return existing;
    merged.metadata.resourceVersion = String(++this.rv);
    this.objects.set(this.key(res, keep.namespace, keep.name), merged);
    this.emit('MODIFIED', res, merged);
    return merged;
  }

  /** Removes an object (a Namespace takes everything in it along); undefined when absent. */
  delete(res: SimResource, namespace: string | undefined, name: string): SimObject | undefined {
    const key = this.key(res, namespace, name);
    const obj = this.objects.get(key);
    if (!obj) return undefined;
    this.objects.delete(key);
    this.emit('DELETED', res, { ...obj, metadata: { ...obj.metadata, resourceVersion: String(++this.rv) } });
    if (res.kind === 'Namespace') this.deleteNamespaceContents(name);
    return obj;
  }

  private deleteNamespaceContents(namespace: string): void {
    for (const [key, obj] of [...this.objects.entries()]) {
      if (obj.metadata.namespace !== namespace) continue;
      this.objects.delete(key);
      const plural = key.slice(0, key.indexOf('/'));
      this.broadcast({ type: 'DELETED', plural, object: obj, rv: ++this.rv });
    }
  }

  /** Starts a watch from `fromRv` (events after it are replayed); 'expired' when history is too short. */
  watch(w: Watcher, fromRv: number | undefined): (() => void) | 'expired' {
    if (fromRv !== undefined && fromRv < this.rv) {
      const oldest = this.history[0]?.rv ?? this.rv + 1;
      if (fromRv + 1 < oldest && this.history.length >= HISTORY) return 'expired';
      for (const e of this.history) if (e.rv > fromRv && this.follows(w, e)) w.send(e);
    }
    this.watchers.add(w);
    return () => this.watchers.delete(w);
  }

  private follows(w: Watcher, e: SimEvent): boolean {
    if (w.plural !== e.plural) return false;
    if (w.namespace !== undefined && e.object.metadata.namespace !== w.namespace) return false;
    return w.match(e.object);
  }

  private emit(type: SimEvent['type'], res: SimResource, object: SimObject): void {
    this.broadcast({ type, plural: res.plural, object, rv: Number(object.metadata.resourceVersion) });
  }

  private broadcast(event: SimEvent): void {
    this.history.push(event);
    if (this.history.length > HISTORY) this.history.shift();
    for (const w of this.watchers) if (this.follows(w, event)) w.send(event);
  }
}
