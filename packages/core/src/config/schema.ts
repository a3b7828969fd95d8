import * as z from 'zod';
import { describeValue } from '../descriptor/describe-value.js';
import { isDnsLabel, isIpAddress, parseHostPort } from '../descriptor/network.js';
import { parseDuration } from './duration.js';

// Messages are predicates ("must be ..."): the field's name is put in front when reported.

function checkedString(ok: (s: string) => boolean, expected: string) {
  return z.string().refine(ok, { error: (iss) => `must be ${expected}, got ${describeValue(iss.input)}` });
}

const dnsLabel = checkedString(isDnsLabel, "a DNS-1123 label (lowercase letters, digits and '-')");
const secretNamePattern = checkedString(
  (v) => v.length <= 253 && /^[a-z0-9*?]([-a-z0-9.*?]*[a-z0-9*?])?$/.test(v),
  'a Secret name (DNS-1123 subdomain), optionally with * or ? wildcards such as "istio.*"',
);
const ipAddress = checkedString(isIpAddress, 'an IP address (a pod IP or a stable load-balancer IP)');
const listenAddress = checkedString((s) => parseHostPort(s)?.port !== undefined, 'HOST:PORT, e.g. "127.0.0.1:9580"');
const backend = z.enum(['helm-template', 'tiller']);
const values = z.record(z.string(), z.unknown());

const duration = z.string().transform((text, ctx) => {
  const ms = parseDuration(text);
  if (ms !== undefined) return ms;
  ctx.addIssue({ code: 'custom', message: `must be a duration such as "10m", "90s" or "1h30m", got ${describeValue(text)}` });
  return z.NEVER;
});

/** Per-cluster `secrets:` overrides: any field of `secrets`, no defaults. */
const secretsOverrideSchema = z.strictObject({
  names: z.array(secretNamePattern).min(1).optional(),
  namespaces: z.array(dnsLabel).optional(),
  namespaceSelector: z.string().min(1).optional(),
  createNamespaces: z.boolean().optional(),
  copyCaSecret: z.boolean().optional(),
});

/** Per-cluster overrides, keyed by cluster name in `clusters`. */
const clusterOverrideSchema = z.strictObject({
  backend: backend.optional(),
  tillerHost: listenAddress.optional(),
  tillerNamespace: dnsLabel.optional(),
  values: values.optional(),
  secrets: secretsOverrideSchema.optional(),
});

/**
 * meshd.yaml: every key optional with the defaults of DESIGN.md § Interfaces; unknown keys are
 * errors. `resync` is written as a duration ("10m") and comes out in milliseconds.
 */
export const meshdConfigSchema = z.strictObject({
  directory: z.string().min(1).default('~/multicluster'),
  listen: listenAddress.default('127.0.0.1:9580'),
  backend: backend.default('helm-template'),
  chart: z.string().min(1).default('./examples/charts/istio-remote'),
  release: z.strictObject({ name: dnsLabel.default('istio-remote'), namespace: dnsLabel.default('istio-system') }).prefault({}),
  values: values.default({}),
  endpoints: z.strictObject({ pilot: ipAddress.optional(), policy: ipAddress.optional(), statsd: ipAddress.optional() }).prefault({}),
  registry: z
    .strictObject({
      mode: z.enum(['configmap', 'secrets']).default('configmap'),
      namespace: dnsLabel.default('istio-system'),
      restartPilot: z.boolean().default(false),
    })
    .prefault({}),
  secrets: z
    .strictObject({
      names: z.array(secretNamePattern).min(1).default(['istio.default']),
      namespaces: z.array(dnsLabel).default(['default']),
      namespaceSelector: z.string().min(1).optional(),
      createNamespaces: z.boolean().default(false),
      copyCaSecret: z.boolean().default(false),
    })
    .prefault({}),
  resync: duration.prefault('10m'),
  /**
   * Server-side timeout of each daemon watch request. A request still open a quarter of it later
   * (at most 30 s) is taken for a connection that died silently, and the watch relists.
   */
  watchTimeout: duration.prefault('5m'),
  prune: z.boolean().default(true),
  adopt: z.boolean().default(false),
  concurrency: z.int().min(1).max(64).default(4),
  helm: z.strictObject({ binary: z.string().min(1).default('helm') }).prefault({}),
  tiller: z
    .strictObject({
      helmBinary: z.string().min(1).default('helm'),
      namespace: dnsLabel.default('kube-system'),
      ensure: z.boolean().default(false),
      connectTimeout: duration.prefault('10s'),
      timeout: duration.prefault('5m'),
    })
    .prefault({}),
  clusters: z.record(dnsLabel, clusterOverrideSchema).default({}),
  /** meshd's memory on the bastion; default $XDG_STATE_HOME/meshd, else ~/.local/state/meshd. */
  stateDirectory: z.string().min(1).optional(),
  removals: z.strictObject({ maxPerPass: z.int().min(0).max(100_000).default(1) }).prefault({}),
  /** Charts of the Kubernetes 1.9–1.11 era: convert API versions the cluster no longer serves (off: report them). */
  compat: z.strictObject({ convertRemovedApis: z.boolean().default(false) }).prefault({}),
  /** A current istiod reading the registry: its monitoring base URL (`meshd verify` reads /debug/clusterz there); empty or absent: none. */
  istiod: z.strictObject({ debugUrl: z.string().default('') }).prefault({}),
});

/**
 * The validated meshd configuration. `directory`, `chart` and `stateDirectory` are absolute once
 * loadConfig has resolved them; `resync` is in milliseconds. Owned by whoever loaded it; treat as read-only.
 */
export type MeshdConfig = z.output<typeof meshdConfigSchema>;

/** meshd.yaml as written (every key optional), also the shape of command-line overrides. */
export type MeshdConfigInput = z.input<typeof meshdConfigSchema>;

/** Per-cluster overrides (`clusters.NAME`). */
export type ClusterOverride = z.output<typeof clusterOverrideSchema>;

/** Which backend renders and installs istio-remote on a remote cluster. */
export type BackendName = z.output<typeof backend>;
