import { z } from 'zod';
import { checkedString, dnsLabel } from '@meshd/core';
import type { PluginConfigKeys } from '@meshd/core';

/** A secret name (DNS subdomain) where `*` matches any run of characters and `?` exactly one. */
const NAME_PATTERN = /^[a-z0-9*?]([-a-z0-9.*?]*[a-z0-9*?])?$/;

const namePattern = checkedString(
  (v) => v.length <= 253 && NAME_PATTERN.test(v),
  'a Secret name (DNS-1123 subdomain), optionally with * or ? wildcards such as "istio.*"',
);
const namespaceName = dnsLabel;
const labelSelector = z.string().trim().min(1, 'must be a label selector such as istio-injection=enabled');

/** The fields of `secrets:` that a per-cluster override (`clusters: { NAME: { secrets: {...} } }`) may set. */
const fields = {
  /** Secret names or glob patterns (`istio.*`) to copy from each application namespace. */
  names: z.array(namePattern).min(1),
  /** Application namespaces, listed by name. */
  namespaces: z.array(namespaceName),
  /** Label selector evaluated on the control plane's Namespaces; its matches join `namespaces`. */
  namespaceSelector: labelSelector.optional(),
  /** Create an application namespace missing on a remote (default: report it, copy nothing there). */
  createNamespaces: z.boolean(),
  /**
   * Copy the control plane's CA secret (istio-system/istio-ca-secret, type istio.io/ca-root) into each
   * remote's istio-system, so the remote Citadel signs with the same root. SECURITY TRADE-OFF: this
   * spreads the CA private key to every remote; off by default.
   */
  copyCaSecret: z.boolean(),
};

function hasNamespaces(c: { namespaces: string[]; namespaceSelector?: string | undefined }): boolean {
  return c.namespaces.length > 0 || c.namespaceSelector !== undefined;
}

/** The `secrets:` slice of meshd.yaml, with its defaults. Unknown keys are errors. */
export const secretsConfigSchema = z
  .strictObject({
    names: fields.names.default(['istio.default']),
    namespaces: fields.namespaces.default(['default']),
    namespaceSelector: fields.namespaceSelector,
    createNamespaces: fields.createNamespaces.default(false),
    copyCaSecret: fields.copyCaSecret.default(false),
  })
  .refine(hasNamespaces, { message: 'must not be empty unless namespaceSelector is set', path: ['namespaces'] });

/** Validated `secrets:` config. */
export type SecretsConfig = z.infer<typeof secretsConfigSchema>;

/** Per-cluster override of `secrets:` (`clusters.NAME.secrets`): any field, no defaults. */
export const secretsOverrideSchema = z.strictObject({
  names: fields.names.optional(),
  namespaces: fields.namespaces.optional(),
  namespaceSelector: fields.namespaceSelector,
  createNamespaces: fields.createNamespaces.optional(),
  copyCaSecret: fields.copyCaSecret.optional(),
});

/** A validated per-cluster override. */
export type SecretsOverride = z.infer<typeof secretsOverrideSchema>;

/**
 * The meshd.yaml keys the secrets addon owns: `secrets:` (with its defaults) and
 * `clusters.NAME.secrets` (any of its fields, no defaults). Core validates them with the rest of meshd.yaml.
 */
export const secretsConfigKeys = {
  sections: { secrets: secretsConfigSchema.prefault({}) },
  cluster: { secrets: secretsOverrideSchema.optional() },
} satisfies PluginConfigKeys;

function field(obj: unknown, key: string): unknown {
  return obj !== null && typeof obj === 'object' ? (obj as Record<string, unknown>)[key] : undefined;
}

/** Picks `secrets:` out of the whole meshd config (absent: every default). */
export function selectSecretsConfig(config: unknown): unknown {
  return field(config, 'secrets') ?? {};
}

/** Result of resolving a cluster's effective config: the config, or why its override is invalid. */
export type EffectiveConfigResult = { ok: true; config: SecretsConfig } | { ok: false; error: string };

/**
 * Pure: the config for one remote, `secrets:` with the cluster's override (`overrides.secrets`)
 * laid over it field by field. An invalid override is reported, never half-applied.
 */
export function effectiveConfig(base: SecretsConfig, overrides: Readonly<Record<string, unknown>>): EffectiveConfigResult {
  const raw = overrides.secrets;
  if (raw === undefined) return { ok: true, config: base };
  const parsed = secretsOverrideSchema.safeParse(raw);
  if (!parsed.success) {
    return { ok: false, error: `clusters override secrets: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}` };
  }
  const merged: SecretsConfig = { ...base };
  for (const [key, value] of Object.entries(parsed.data)) {
    if (value !== undefined) (merged as Record<string, unknown>)[key] = value;
  }
  if (!hasNamespaces(merged)) return { ok: false, error: 'clusters override secrets: leaves no namespaces (list namespaces or give a namespaceSelector)' };
  return { ok: true, config: merged };
}

/** The validated `secrets:` of a whole validated meshd config (every default when absent), for readers outside the addon (`meshd verify`). */
export function secretsConfigOf(config: unknown): SecretsConfig {
  return secretsConfigSchema.parse(selectSecretsConfig(config));
}
