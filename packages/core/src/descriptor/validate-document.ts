import { ANNOTATIONS, DESCRIPTOR_API_VERSION, DESCRIPTOR_KIND, ISTIO_ANNOTATION_PREFIX, KNOWN_ISTIO_ANNOTATIONS, parseGoBool } from './annotations.js';
import { clusterDescriptorSchema, clusterDescriptorSchemaFor, type ClusterDescriptor } from './cluster-schema.js';
import { BRIEF_QUOTE_LENGTH, closestMatch, describeValue } from './describe-value.js';
import { errorAt, warningAt, type Finding } from './finding.js';
import { knownKeysAt } from './schema-keys.js';
import type { PathSegment, YamlDocument } from './yaml-source.js';
import { briefPredicateErrorMap, issuesToFindings, predicateErrorMap } from './zod-findings.js';

/**
 * One Cluster document of a descriptor file: its own findings plus the facts the cross-file checks
 * need, read on a best-effort basis even when the document is invalid (a broken descriptor still
 * says whether it claims to be the control plane).
 */
export interface ClusterDocument {
  file: string;
  doc: YamlDocument;
  findings: Finding[];
  /** metadata.name when it is a string. */
  name?: string;
  /** True when pilotCfgStore reads as true. */
  controlPlane: boolean;
  /** The pilotEndpoint annotation when it is a string. */
  pilotEndpoint?: string;
  /** The parsed descriptor, when the document passed the schema. */
  descriptor?: ClusterDescriptor;
}

function knownKeys(path: readonly PathSegment[]): readonly string[] {
  return knownKeysAt(clusterDescriptorSchema, path);
}

/** True for a document that is a kubeconfig rather than a descriptor (kind Config, or clusters + contexts). */
export function looksLikeKubeconfig(value: unknown): boolean {
  if (!isRecord(value)) return false;
  return value.kind === 'Config' || (value.kind === undefined && Array.isArray(value.clusters) && Array.isArray(value.contexts));
}

/** True for a mapping that says it is a Cluster (kind or apiVersion): its values may be quoted in full. */
function looksLikeDescriptor(value: Record<string, unknown>): boolean {
  return value.kind === DESCRIPTOR_KIND || value.apiVersion === DESCRIPTOR_API_VERSION;
}

/**
 * Validates one YAML document as a cluster descriptor. Messages about a document that does not look
 * like one (a stray token, someone else's YAML) quote only the first few characters of a value.
 * `backends`: the registered backends' names the `meshd.io/backend` annotation may take (undefined:
 * any plugin name). Pure; never throws.
 */
export function validateClusterDocument(file: string, doc: YamlDocument, backends?: readonly string[]): ClusterDocument {
  const value = doc.value;
  if (!isRecord(value)) {
    const message = `a cluster descriptor must be a YAML mapping (apiVersion, kind, metadata, spec), got ${describeValue(value, BRIEF_QUOTE_LENGTH)}`;
    return { file, doc, findings: [errorAt(file, doc.locate([]), message)], controlPlane: false };
  }
  const findings: Finding[] = [];
  const input = withoutNestedSpec(file, doc, value, findings);
  const metadata = isRecord(value.metadata) ? value.metadata : {};
  const annotations = isRecord(metadata.annotations) ? metadata.annotations : {};
  findings.push(...unknownIstioAnnotations(file, doc, annotations));
  const result = clusterDescriptorSchemaFor(backends).safeParse(input, { error: looksLikeDescriptor(value) ? predicateErrorMap : briefPredicateErrorMap });
  const facts: ClusterDocument = {
    file,
    doc,
    findings,
    controlPlane: parseGoBool(annotations[ANNOTATIONS.pilotCfgStore]) === true,
  };
  if (typeof metadata.name === 'string') facts.name = metadata.name;
  const endpoint = annotations[ANNOTATIONS.pilotEndpoint];
  if (typeof endpoint === 'string') facts.pilotEndpoint = endpoint;
  if (result.success) facts.descriptor = result.data;
  else findings.push(...issuesToFindings(file, doc, result.error.issues, knownKeys));
  return facts;
}

/** Warns about `spec` indented under `metadata` (the guide's mistake) and drops it before validation. */
function withoutNestedSpec(file: string, doc: YamlDocument, value: Record<string, unknown>, findings: Finding[]): unknown {
  const metadata = value.metadata;
  if (!isRecord(metadata) || !('spec' in metadata)) return value;
  const where = doc.locate(['metadata', 'spec'], 'key');
  const also = 'spec' in value ? '' : ': move it to the top level, level with metadata';
  findings.push(warningAt(file, where, `spec is indented under metadata, so it is ignored (Pilot ignores it too)${also}`, 'metadata.spec'));
  const { spec: _nested, ...rest } = metadata;
  return { ...value, metadata: rest };
}

function unknownIstioAnnotations(file: string, doc: YamlDocument, annotations: Record<string, unknown>): Finding[] {
  const findings: Finding[] = [];
  for (const key of Object.keys(annotations)) {
    if (!key.startsWith(ISTIO_ANNOTATION_PREFIX) || KNOWN_ISTIO_ANNOTATIONS.includes(key)) continue;
    const suggestion = closestMatch(key, KNOWN_ISTIO_ANNOTATIONS);
    const hint = suggestion === undefined ? '' : `; did you mean ${suggestion}?`;
    const where = doc.locate(['metadata', 'annotations', key], 'key');
    findings.push(warningAt(file, where, `unknown annotation ${key} is ignored${hint}`, key));
  }
  return findings;
}

/** True for a plain mapping (not a list, not null, not binary). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array) && !(value instanceof Date);
}
