import type { V1Pod } from '@kubernetes/client-node';

/** Options of testPod: what a stand-in pod's status says. */
export interface TestPodOptions {
  phase?: string;
  ready?: boolean;
  ip?: string;
  created?: string;
  terminating?: boolean;
  labels?: Record<string, string>;
}

/** Builds a Pod as the API returns it, for table tests (defaults: Running, Ready, 192.0.2.1, created 2024-01-01). */
export function testPod(name: string, opts: TestPodOptions = {}): V1Pod {
  return {
    metadata: {
      name,
      namespace: 'istio-system',
      labels: opts.labels ?? { istio: 'pilot' },
      creationTimestamp: new Date(opts.created ?? '2024-01-01T00:00:00Z'),
      ...(opts.terminating ? { deletionTimestamp: new Date('2024-06-01T00:00:00Z') } : {}),
    },
    status: {
      phase: opts.phase ?? 'Running',
      ...(opts.ip === '' ? {} : { podIP: opts.ip ?? '192.0.2.1' }),
      conditions: [{ type: 'Ready', status: (opts.ready ?? true) ? 'True' : 'False' }],
    },
  };
}
