import { z } from 'zod';
import type { PluginConfigKeys } from '@meshd/core';

/** The meshd.yaml key the helm-template backend owns, with its default: `helm: { binary }`. Core validates it with the rest of meshd.yaml. */
export const helmTemplateConfigKeys = {
  sections: {
    helm: z.strictObject({ binary: z.string().min(1).default('helm') }).prefault({}),
  },
} satisfies PluginConfigKeys;

/** The helm-template backend's slice of meshd.yaml (selected by selectHelmConfig). */
export const helmTemplateConfigSchema = z.object({
  chart: z.string().min(1),
  values: z.record(z.string(), z.unknown()),
  helmBinary: z.string().min(1),
  compat: z.object({ convertRemovedApis: z.boolean() }),
  /** meshd's state directory: helm's answers are kept in its `helm-cache/` (see HelmStore). */
  stateDirectory: z.string().min(1).optional(),
});

/** Validated helm-template backend config. */
export type HelmTemplateConfig = z.infer<typeof helmTemplateConfigSchema>;

function field(obj: unknown, key: string): unknown {
  return obj !== null && typeof obj === 'object' ? (obj as Record<string, unknown>)[key] : undefined;
}

/** Picks the backend's settings out of the whole validated meshd config (`helm:` with its default filled in). */
export function selectHelmConfig(config: unknown): unknown {
  return {
    chart: field(config, 'chart'),
    values: field(config, 'values') ?? {},
    helmBinary: field(field(config, 'helm'), 'binary'),
    compat: { convertRemovedApis: field(field(config, 'compat'), 'convertRemovedApis') ?? false },
    stateDirectory: field(config, 'stateDirectory'),
  };
}
