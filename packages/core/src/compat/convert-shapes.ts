/** Pure reshaping helpers of the conversions (convert.ts): old field layouts to what the served versions want. */

/** A plain JSON object (what a rendered object's fields are). */
export type Json = Record<string, unknown>;

/** The value as a JSON object, or undefined. */
export function obj(value: unknown): Json | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : undefined;
}

/** The value as an array of JSON objects (non-objects dropped), or undefined. */
export function objs(value: unknown): Json[] | undefined {
  return Array.isArray(value) ? value.map(obj).filter((v): v is Json => v !== undefined) : undefined;
}

/** A copy of `o` without `keys`. */
export function omit(o: Json, ...keys: string[]): Json {
  return Object.fromEntries(Object.entries(o).filter(([k]) => !keys.includes(k)));
}

/** An Ingress backend `{ serviceName, servicePort }` as networking.k8s.io/v1 `{ service: { name, port } }`. */
export function ingressBackend(backend: Json): Json {
  if (backend.serviceName === undefined) return backend; // a resource backend keeps its shape
  const port = backend.servicePort;
  const rest = omit(backend, 'serviceName', 'servicePort');
  return { ...rest, service: { name: backend.serviceName, port: typeof port === 'number' ? { number: port } : { name: port } } };
}

/** Ingress rules with v1 backends and the pathType v1 requires (ImplementationSpecific: what v1beta1 did). */
export function ingressRules(rules: Json[]): Json[] {
  return rules.map((rule) => {
    const http = obj(rule.http);
    if (!http) return rule;
    const paths = (objs(http.paths) ?? []).map((p) => ({
      pathType: 'ImplementationSpecific',
      ...omit(p, 'backend'),
      backend: ingressBackend(obj(p.backend) ?? {}),
    }));
    return { ...rule, http: { ...http, paths } };
  });
}

function target(type: string, field: string, value: unknown): Json {
  return { type, [field]: value };
}

function averageOrValue(m: Json): Json {
  return m.targetAverageValue !== undefined ? target('AverageValue', 'averageValue', m.targetAverageValue) : target('Value', 'value', m.targetValue);
}

/** One autoscaling/v2beta1 metric as autoscaling/v2 (targets become `target: { type, … }`). */
export function hpaMetric(metric: Json): Json {
  const type = metric.type;
  const resource = obj(metric.resource);
  if (type === 'Resource' && resource) {
    const t =
      resource.targetAverageUtilization !== undefined
        ? target('Utilization', 'averageUtilization', resource.targetAverageUtilization)
        : target('AverageValue', 'averageValue', resource.targetAverageValue);
    return { type, resource: { name: resource.name, target: t } };
  }
  const pods = obj(metric.pods);
  if (type === 'Pods' && pods)
    return { type, pods: { metric: withSelector(pods.metricName, pods.selector), target: target('AverageValue', 'averageValue', pods.targetAverageValue) } };
  const object = obj(metric.object);
  if (type === 'Object' && object)
    return { type, object: { describedObject: object.target, metric: withSelector(object.metricName, object.selector), target: averageOrValue(object) } };
  const external = obj(metric.external);
  if (type === 'External' && external)
    return { type, external: { metric: withSelector(external.metricName, external.metricSelector), target: averageOrValue(external) } };
  return metric;
}

function withSelector(name: unknown, selector: unknown): Json {
  return selector === undefined ? { name } : { name, selector };
}
