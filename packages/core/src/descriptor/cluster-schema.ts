import * as z from 'zod';
import {
  ANNOTATIONS,
  BACKEND_ANNOTATION,
  BACKEND_NAMES,
  DESCRIPTOR_API_VERSION,
  DESCRIPTOR_KIND,
  fileNameProblem,
  OTHER_PLATFORMS,
  parseGoBool,
} from './annotations.js';
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
  'host:port (an IP address or DNS name, then a port 1-65535), e.g. "192.168.1.1:9080"',
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

/** The annotations meshd reads; other annotations pass through untouched. */
const annotationsSchema = z.looseObject(
  {
    [ANNOTATIONS.pilotEndpoint]: hostWithPort,
    [ANNOTATIONS.platform]: platform.optional(),
    [ANNOTATIONS.pilotCfgStore]: pilotCfgStore.optional(),
    [ANNOTATIONS.accessConfigFile]: accessConfigFile,
    [ANNOTATIONS.accessConfigSecret]: checkedString(isDnsSubdomain, 'a Secret name (DNS-1123 subdomain)').optional(),
    [ANNOTATIONS.accessConfigSecretNamespace]: dnsLabel.optional(),
    [BACKEND_ANNOTATION]: checkedString((s) => BACKEND_NAMES.includes(s), 'helm-template or tiller').optional(),
  },
  {
    error: (iss) =>
      iss.input === undefined || iss.input === null
        ? `is missing: a Cluster needs at least ${ANNOTATIONS.pilotEndpoint} and ${ANNOTATIONS.accessConfigFile}`
        : undefined,
  },
);

const serverEndpointSchema = z.strictObject({
  clientCIDR: checkedString((s) => parseCidr(s) !== undefined, 'a CIDR block such as "10.0.0.0/24" or "0.0.0.0/0"'),
  serverAddress: checkedString(
    (s) => parseHostPort(s) !== undefined,
    'an IP address or host name with an optional port (no scheme), e.g. "10.23.230.11" or "api.example.com:6443"',
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

/** A clusterregistry.k8s.io/v1alpha1 Cluster as meshd accepts it (unknown fields are errors). */
export const clusterDescriptorSchema = z.strictObject({
  apiVersion: z.literal(DESCRIPTOR_API_VERSION),
  kind: z.literal(DESCRIPTOR_KIND),
  metadata: z.strictObject({
    name: dnsLabel,
    namespace: dnsLabel.optional(),
    labels: z.record(z.string(), z.string()).nullish(),
    annotations: annotationsSchema,
  }),
  spec: specSchema.nullish(),
  status: z.unknown().optional(),
});

/** A parsed cluster descriptor. */
export type ClusterDescriptor = z.output<typeof clusterDescriptorSchema>;
/** The spec of a cluster descriptor (cluster-registry ClusterSpec). */
export type ClusterSpec = z.output<typeof specSchema>;
