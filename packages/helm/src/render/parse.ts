import { MeshdError } from '@meshd/core';
import { type KubeObject } from '@meshd/core/kube';
import { parseAllDocuments, type Document, type Tags } from 'yaml';
import { CLUSTER_SCOPED_KINDS, isClusterScoped } from './scope.js';

/**
 * YAML 1.1 as Kubernetes tooling reads it (octal 0644, yes/no/on/off booleans), without the
 * sexagesimal numbers and timestamps go-yaml never resolves: `12:30` and `2020-01-01` stay strings.
 */
function kubernetesTags(tags: Tags): Tags {
  return tags.filter((tag) =>
    typeof tag === 'string' ? !['intTime', 'floatTime', 'timestamp'].includes(tag) : tag.format !== 'TIME' && tag.tag !== 'tag:yaml.org,2002:timestamp',
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function sourceOf(doc: Document.Parsed, index: number): string {
  const comment = doc.contents?.commentBefore ?? doc.commentBefore ?? '';
  const match = /Source:\s*(\S+)/.exec(comment);
  return match?.[1] ?? `document ${index + 1}`;
}

function asKubeObject(value: unknown, source: string): KubeObject {
  const metadata = isRecord(value) ? value.metadata : undefined;
  if (!isRecord(value) || typeof value.apiVersion !== 'string' || typeof value.kind !== 'string') {
    throw new MeshdError('MESHD_ERR_CHART_RENDER', `rendered ${source} is not a Kubernetes object (apiVersion and kind must be strings)`);
  }
  if (!isRecord(metadata) || typeof metadata.name !== 'string' || metadata.name === '') {
    throw new MeshdError('MESHD_ERR_CHART_RENDER', `rendered ${source} (${value.kind}) has no metadata.name`);
  }
  return value as KubeObject;
}

/** The objects of one document, a `kind: *List` expanded into its items. */
function objectsOf(value: unknown, source: string): KubeObject[] {
  if (isRecord(value) && typeof value.kind === 'string' && value.kind.endsWith('List') && Array.isArray(value.items)) {
    return value.items.map((item: unknown) => asKubeObject(item, source));
  }
  return [asKubeObject(value, source)];
}

/** Sets the release namespace on namespaced objects without one; drops it from cluster-scoped ones. */
function placeInNamespace(obj: KubeObject, namespace: string): KubeObject {
  const metadata = { ...obj.metadata };
  if (isClusterScoped(obj.kind)) delete metadata.namespace;
  else if (metadata.namespace === undefined || metadata.namespace === '') metadata.namespace = namespace;
  return { ...obj, metadata };
}

/**
 * The Kubernetes objects of `helm template` output, in output order. Empty and comment-only
 * documents are dropped; namespaced objects without a namespace get `namespace` (cluster-scoped
 * kinds: see CLUSTER_SCOPED_KINDS). Pure. Invalid YAML or a document that is not an object is a
 * MeshdError MESHD_ERR_CHART_RENDER (terminal) naming the template it came from.
 */
export function parseRenderedManifests(text: string, namespace: string): KubeObject[] {
  const docs = parseAllDocuments(text, { version: '1.1', uniqueKeys: false, customTags: kubernetesTags });
  const objects: KubeObject[] = [];
  for (const [index, doc] of (Array.isArray(docs) ? docs : []).entries()) {
    const source = sourceOf(doc, index);
    const firstError = doc.errors[0];
    if (firstError !== undefined) {
      throw new MeshdError('MESHD_ERR_CHART_RENDER', `helm rendered invalid YAML in ${source}: ${firstError.message}`);
    }
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    objects.push(...objectsOf(value, source).map((obj) => placeInNamespace(obj, namespace)));
  }
  return objects;
}

/**
 * Checks objects made without parsing helm's output (a render by substitution) as a parse checks
 * each document: apiVersion and kind strings and a metadata.name. Throws MeshdError
 * MESHD_ERR_CHART_RENDER naming the object's position otherwise.
 */
export function checkRenderedObjects(objects: readonly unknown[]): KubeObject[] {
  return objects.map((obj, index) => asKubeObject(obj, `object ${index + 1}`));
}

/**
 * The parser's own code (these functions' source text, the cluster-scoped kinds and the YAML
 * library's entry point): what a parse kept on the bastion is keyed by (render/stored.ts), so a meshd
 * whose parser differs in any way parses again instead of reusing an older parse.
 */
export function parserSource(): string {
  const code = [kubernetesTags, isRecord, sourceOf, asKubeObject, objectsOf, placeInNamespace, parseRenderedManifests, isClusterScoped, parseAllDocuments];
  return `${code.map(String).join('\n')}\n${[...CLUSTER_SCOPED_KINDS].join(',')}`;
}
