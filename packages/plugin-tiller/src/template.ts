import { inventoryRef, parseInventory, planUninstall, readObject, readObjects } from '@meshd/core';
import type { ClusterClient, ReleasePlan } from '@meshd/core';

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
