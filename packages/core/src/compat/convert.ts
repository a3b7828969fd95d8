import type { KubeObject } from '../kube/object.js';
import { crdSpecToV1, webhookToV1 } from './convert-crd.js';
import type { Json } from './convert-shapes.js';
import { hpaMetric, ingressBackend, ingressRules, obj, objs, omit } from './convert-shapes.js';
import { removedApi } from './removed-apis.js';

/** What converting one object did: the object to apply instead (undefined: dropped) and a line for the plan. */
export interface Conversion {
  object: KubeObject | undefined;
  /** `Deployment istio-system/istio-citadel: extensions/v1beta1 → apps/v1 (selector from the pod template's labels)`. */
  note: string;
}

type Converter = (o: KubeObject) => { object: KubeObject | undefined; detail?: string };

function spec(o: KubeObject): Json {
  return obj(o.spec) ?? {};
}

function to(apiVersion: string, o: KubeObject, newSpec?: Json): KubeObject {
  return newSpec === undefined ? { ...o, apiVersion } : { ...o, apiVersion, spec: newSpec };
}

const workload: Converter = (o) => {
  const s = omit(spec(o), 'rollbackTo', 'templateGeneration');
  if (obj(s.selector) !== undefined) return { object: to('apps/v1', o, s) };
  const labels = obj(obj(obj(s.template)?.metadata)?.labels) ?? {};
  return {
    object: to('apps/v1', o, { ...s, selector: { matchLabels: labels } }),
    detail: 'selector from the pod template labels, as the old API defaulted it',
  };
};

const rbac: Converter = (o) => {
  const subjects = objs(o.subjects)?.map((s) => {
    if (s.apiVersion === undefined) return s;
    return { ...omit(s, 'apiVersion'), apiGroup: s.kind === 'ServiceAccount' ? '' : 'rbac.authorization.k8s.io' };
  });
  const converted = to('rbac.authorization.k8s.io/v1', o);
  return { object: subjects === undefined ? converted : { ...converted, subjects } };
};

const ingress: Converter = (o) => {
  const { backend, rules, ...rest } = spec(o);
  const s: Json = { ...rest };
  if (obj(backend)) s.defaultBackend = ingressBackend(obj(backend) ?? {});
  if (objs(rules)) s.rules = ingressRules(objs(rules) ?? []);
  return { object: to('networking.k8s.io/v1', o, s), detail: 'backends as service.name/port, pathType ImplementationSpecific' };
};

const hpa: Converter = (o) => {
  const metrics = objs(spec(o).metrics);
  if (o.apiVersion !== 'autoscaling/v2beta1' || metrics === undefined) return { object: to('autoscaling/v2', o) };
  return { object: to('autoscaling/v2', o, { ...spec(o), metrics: metrics.map(hpaMetric) }), detail: 'metric targets as target.type' };
};

const webhooks: Converter = (o) => {
  const list = objs(o.webhooks);
  const converted = to('admissionregistration.k8s.io/v1', o);
  return {
    object: list === undefined ? converted : { ...converted, webhooks: list.map(webhookToV1) },
    detail: 'required sideEffects and admissionReviewVersions, old defaults kept',
  };
};

const crd: Converter = (o) => {
  const open = obj(spec(o).validation) === undefined && objs(spec(o).versions)?.some((v) => obj(v.schema) !== undefined) !== true;
  return {
    object: to('apiextensions.k8s.io/v1', o, crdSpecToV1(spec(o))),
    detail: open ? 'no schema: x-kubernetes-preserve-unknown-fields' : 'schema per version',
  };
};

const plain =
  (apiVersion: string): Converter =>
  (o) => ({ object: to(apiVersion, o) });

const dropped: Converter = () => ({ object: undefined, detail: 'PodSecurityPolicy no longer exists (removed in 1.25): dropped, not applied' });

const CONVERTERS: Record<string, Converter> = {
  Deployment: workload,
  DaemonSet: workload,
  ReplicaSet: workload,
  StatefulSet: workload,
  ClusterRole: rbac,
  ClusterRoleBinding: rbac,
  Role: rbac,
  RoleBinding: rbac,
  Ingress: ingress,
  NetworkPolicy: plain('networking.k8s.io/v1'),
  PodDisruptionBudget: plain('policy/v1'),
  HorizontalPodAutoscaler: hpa,
  MutatingWebhookConfiguration: webhooks,
  ValidatingWebhookConfiguration: webhooks,
  CustomResourceDefinition: crd,
  PodSecurityPolicy: dropped,
  PriorityClass: plain('scheduling.k8s.io/v1'),
  CronJob: plain('batch/v1'),
};

/**
 * Pure: converts one object of a removed API version (removed-apis.ts) to the version that replaced
 * it, or undefined when it is not of a removed version meshd knows. PodSecurityPolicy has no
 * replacement: it is dropped (object undefined) and the note says so.
 */
export function convertRemovedApi(o: KubeObject): Conversion | undefined {
  const removal = removedApi(o.apiVersion, o.kind);
  const converter = CONVERTERS[o.kind];
  if (!removal || !converter) return undefined;
  const { object, detail } = converter(o);
  const where = o.metadata.namespace !== undefined ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata.name;
  const arrow = object ? `${o.apiVersion} → ${object.apiVersion}` : `${o.apiVersion} dropped`;
  return { object, note: `${o.kind} ${where}: ${arrow}${detail ? ` (${detail})` : ''}` };
}
