import { z } from 'zod';
import { dnsLabel, duration, listenAddress } from '@meshd/core';
import type { PluginConfigKeys } from '@meshd/core';
import type { TillerLocation } from './helm2/location.js';

/**
 * The meshd.yaml keys the tiller backend owns, with their defaults: `tiller:` and, per cluster,
 * `clusters.NAME.tillerHost` / `tillerNamespace`. Core validates them with the rest of meshd.yaml
 * (file:line:col and field in every error). Durations are written "10s" and come out in milliseconds.
 */
export const tillerConfigKeys = {
  sections: {
    tiller: z
      .strictObject({
        /** A Helm 2 client (2.7.2 or newer). */
        helmBinary: z.string().min(1).default('helm'),
        /** Tiller's namespace unless `clusters.NAME.tillerNamespace` says otherwise. */
        namespace: dnsLabel.default('kube-system'),
        /** Create Tiller's ServiceAccount and ClusterRoleBinding, and run `helm init` when Tiller is missing. */
        ensure: z.boolean().default(false),
        connectTimeout: duration.prefault('10s'),
        timeout: duration.prefault('5m'),
      })
      .prefault({}),
  },
  cluster: {
    /** HOST:PORT of a Tiller outside the cluster; absent: helm port-forwards to the one in tillerNamespace. */
    tillerHost: listenAddress.optional(),
    tillerNamespace: dnsLabel.optional(),
  },
} satisfies PluginConfigKeys;

/** `tiller:` as validated (defaults filled in, durations in milliseconds). */
type TillerSection = z.output<typeof tillerConfigKeys.sections.tiller>;

/**
 * The tiller backend's slice of meshd.yaml (picked by selectTillerConfig): the chart, release and
 * values it shares with helm-template, plus `tiller:`. Durations are in milliseconds.
 */
export const tillerConfigSchema = z.object({
  chart: z.string().min(1),
  release: z.object({ name: z.string().min(1), namespace: z.string().min(1) }),
  values: z.record(z.string(), z.unknown()),
  /** A Helm 2 client (2.7.2 or newer). */
  helmBinary: z.string().min(1),
  /** Tiller's namespace unless `clusters.NAME.tillerNamespace` says otherwise. */
  namespace: z.string().min(1),
  /** Create Tiller's ServiceAccount and ClusterRoleBinding, and run `helm init` when Tiller is missing. */
  ensure: z.boolean(),
  connectTimeoutMs: z.number().int().positive(),
  timeoutMs: z.number().int().positive(),
});

/** Validated tiller backend config. */
export type TillerConfig = z.infer<typeof tillerConfigSchema>;

function field(obj: unknown, key: string): unknown {
  return obj !== null && typeof obj === 'object' ? (obj as Record<string, unknown>)[key] : undefined;
}

/** Picks the backend's settings out of the whole validated meshd config (`tiller:` with its defaults filled in). */
export function selectTillerConfig(config: unknown): unknown {
  const tiller = field(config, 'tiller') as Partial<TillerSection> | undefined;
  return {
    chart: field(config, 'chart'),
    release: field(config, 'release'),
    values: field(config, 'values') ?? {},
    helmBinary: tiller?.helmBinary,
    namespace: tiller?.namespace,
    ensure: tiller?.ensure,
    connectTimeoutMs: tiller?.connectTimeout,
    timeoutMs: tiller?.timeout,
  };
}

/** The Tiller location of a cluster from its `clusters.NAME` overrides and the backend config. */
export function tillerLocation(overrides: Readonly<Record<string, unknown>>, config: Pick<TillerConfig, 'namespace'>): TillerLocation {
  const namespace = typeof overrides.tillerNamespace === 'string' ? overrides.tillerNamespace : config.namespace;
  return typeof overrides.tillerHost === 'string' ? { host: overrides.tillerHost, namespace } : { namespace };
}
