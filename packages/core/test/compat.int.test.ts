// Issue 15 against a real kube-apiserver: what a 2018 chart renders is not served; each conversion
// (compat.convertRemovedApis) is accepted by a server-side dry run; the executor applies what does
// not depend on a failed object and reports every failure with its code.
import { readFile } from 'node:fs/promises';
import { startClusters, type TestEnv } from '@meshd/testenv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIELD_MANAGER, readObjects, refOf, type KubeObject } from '@meshd/core/kube';
import { MeshdError } from '@meshd/core';
import { ServedApiCache, connectCluster, type ClusterClient } from '@meshd/core/cluster';
import { convertRemovedApi } from '@meshd/core/compat';
import { executeActions } from '@meshd/core/apply';
import { planObjects } from '@meshd/core/plan';

let env: TestEnv;
let client: ClusterClient;

beforeAll(async () => {
  env = await startClusters({ count: 1 });
  const cluster = env.clusters[0]!;
  client = connectCluster({ name: cluster.name, kubeconfigText: await readFile(cluster.kubeconfigPath, 'utf8') });
});

afterAll(async () => {
  await env?.stop();
});

const ns = 'istio-system';
const template = { metadata: { labels: { istio: 'citadel' } }, spec: { containers: [{ name: 'citadel', image: 'docker.io/istio/citadel:0.8.0' }] } };
const meta = (name: string, namespaced = true): KubeObject['metadata'] => (namespaced ? { name, namespace: ns } : { name });
const webhook = {
  name: 'sidecar-injector.istio.io',
  clientConfig: { service: { name: 'istio-sidecar-injector', namespace: ns, path: '/inject' } },
  rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }],
};

/** One object per conversion, written as 2018 charts wrote them. */
const OLD: KubeObject[] = [
  ...['extensions/v1beta1', 'apps/v1beta1', 'apps/v1beta2'].flatMap((v, i) => [
    { apiVersion: v, kind: 'Deployment', metadata: meta(`d${i}`), spec: { replicas: 1, template } },
    { apiVersion: v, kind: 'DaemonSet', metadata: meta(`ds${i}`), spec: { template } },
    { apiVersion: v, kind: 'ReplicaSet', metadata: meta(`rs${i}`), spec: { replicas: 1, template } },
    { apiVersion: v, kind: 'StatefulSet', metadata: meta(`ss${i}`), spec: { serviceName: 's', replicas: 1, template } },
  ]),
  ...['v1alpha1', 'v1beta1'].flatMap((v) => [
    {
      apiVersion: `rbac.authorization.k8s.io/${v}`,
      kind: 'ClusterRole',
      metadata: meta(`cr-${v}`, false),
      rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }],
    },
    {
      apiVersion: `rbac.authorization.k8s.io/${v}`,
      kind: 'Role',
      metadata: meta(`r-${v}`),
      rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }],
    },
    {
      apiVersion: `rbac.authorization.k8s.io/${v}`,
      kind: 'ClusterRoleBinding',
      metadata: meta(`crb-${v}`, false),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: `cr-${v}` },
      subjects: [{ kind: 'ServiceAccount', name: 'sa', namespace: ns, ...(v === 'v1alpha1' ? { apiVersion: 'v1' } : {}) }],
    },
    {
      apiVersion: `rbac.authorization.k8s.io/${v}`,
      kind: 'RoleBinding',
      metadata: meta(`rb-${v}`),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: `r-${v}` },
      subjects: [
        { kind: 'User', name: 'u', ...(v === 'v1alpha1' ? { apiVersion: 'rbac.authorization.k8s.io/v1alpha1' } : { apiGroup: 'rbac.authorization.k8s.io' }) },
      ],
    },
  ]),
  ...['extensions/v1beta1', 'networking.k8s.io/v1beta1'].map((v, i) => ({
    apiVersion: v,
    kind: 'Ingress',
    metadata: meta(`ing${i}`),
    spec: {
      backend: { serviceName: 'd', servicePort: 80 },
      rules: [{ host: 'a.example.com', http: { paths: [{ path: '/', backend: { serviceName: 's', servicePort: 'http' } }] } }],
    },
  })),
  {
    apiVersion: 'policy/v1beta1',
    kind: 'PodDisruptionBudget',
    metadata: meta('pdb'),
    spec: { minAvailable: 1, selector: { matchLabels: { istio: 'citadel' } } },
  },
  {
    apiVersion: 'autoscaling/v2beta1',
    kind: 'HorizontalPodAutoscaler',
    metadata: meta('hpa1'),
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'd0' },
      minReplicas: 1,
      maxReplicas: 5,
      metrics: [
        { type: 'Resource', resource: { name: 'cpu', targetAverageUtilization: 80 } },
        { type: 'Pods', pods: { metricName: 'qps', targetAverageValue: '10' } },
      ],
    },
  },
  {
    apiVersion: 'autoscaling/v2beta2',
    kind: 'HorizontalPodAutoscaler',
    metadata: meta('hpa2'),
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'd0' },
      maxReplicas: 5,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }],
    },
  },
  {
    apiVersion: 'admissionregistration.k8s.io/v1beta1',
    kind: 'MutatingWebhookConfiguration',
    metadata: meta('istio-sidecar-injector', false),
    webhooks: [webhook],
  },
  {
    apiVersion: 'admissionregistration.k8s.io/v1beta1',
    kind: 'ValidatingWebhookConfiguration',
    metadata: meta('istio-galley', false),
    webhooks: [{ ...webhook, name: 'pilot.validation.istio.io' }],
  },
  {
    apiVersion: 'apiextensions.k8s.io/v1beta1',
    kind: 'CustomResourceDefinition',
    metadata: meta('rules.config.istio.io', false),
    spec: { group: 'config.istio.io', version: 'v1alpha2', names: { kind: 'rule', plural: 'rules', singular: 'rule' }, scope: 'Namespaced' },
  },
  {
    apiVersion: 'apiextensions.k8s.io/v1beta1',
    kind: 'CustomResourceDefinition',
    metadata: meta('widgets.example.com', false),
    spec: {
      group: 'example.com',
      versions: [{ name: 'v1', served: true, storage: true }],
      names: { kind: 'Widget', plural: 'widgets' },
      validation: { openAPIV3Schema: { properties: { spec: { type: 'object', properties: { size: { type: 'integer' } } } } } },
      additionalPrinterColumns: [{ name: 'Size', type: 'integer', JSONPath: '.spec.size' }],
    },
  },
];

describe('removed API versions on a real kube-apiserver', () => {
  it('discovery says none of the old versions is served (and the cache answers per cluster and version)', async () => {
    const served = await new ServedApiCache().check(client, 'v-test', [...OLD, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'x' } }]);
    expect([...served.entries()].filter(([, yes]) => yes).map(([k]) => k)).toEqual(['v1/Service']);
  });

  it.each(OLD.map((o) => [`${o.apiVersion} ${o.kind}`, o] as const))('%s converts to what a server-side dry run accepts', async (_name, old) => {
    const converted = convertRemovedApi(old);
    expect(converted?.object).toBeDefined();
    const object = converted!.object!;
    // dryRun=All: validated and admitted by the API server, persisted nowhere.
    const live = await client.objects.patch(object, { contentType: 'application/apply-patch+yaml', dryRun: 'All', fieldManager: FIELD_MANAGER, force: true });
    expect(live.apiVersion).toBe(object.apiVersion);
  });

  it('PodSecurityPolicy is dropped: nothing to dry-run', () => {
    expect(convertRemovedApi({ apiVersion: 'policy/v1beta1', kind: 'PodSecurityPolicy', metadata: { name: 'p' }, spec: {} })?.object).toBeUndefined();
  });
});

describe('failure isolation in the executor', () => {
  it('applies every object that does not need a failed one and reports each failure with its code', async () => {
    const invalid: KubeObject = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'bad', namespace: 'default' }, spec: { ports: [{ port: 0 }] } };
    const unserved: KubeObject = { apiVersion: 'rbac.authorization.k8s.io/v1beta1', kind: 'ClusterRole', metadata: { name: 'old' }, rules: [] };
    const good: KubeObject[] = [
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'good', namespace: 'default' }, spec: { ports: [{ port: 80 }] } },
      {
        apiVersion: 'v1',
        kind: 'Endpoints',
        metadata: { name: 'good', namespace: 'default' },
        subsets: [{ addresses: [{ ip: '198.51.100.3' }], ports: [{ port: 80 }] }],
      },
    ];
    const desired = [unserved, invalid, ...good];
    const live = await readObjects(client, desired.map(refOf));
    const actions = planObjects({ desired, live, previous: [], adopt: false, prune: true });
    const failure = await executeActions(client, actions).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(failure).toBeInstanceOf(MeshdError);
    const err = failure as MeshdError;
    expect(err.message).toContain('[MESHD_ERR_UNSERVED_API]');
    expect(err.message).toContain('[MESHD_ERR_INVALID_OBJECT]');
    expect(err.terminal).toBe(true);
    expect(err.writes).toBe(3); // the invalid Service reached the API server; the unserved ClusterRole did not
    const ep = await client.core.readNamespacedEndpoints({ name: 'good', namespace: 'default' });
    expect(ep.subsets?.[0]?.addresses?.[0]?.ip).toBe('198.51.100.3');
  });
});
