import { MeshdError } from '@meshd/core';

/** Chart values as Helm reads them (a YAML/JSON object). */
export type ChartValues = Record<string, unknown>;

/**
 * Control-plane addresses values may refer to, as `${pilot}`, `${policy}`, `${statsd}` and
 * `${mixer}` (mixer falls back to policy: the pre-release guide's name for the same pod).
 * Discovery or static configuration fills them; an empty string counts as missing.
 */
export interface ControlPlaneEndpoints {
  pilot?: string;
  policy?: string;
  statsd?: string;
  mixer?: string;
}

/** Names usable in `${...}` placeholders. */
export const PLACEHOLDER_NAMES = ['pilot', 'policy', 'mixer', 'statsd'] as const;
/** One of PLACEHOLDER_NAMES. */
export type PlaceholderName = (typeof PLACEHOLDER_NAMES)[number];

/**
 * The default mapping from discovered endpoints to istio-remote values: both the 0.8.0 chart's keys
 * (policyEndpoint, statsdEndpoint) and the guide's mixerEndpoint.
 */
export const DEFAULT_VALUES_MAPPING: ChartValues = {
  global: {
    pilotEndpoint: '${pilot}',
    mixerEndpoint: '${mixer}',
    policyEndpoint: '${policy}',
    statsdEndpoint: '${statsd}',
  },
};

/** Sets an own property, even one named `__proto__` (values come from user YAML). */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * `override` deep-merged over `base` as Helm merges values: objects merge key by key, anything else
 * (scalars, arrays) replaces, and a null in `override` removes the key. Inputs are not modified.
 */
export function mergeValues(base: ChartValues, override: ChartValues): ChartValues {
  const merged: ChartValues = structuredClone(base);
  for (const [key, value] of Object.entries(override)) {
    const current = merged[key];
    if (value === null) delete merged[key];
    else if (isPlainObject(value) && isPlainObject(current)) setOwn(merged, key, mergeValues(current, value));
    else if (value !== undefined) setOwn(merged, key, structuredClone(value));
  }
  return merged;
}

function endpointFor(name: PlaceholderName, endpoints: ControlPlaneEndpoints): string | undefined {
  const value = name === 'mixer' ? endpoints.mixer || endpoints.policy : endpoints[name];
  return value === '' ? undefined : value;
}

function substitute(text: string, path: string, endpoints: ControlPlaneEndpoints): string {
  return text.replace(/\$\{([^}]*)\}/g, (_match, name: string) => {
    if (!(PLACEHOLDER_NAMES as readonly string[]).includes(name)) {
      const known = PLACEHOLDER_NAMES.map((n) => `\${${n}}`).join(', ');
      throw new MeshdError('MESHD_ERR_INVALID_CONFIG', `${path}: unknown placeholder \${${name}} (known: ${known})`);
    }
    const address = endpointFor(name as PlaceholderName, endpoints);
    if (address === undefined) {
      throw new MeshdError(
        'MESHD_ERR_DISCOVERY',
        `${path}: placeholder \${${name}} has no address: the ${name} endpoint was neither discovered nor configured`,
      );
    }
    return address;
  });
}

function substituteAll(value: unknown, path: string, endpoints: ControlPlaneEndpoints): unknown {
  if (typeof value === 'string') return substitute(value, path, endpoints);
  if (Array.isArray(value)) return value.map((item: unknown, i) => substituteAll(item, `${path}[${i}]`, endpoints));
  if (isPlainObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substituteAll(v, `${path}.${k}`, endpoints)]));
  }
  return value;
}

/** Input of resolveValues. */
export interface ResolveValuesInput {
  /** Placeholder mapping; DEFAULT_VALUES_MAPPING when omitted. */
  mapping?: ChartValues;
  /** Addresses the placeholders stand for. */
  endpoints: ControlPlaneEndpoints;
  /** The user's `values:` (may hold placeholders in strings), merged over the mapping. */
  userValues?: ChartValues;
}

/**
 * The chart values to render: userValues deep-merged over the mapping, then every `${name}` in a
 * string replaced by its endpoint. Pure. Throws MeshdError MESHD_ERR_INVALID_CONFIG (terminal) for
 * an unknown placeholder and MESHD_ERR_DISCOVERY (retryable) when a used endpoint is missing; both
 * messages name the value's path and the placeholder.
 */
export function resolveValues(input: ResolveValuesInput): ChartValues {
  const merged = mergeValues(input.mapping ?? DEFAULT_VALUES_MAPPING, input.userValues ?? {});
  return substituteAll(merged, 'values', input.endpoints) as ChartValues;
}
