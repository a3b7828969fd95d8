import type { Json } from './convert-shapes.js';
import { obj, objs, omit } from './convert-shapes.js';

/** What a CRD version carries in apiextensions.k8s.io/v1 that v1beta1 kept at the top of `spec`. */
const PER_VERSION = ['validation', 'subresources', 'additionalPrinterColumns'] as const;

/** A schema as v1 wants it: structural at its root (`type: object`), or open when the CRD had none. */
function schemaOf(validation: Json | undefined): Json {
  const schema = obj(validation?.openAPIV3Schema);
  if (!schema) return { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } };
  return { openAPIV3Schema: { type: 'object', ...schema } };
}

function printerColumns(columns: Json[] | undefined): Json[] | undefined {
  return columns?.map((c) => {
    const { JSONPath, ...rest } = c;
    return JSONPath === undefined ? c : { ...rest, jsonPath: JSONPath };
  });
}

function versionEntry(version: Json, spec: Json): Json {
  const entry: Json = { ...omit(version, ...PER_VERSION, 'schema'), schema: schemaOf(obj(version.schema) ?? obj(version.validation) ?? obj(spec.validation)) };
  const subresources = obj(version.subresources) ?? obj(spec.subresources);
  if (subresources) entry.subresources = subresources;
  const columns = printerColumns(objs(version.additionalPrinterColumns) ?? objs(spec.additionalPrinterColumns));
  if (columns) entry.additionalPrinterColumns = columns;
  return entry;
}

/**
 * Pure: an apiextensions.k8s.io/v1beta1 CRD spec as v1: `version` becomes `versions` (served and
 * storage), the top-level validation, subresources and printer columns move into each version (as
 * v1beta1 applied them), a schema gets its structural root or, when there was none,
 * `x-kubernetes-preserve-unknown-fields` (what v1beta1 did with unknown fields), scope defaults to
 * Namespaced as it did.
 */
export function crdSpecToV1(spec: Json): Json {
  const listed = objs(spec.versions);
  const versions = listed && listed.length > 0 ? listed : [{ name: spec.version, served: true, storage: true }];
  const rest = omit(spec, 'version', 'versions', 'preserveUnknownFields', ...PER_VERSION);
  return { ...rest, scope: spec.scope ?? 'Namespaced', versions: versions.map((v) => versionEntry(v, spec)) };
}

/**
 * Pure: an admissionregistration.k8s.io/v1beta1 webhook as v1: the fields v1 requires get the values
 * v1beta1 defaulted (admissionReviewVersions v1beta1, sideEffects None when unset), and the defaults
 * that changed are written out so behaviour stays (failurePolicy Ignore, matchPolicy Exact, timeout 30 s).
 */
export function webhookToV1(webhook: Json): Json {
  const sideEffects =
    webhook.sideEffects === undefined || webhook.sideEffects === 'Unknown' ? 'None' : webhook.sideEffects === 'Some' ? 'NoneOnDryRun' : webhook.sideEffects;
  return {
    failurePolicy: 'Ignore',
    matchPolicy: 'Exact',
    timeoutSeconds: 30,
    admissionReviewVersions: ['v1beta1'],
    ...webhook,
    sideEffects,
  };
}
