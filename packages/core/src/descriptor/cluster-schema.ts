import * as z from 'zod';
import { ANNOTATIONS, BACKEND_ANNOTATION, DESCRIPTOR_API_VERSION, DESCRIPTOR_KIND, fileNameProblem, OTHER_PLATFORMS, parseGoBool } from './annotations.js';
import { describeValue } from './describe-value.js';
import { isDnsLabel, isDnsSubdomain, parseCidr, parseHostPort } from './network.js';

// Error messages here are predicates ("must be ..."): zod-findings.ts puts the field's name in front.

/** A string checked by `ok`, with "must be <expected>, got <value>" when it fails. */
function checkedString(ok: (s: string) => boolean, expected: string): z.ZodString {
  return z.string().refine(ok, { error: (iss) => `must be ${expected}, got ${describeValue(iss.input)}` });
}

const dnsLabel = checkedString(
  isDnsLabel,
  "a DNS-1123 label (lowercase letters a-z, digits and '-', starting and ending with a letter or digit, at most 63 characters)",
);

const hostWithPort = checkedString(
  (s) => parseHostPort(s)?.port !== undefined,
  'host:port (an IP address or DNS name, then a port 1-65535), e.g. "192.0.2.1:9080"',
);

const platform = z.unknown().superRefine((value, ctx) => {
  if (value === undefined || value === null || value === '' || value === 'Kubernetes') return;
  const message =
    typeof value === 'string' && OTHER_PLATFORMS.includes(value)
      ? `is ${JSON.stringify(value)}: meshd manages Kubernetes clusters only`
      : `must be "Kubernetes" (or empty), got ${describeValue(value)}`;
  ctx.addIssue({ code: 'custom', message });
});

const pilotCfgStore = z.unknown().refine((v) => v === undefined || parseGoBool(v) !== undefined, {
  error: (iss) => `must be true or false, got ${describeValue(iss.input)}`,
});

const accessConfigFile = z.string().superRefine((value, ctx) => {
  const problem = fileNameProblem(value);
  if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
});

/**
 * The backend annotation: one of the registered backends' names (the pass's plugins); without names
 * (a caller that registers none) any plugin name, which the pass refuses when it is not registered.
 */
function backendAnnotation(backends: readonly string[] | undefined): z.ZodString {
  if (backends === undefined) return checkedString((s) => /^[a-z][a-z0-9-]{0,62}$/.test(s), 'a backend plugin name');
  const expected = backends.length === 0 ? 'a registered backend (none is registered)' : `a registered backend: ${backends.join(', ')}`;
  return checkedString((s) => backends.includes(s), expected);
}

/** The annotations meshd reads; other annotations pass through untouched. */
// A zod schema's type is the one z infers from it: written out, it would repeat the schema.
// eslint-disable-next-line @typescript-eslint/explicit-function-return-type
const annotationsSchemaFor = (backends: readonly string[] | undefined) =>
  z.looseObject(
    {
      [ANNOTATIONS.pilotEndpoint]: hostWithPort,
      [ANNOTATIONS.platform]: platform.optional(),
      [ANNOTATIONS.pilotCfgStore]: pilotCfgStore.optional(),
      [ANNOTATIONS.accessConfigFile]: accessConfigFile,
      [ANNOTATIONS.accessConfigSecret]: checkedString(isDnsSubdomain, 'a Secret name (DNS-1123 subdomain)').optional(),
      [ANNOTATIONS.accessConfigSecretNamespace]: dnsLabel.optional(),
      [BACKEND_ANNOTATION]: backendAnnotation(backends).optional(),
    },
    {
      error: (iss) =>
        iss.input === undefined || iss.input === null
          ? `is missing: a Cluster needs at least ${ANNOTATIONS.pilotEndpoint} and ${ANNOTATIONS.accessConfigFile}`
          : undefined,
    },
  );

const serverEndpointSchema = z.strictObject({
  clientCIDR: checkedString((s) => parseCidr(s) !== undefined, 'a CIDR block such as "198.51.100.0/24" or "0.0.0.0/0"'),
  serverAddress: checkedString(
    (s) => parseHostPort(s) !== undefined,
    'an IP address or host name with an optional port (no scheme), e.g. "203.0.113.11" or "api.example.com:6443"',
  ),
});

/** The cluster-registry ClusterSpec; Pilot ignored it, meshd checks its syntax. */
const specSchema = z.strictObject({
  kubernetesApiEndpoints: z
    .strictObject({
      serverEndpoints: z.array(serverEndpointSchema).nullish(),
      caBundle: checkedString((s) => /^[A-Za-z0-9+/\s]*={0,2}\s*$/.test(s), 'base64 text').nullish(),
    })
    .nullish(),
  authInfo: z.record(z.string(), z.unknown()).nullish(),
});

// A zod schema's type is the one z infers from it: written out, it would repeat the schema.
// eslint-disable-next-line @typescript-eslint/explicit-function-return-type
const descriptorSchemaFor = (backends: readonly string[] | undefined) =>
  z.strictObject({
    apiVersion: z.literal(DESCRIPTOR_API_VERSION),
    kind: z.literal(DESCRIPTOR_KIND),
    metadata: z.strictObject({
      name: dnsLabel,
      namespace: dnsLabel.optional(),
      labels: z.record(z.string(), z.string()).nullish(),
      annotations: annotationsSchemaFor(backends),
    }),
    spec: specSchema.nullish(),
    status: z.unknown().optional(),
  });

/** The zod schema of a cluster descriptor (for one set of registered backends). */
export type ClusterDescriptorSchema = ReturnType<typeof descriptorSchemaFor>;

/** A clusterregistry.k8s.io/v1alpha1 Cluster as meshd accepts it, any backend plugin name allowed (unknown fields are errors). */
export const clusterDescriptorSchema: ClusterDescriptorSchema = descriptorSchemaFor(undefined);

// One schema per list of registered backends: a directory of 500 descriptors builds it once.
const schemas = new Map<string, ClusterDescriptorSchema>();

/**
 * A Cluster descriptor's schema whose `meshd.io/backend` annotation must name one of `backends` (the
 * registered backends and renderers); without names, clusterDescriptorSchema.
 */
export function clusterDescriptorSchemaFor(backends: readonly string[] | undefined): ClusterDescriptorSchema {
  if (backends === undefined) return clusterDescriptorSchema;
  const key = backends.join('\n');
  const known = schemas.get(key);
  if (known !== undefined) return known;
  const schema = descriptorSchemaFor([...backends]);
  if (schemas.size >= 16) schemas.clear();
  schemas.set(key, schema);
  return schema;
}

/** A parsed cluster descriptor. */
export type ClusterDescriptor = z.output<ClusterDescriptorSchema>;
/** The spec of a cluster descriptor (cluster-registry ClusterSpec). */
export type ClusterSpec = z.output<typeof specSchema>;
