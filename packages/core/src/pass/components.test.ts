import { describe, expect, it } from 'vitest';
import type { ClusterTarget, MeshInputs } from '../plugin/types.js';
import { unmetNeedPlan } from './components.js';

const target = { name: 'remote-1', role: 'remote', client: {}, overrides: {} } as unknown as ClusterTarget;
const endpoints = { pilot: '192.0.2.10', policy: '192.0.2.11', statsd: '192.0.2.12' };
const mesh = (found: boolean): MeshInputs => ({ controlPlane: target, endpoints: found ? endpoints : undefined, adopt: false, prune: true });

describe('unmetNeedPlan: core enforces what a plugin declared it needs', () => {
  it.each([
    { needs: ['endpoints', 'helm'] as const, found: false, blocked: true },
    { needs: ['endpoints'] as const, found: true, blocked: false },
    { needs: ['helm'] as const, found: false, blocked: false },
    { needs: [] as const, found: false, blocked: false },
  ])('needs $needs, endpoints found: $found → not asked to plan: $blocked', ({ needs, found, blocked }) => {
    const plan = unmetNeedPlan({ name: 'helm-template', needs }, target, mesh(found));
    expect(plan !== undefined).toBe(blocked);
  });

  it('reports why, with the discovery code, and never writes', async () => {
    const plan = unmetNeedPlan({ name: 'tiller', needs: ['endpoints'] }, target, mesh(false))!;
    expect(plan).toMatchObject({ component: 'tiller', cluster: 'remote-1', state: 'failed', errorCode: 'MESHD_ERR_DISCOVERY', changes: [] });
    expect(plan.error).toMatch(/discovery failed/);
    await expect(plan.apply()).rejects.toThrow(/cannot be rendered/);
  });
});
