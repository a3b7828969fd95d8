import * as z from 'zod';
import { describeValue } from '../descriptor/describe-value.js';
import { isIpAddress } from '../descriptor/network.js';
import { checkedString, dnsLabel, duration, ipAddress, listenAddress } from './fields.js';
import { backendNames, ownedKeys, type ConfigPlugin } from './plugin-keys.js';

// Messages are predicates ("must be ..."): the field's name is put in front when reported.

// A name the health server may be reached by (`allowedHosts`): a DNS name or an IP address, no port.
const hostName = checkedString(
  (s) => s.length <= 253 && (/^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/.test(s) || isIpAddress(s)),
  'a host name such as "meshd.example.internal" (no port, no scheme)',
);
const serverUrl = checkedString((s) => /^https:\/\/[^\s/]+(\/\S*)?$/.test(s), 'an https URL such as "https://198.51.100.10:6443"');
const values = z.record(z.string(), z.unknown());

/** A plugin's name as definePlugin accepts it. */
const pluginName = checkedString((s) => /^[a-z][a-z0-9-]{0,62}$/.test(s), 'a plugin name (lower-case letters, digits and dashes)');

/**
 * `backend:` one of the registered backends' names (loadPlugins' `backendNames`). Core keeps no list
 * of its own: without registered names (a library caller that has not said which plugins it runs)
 * any plugin name passes here, and the pass refuses one that is not registered.
 */
function backendSchema(backends: readonly [string, ...string[]] | undefined): z.ZodType<string> {
  if (backends === undefined) return pluginName;
  return z.string().refine((s) => backends.includes(s), {
    error: (iss) => `must be a registered backend (${backends.join(', ')}), got ${describeValue(iss.input)}`,
  });
}

/**
 * The default `backend:`: helm-template (DESIGN.md § Interfaces) when it is registered, else the
 * first registered backend.
 */
function defaultBackend(backends: readonly [string, ...string[]] | undefined): string {
  return backends === undefined || backends.includes('helm-template') ? 'helm-template' : backends[0];
}

/** Per-cluster overrides core owns, keyed by cluster name in `clusters` (plugins add theirs: PluginConfigKeys.cluster). */
// A zod schema's type is the one z infers from it: written out, it would repeat the schema.
// eslint-disable-next-line @typescript-eslint/explicit-function-return-type
const clusterOverrideSchemaFor = (backends: readonly [string, ...string[]] | undefined) =>
  z.strictObject({
    backend: backendSchema(backends).optional(),
    values: values.optional(),
    /** The API server URL the control plane's Pilot must dial for this cluster (wins over the descriptor's serverEndpoints). */
    publishedServer: serverUrl.optional(),
  });

/** An extra RBAC rule for the minted Pilot reader (`credentials.rules`). */
const policyRuleSchema = z.strictObject({
  apiGroups: z.array(z.string()).min(1),
  resources: z.array(z.string().min(1)).min(1),
  verbs: z.array(z.enum(['get', 'list', 'watch'])).min(1),
  resourceNames: z.array(z.string().min(1)).optional(),
});

/**
 * `credentials:` what the registry hands Pilot. `minted` (default): a reader ServiceAccount on each
 * cluster and a short-lived TokenRequest token (or, with `legacyToken`, a service-account-token
 * Secret for clusters without TokenRequest); `operator`: the operator's own kubeconfigs, as the guide did.
 */
const credentialsSchema = z
  .strictObject({
    mode: z.enum(['minted', 'operator']).default('minted'),
    serviceAccount: dnsLabel.default('meshd-pilot-reader'),
    namespace: dnsLabel.default('istio-system'),
    /** Token lifetime (TokenRequest's minimum is 10m); a new one is minted at two thirds of it. */
    lifetime: duration.prefault('24h').refine((ms) => ms >= 600_000 && ms <= 366 * 86_400_000, { error: 'must be between 10m and 366 days' }),
    /** Fraction of a token's lifetime after which meshd mints the next one (default two thirds). */
    rotateAt: z
      .number()
      .gt(0)
      .lt(1)
      .default(2 / 3),
    /** How long a replaced credential stays valid after its successor is published (Pilot swaps clusters meanwhile). */
    retireAfter: duration.prefault('30s'),
    /** Rules beyond what Pilot reads (get/list/watch only: the reader never writes). */
    rules: z.array(policyRuleSchema).default([]),
    /** Clusters without the TokenRequest API: a kubernetes.io/service-account-token Secret instead. */
    legacyToken: z.boolean().default(false),
  })
  .prefault({});

/**
 * meshd.yaml for a set of registered backends: every key optional with the defaults of DESIGN.md §
 * Interfaces; unknown keys are errors, except under `plugins:` (each plugin's own slice, validated
 * by the plugin's schema when it loads). `resync` is written as a duration ("10m") and comes out in
 * milliseconds.
 */
// A zod schema's type is the one z infers from it: written out, it would repeat the schema.
// eslint-disable-next-line @typescript-eslint/explicit-function-return-type
function schemaFor(backends: readonly [string, ...string[]] | undefined) {
  const backend = backendSchema(backends);
  const clusterOverrideSchema = clusterOverrideSchemaFor(backends);
  return z.strictObject({
    directory: z.string().min(1).default('~/multicluster'),
    listen: listenAddress.default('127.0.0.1:9580'),
    allowedHosts: z.array(hostName).default([]),
    backend: backend.default(defaultBackend(backends)),
    chart: z.string().min(1).default('./examples/charts/istio-remote'),
    release: z.strictObject({ name: dnsLabel.default('istio-remote'), namespace: dnsLabel.default('istio-system') }).prefault({}),
    values: values.default({}),
    endpoints: z.strictObject({ pilot: ipAddress.optional(), policy: ipAddress.optional(), statsd: ipAddress.optional() }).prefault({}),
    registry: z
      .strictObject({
        mode: z.enum(['configmap', 'secrets']).default('configmap'),
        namespace: dnsLabel.default('istio-system'),
        restartPilot: z.boolean().default(false),
        /**
         * How a changed registry Secret reaches Pilot. `recreate` (default): delete and create, because
         * Istio 0.8.0's Pilot acts on Secret additions and deletions only and ignores updates; `patch`:
         * update in place, for Istio 1.x, which swaps the cluster without a gap and keeps the old one when
         * the new kubeconfig is bad.
         */
        secretUpdate: z.enum(['recreate', 'patch']).default('recreate'),
      })
      .prefault({}),
    resync: duration.prefault('10m'),
    /**
     * Server-side timeout of each daemon watch request (each end is a re-watch). A request still open
     * a quarter of it later (at most 30 s) is taken for a connection that died silently, and the
     * watch relists; on a cluster's shared HTTP/2 connection PINGs find that within 45 s anyway.
     */
    watchTimeout: duration.prefault('30m'),
    prune: z.boolean().default(true),
    adopt: z.boolean().default(false),
    concurrency: z.int().min(1).max(64).default(4),
    clusters: z.record(dnsLabel, clusterOverrideSchema).default({}),
    /** meshd's memory on the bastion; default $XDG_STATE_HOME/meshd, else ~/.local/state/meshd. */
    stateDirectory: z.string().min(1).optional(),
    removals: z.strictObject({ maxPerPass: z.int().min(0).max(100_000).default(1) }).prefault({}),
    /** Charts of the Kubernetes 1.9–1.11 era: convert API versions the cluster no longer serves (off: report them). */
    compat: z.strictObject({ convertRemovedApis: z.boolean().default(false) }).prefault({}),
    credentials: credentialsSchema,
    /** A current istiod reading the registry: its monitoring base URL (http://HOST:PORT). /status and `meshd status` show its /debug/clusterz sync state per remote, and `meshd verify` checks it; empty or absent: none. */
    istiod: z.strictObject({ debugUrl: z.string().default('') }).prefault({}),
    /** Plugin-owned settings: `plugins: { NAME: {...} }`, each validated by that plugin's own schema. */
    plugins: z.record(dnsLabel, z.unknown()).default({}),
  });
}

/** The zod schema of meshd.yaml's keys core owns (for one set of registered backends). */
export type MeshdConfigSchema = ReturnType<typeof schemaFor>;

/**
 * meshd.yaml's schema for the registered plugins: core's keys, with `backend:` (and
 * `clusters.NAME.backend`) one of the registered backends' and renderers' names (without any, any
 * plugin name: the pass then refuses an unregistered one), plus every key a plugin owns
 * (PluginConfigKeys: its sections, and its keys under `clusters.NAME`), so one parse reports every
 * mistake with its file, line, column and field. A plugin claiming a key core or another plugin owns
 * is a MESHD_ERR_PLUGIN. The static type is core's keys: a plugin's keys are there at run time, read
 * by that plugin only (its selectConfig).
 */
export function meshdConfigSchemaFor(plugins: readonly ConfigPlugin[] = []): MeshdConfigSchema {
  const backends = backendNames(plugins);
  const core = schemaFor(backends);
  const clusterOverride = clusterOverrideSchemaFor(backends);
  const sections = ownedKeys(plugins, 'sections', Object.keys(core.shape));
  const clusterKeys = ownedKeys(plugins, 'cluster', Object.keys(clusterOverride.shape));
  if (Object.keys(sections).length + Object.keys(clusterKeys).length === 0) return core;
  const clusters = z.record(dnsLabel, clusterOverride.extend(clusterKeys)).default({});
  // Widened to core's type: the plugins' keys are theirs to read (see above).
  return core.extend({ ...sections, clusters }) as unknown as MeshdConfigSchema;
}

/**
 * The validated meshd configuration. `directory`, `chart` and `stateDirectory` are absolute once
 * loadConfig has resolved them; `resync` is in milliseconds. Owned by whoever loaded it; treat as read-only.
 */
export type MeshdConfig = z.output<MeshdConfigSchema>;

/** meshd.yaml as written (every key optional), also the shape of command-line overrides. */
export type MeshdConfigInput = z.input<MeshdConfigSchema>;

/** Per-cluster overrides (`clusters.NAME`). */
export type ClusterOverride = z.output<ReturnType<typeof clusterOverrideSchemaFor>>;

/** The `credentials:` section. */
export type CredentialsConfig = z.output<typeof credentialsSchema>;

/** Which backend renders and installs istio-remote on a remote cluster: a registered backend's name. */
export type BackendName = string;
