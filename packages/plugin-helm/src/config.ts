import { z } from 'zod';

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

/** Picks the backend's settings out of the whole meshd config. */
export function selectHelmConfig(config: unknown): unknown {
  return {
    chart: field(config, 'chart'),
    values: field(config, 'values') ?? {},
    helmBinary: field(field(config, 'helm'), 'binary') ?? 'helm',
    compat: { convertRemovedApis: field(field(config, 'compat'), 'convertRemovedApis') ?? false },
    stateDirectory: field(config, 'stateDirectory'),
  };
}
