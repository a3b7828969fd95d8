import { inventoryRef, parseInventory, planUninstall } from '@meshd/core/release';
import { readObject, readObjects } from '@meshd/core/kube';
import type { ClusterClient } from '@meshd/core/cluster';
import type { ReleasePlan } from '@meshd/core/release';

/**
 * When the helm-template backend applied this release on the cluster (its inventory ConfigMap
 * exists), the plan that removes what it applied; undefined otherwise. Read-only.
 */
export async function observeTemplateRelease(client: ClusterClient, release: { name: string; namespace: string }): Promise<ReleasePlan | undefined> {
  const inventory = parseInventory(await readObject(client, inventoryRef(release.name, release.namespace)));
  if (inventory === undefined) return undefined;
  const live = await readObjects(client, inventory.objects);
  return planUninstall(release, { inventory, live });
}
