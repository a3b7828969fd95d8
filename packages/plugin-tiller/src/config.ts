import { z } from 'zod';
import type { TillerLocation } from './helm2/location.js';

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

/** Picks the backend's settings out of the whole (validated) meshd config. */
export function selectTillerConfig(config: unknown): unknown {
  const tiller = field(config, 'tiller');
  return {
    chart: field(config, 'chart'),
    release: field(config, 'release'),
    values: field(config, 'values') ?? {},
    helmBinary: field(tiller, 'helmBinary') ?? 'helm',
    namespace: field(tiller, 'namespace') ?? 'kube-system',
    ensure: field(tiller, 'ensure') ?? false,
    connectTimeoutMs: field(tiller, 'connectTimeout') ?? 10_000,
    timeoutMs: field(tiller, 'timeout') ?? 300_000,
  };
}

/** The Tiller location of a cluster from its `clusters.NAME` overrides and the backend config. */
export function tillerLocation(overrides: Readonly<Record<string, unknown>>, config: Pick<TillerConfig, 'namespace'>): TillerLocation {
  const namespace = typeof overrides.tillerNamespace === 'string' ? overrides.tillerNamespace : config.namespace;
  return typeof overrides.tillerHost === 'string' ? { host: overrides.tillerHost, namespace } : { namespace };
}
