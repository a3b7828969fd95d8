import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../kube/object.js';
import { convertRemovedApi } from './convert.js';

const meta = { name: 'x', namespace: 'istio-system' };
const template = { metadata: { labels: { istio: 'citadel' } }, spec: { containers: [{ name: 'c', image: 'i' }] } };

function of(apiVersion: string, kind: string, rest: Record<string, unknown> = {}): KubeObject {
  return { apiVersion, kind, metadata: meta, ...rest };
}

/** Each conversion the issue lists: input, expected apiVersion, and what must hold of the result. */
const cases: { name: string; input: KubeObject; apiVersion: string | undefined; expect?: Record<string, unknown> }[] = [
  ...['extensions/v1beta1', 'apps/v1beta1', 'apps/v1beta2'].flatMap((v) =>
    ['Deployment', 'DaemonSet', 'ReplicaSet', 'StatefulSet'].map((kind) => ({
      name: `${v} ${kind} without selector gets the template labels`,
      input: of(v, kind, { spec: { replicas: 1, template, rollbackTo: { revision: 1 } } }),
      apiVersion: 'apps/v1',
      expect: { spec: { replicas: 1, template, selector: { matchLabels: { istio: 'citadel' } } } },
    })),
  ),
  {
    name: 'a workload keeps the selector it has',
    input: of('extensions/v1beta1', 'Deployment', { spec: { selector: { matchLabels: { a: 'b' } }, template } }),
    apiVersion: 'apps/v1',
    expect: { spec: { selector: { matchLabels: { a: 'b' } }, template } },
  },
  ...['v1alpha1', 'v1beta1'].flatMap((v) =>
    ['ClusterRole', 'Role'].map((kind) => ({
      name: `rbac ${v} ${kind}`,
      input: of(`rbac.authorization.k8s.io/${v}`, kind, { rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }] }),
      apiVersion: 'rbac.authorization.k8s.io/v1',
      expect: { rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }] },
    })),
  ),
  ...['ClusterRoleBinding', 'RoleBinding'].map((kind) => ({
    name: `rbac v1alpha1 ${kind}: subject apiVersion becomes apiGroup`,
    input: of('rbac.authorization.k8s.io/v1alpha1', kind, {
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'r' },
      subjects: [
        { kind: 'ServiceAccount', name: 'sa', namespace: 'istio-system', apiVersion: 'v1' },
        { kind: 'User', name: 'u', apiVersion: 'rbac.authorization.k8s.io/v1alpha1' },
      ],
    }),
    apiVersion: 'rbac.authorization.k8s.io/v1',
    expect: {
      subjects: [
        { kind: 'ServiceAccount', name: 'sa', namespace: 'istio-system', apiGroup: '' },
        { kind: 'User', name: 'u', apiGroup: 'rbac.authorization.k8s.io' },
      ],
    },
  })),
  {
    name: 'rbac v1beta1 binding keeps its subjects',
    input: of('rbac.authorization.k8s.io/v1beta1', 'ClusterRoleBinding', {
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'r' },
      subjects: [{ kind: 'ServiceAccount', name: 'sa', namespace: 'istio-system' }],
    }),
    apiVersion: 'rbac.authorization.k8s.io/v1',
    expect: { subjects: [{ kind: 'ServiceAccount', name: 'sa', namespace: 'istio-system' }] },
  },
  ...['extensions/v1beta1', 'networking.k8s.io/v1beta1'].map((v) => ({
    name: `${v} Ingress: backend shape and pathType`,
    input: of(v, 'Ingress', {
      spec: {
        backend: { serviceName: 'd', servicePort: 80 },
        rules: [{ host: 'h', http: { paths: [{ path: '/', backend: { serviceName: 's', servicePort: 'http' } }] } }],
      },
    }),
    apiVersion: 'networking.k8s.io/v1',
    expect: {
      spec: {
        defaultBackend: { service: { name: 'd', port: { number: 80 } } },
        rules: [
          { host: 'h', http: { paths: [{ pathType: 'ImplementationSpecific', path: '/', backend: { service: { name: 's', port: { name: 'http' } } } }] } },
        ],
      },
    },
  })),
  {
    name: 'policy/v1beta1 PodDisruptionBudget',
    input: of('policy/v1beta1', 'PodDisruptionBudget', { spec: { minAvailable: 1, selector: { matchLabels: { a: 'b' } } } }),
    apiVersion: 'policy/v1',
    expect: { spec: { minAvailable: 1, selector: { matchLabels: { a: 'b' } } } },
  },
  {
    name: 'autoscaling/v2beta1 HPA: targets become target.type',
    input: of('autoscaling/v2beta1', 'HorizontalPodAutoscaler', {
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'd' },
        minReplicas: 1,
        maxReplicas: 5,
        metrics: [
          { type: 'Resource', resource: { name: 'cpu', targetAverageUtilization: 80 } },
          { type: 'Pods', pods: { metricName: 'qps', targetAverageValue: '10' } },
        ],
      },
    }),
    apiVersion: 'autoscaling/v2',
    expect: {
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'd' },
        minReplicas: 1,
        maxReplicas: 5,
        metrics: [
          { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } },
          { type: 'Pods', pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '10' } } },
        ],
      },
    },
  },
  {
    name: 'autoscaling/v2beta2 HPA: same shape',
    input: of('autoscaling/v2beta2', 'HorizontalPodAutoscaler', {
      spec: { maxReplicas: 5, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }] },
    }),
    apiVersion: 'autoscaling/v2',
    expect: { spec: { maxReplicas: 5, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }] } },
  },
  ...['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration'].map((kind) => ({
    name: `admissionregistration v1beta1 ${kind}: required fields, old defaults`,
    input: {
      apiVersion: 'admissionregistration.k8s.io/v1beta1',
      kind,
      metadata: { name: 'istio-sidecar-injector' },
      webhooks: [{ name: 'sidecar-injector.istio.io', clientConfig: { service: { name: 's', namespace: 'istio-system', path: '/inject' } }, rules: [] }],
    },
    apiVersion: 'admissionregistration.k8s.io/v1',
    expect: {
      webhooks: [
        {
          name: 'sidecar-injector.istio.io',
          clientConfig: { service: { name: 's', namespace: 'istio-system', path: '/inject' } },
          rules: [],
          sideEffects: 'None',
          admissionReviewVersions: ['v1beta1'],
          failurePolicy: 'Ignore',
          matchPolicy: 'Exact',
          timeoutSeconds: 30,
        },
      ],
    },
  })),
  {
    name: 'apiextensions v1beta1 CRD without schema: preserve unknown fields',
    input: {
      apiVersion: 'apiextensions.k8s.io/v1beta1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'rules.config.istio.io' },
      spec: { group: 'config.istio.io', version: 'v1alpha2', names: { kind: 'rule', plural: 'rules' }, scope: 'Namespaced' },
    },
    apiVersion: 'apiextensions.k8s.io/v1',
    expect: {
      spec: {
        group: 'config.istio.io',
        names: { kind: 'rule', plural: 'rules' },
        scope: 'Namespaced',
        versions: [
          { name: 'v1alpha2', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } },
        ],
      },
    },
  },
  {
    name: 'apiextensions v1beta1 CRD with a schema: structural, per version',
    input: {
      apiVersion: 'apiextensions.k8s.io/v1beta1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'ws.example.com' },
      spec: {
        group: 'example.com',
        versions: [{ name: 'v1', served: true, storage: true }],
        names: { kind: 'W', plural: 'ws' },
        validation: { openAPIV3Schema: { properties: { spec: { type: 'object' } } } },
        additionalPrinterColumns: [{ name: 'Age', type: 'date', JSONPath: '.metadata.creationTimestamp' }],
      },
    },
    apiVersion: 'apiextensions.k8s.io/v1',
    expect: {
      spec: {
        group: 'example.com',
        names: { kind: 'W', plural: 'ws' },
        scope: 'Namespaced',
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object' } } } },
            additionalPrinterColumns: [{ name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' }],
          },
        ],
      },
    },
  },
  ...['extensions/v1beta1', 'policy/v1beta1'].map((v) => ({
    name: `${v} PodSecurityPolicy is dropped`,
    input: of(v, 'PodSecurityPolicy', { spec: {} }),
    apiVersion: undefined,
  })),
];

describe('convertRemovedApi', () => {
  it.each(cases)('$name', ({ input, apiVersion, expect: fields }) => {
    const converted = convertRemovedApi(input);
    expect(converted?.object?.apiVersion).toBe(apiVersion);
    expect(converted?.object?.metadata).toEqual(apiVersion === undefined ? undefined : input.metadata);
    if (fields) expect(converted?.object).toMatchObject(fields);
    expect(converted?.note).toContain(`${input.kind} `);
    expect(converted?.note).toContain(input.apiVersion);
  });

  it('drops the fields apps/v1 no longer has', () => {
    const converted = convertRemovedApi(of('extensions/v1beta1', 'DaemonSet', { spec: { template, templateGeneration: 2, rollbackTo: { revision: 1 } } }));
    expect(converted?.object?.spec).toEqual({ template, selector: { matchLabels: { istio: 'citadel' } } });
  });

  it.each([of('apps/v1', 'Deployment'), of('v1', 'Service'), of('rbac.authorization.k8s.io/v1', 'ClusterRole')])('leaves $apiVersion $kind alone', (o) => {
    expect(convertRemovedApi(o)).toBeUndefined();
  });

  it('notes what it did, for the plan', () => {
    expect(convertRemovedApi(of('extensions/v1beta1', 'Deployment', { spec: { template } }))?.note).toBe(
      'Deployment istio-system/x: extensions/v1beta1 → apps/v1 (selector from the pod template labels, as the old API defaulted it)',
    );
  });
});
