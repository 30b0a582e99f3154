// Which objects (pods, revisions, claims) belong to a workload: indexed by their controller
// ownerReference, with orphans matching the selector offered for adoption (upstream's
// ControllerRefManager, simplified). Only ownerReferences are ever written here.
import type { KubeObject, OwnerReference } from '../../api/object.js';
import type { Informer } from '../../client/informer-types.js';
import type { GroupVersionResource, KubeClient } from '../../client/types.js';

export const CONTROLLER_UID_INDEX = 'workloads:controllerUid';

export function controllerOf(obj: KubeObject): OwnerReference | undefined {
  const refs = obj.metadata.ownerReferences;
  if (!refs) return undefined;
  for (const r of refs) if (r.controller) return r;
  return undefined;
}

const orphanKey = (namespace: string | undefined): string => `orphan:${namespace ?? ''}`;

/** Index value: the controller's uid, or `orphan:<namespace>` for objects without a controller. */
export function controllerUidIndexFunc(obj: KubeObject): string[] {
  const ref = controllerOf(obj);
  return [ref ? ref.uid : orphanKey(obj.metadata.namespace)];
}

/** Adds the index once per shared informer (other controllers may have added it already). */
export function ensureControllerIndex(informer: Informer): void {
  try {
    informer.addIndexers({ [CONTROLLER_UID_INDEX]: controllerUidIndexFunc });
  } catch {
    // Already registered by another controller on the same shared informer: same function.
  }
}

export interface Owned<T extends KubeObject> {
  owned: T[];
  /** Objects without a controller that match the selector and are not being deleted. */
  orphans: T[];
}

export function ownedObjects<T extends KubeObject>(informer: Informer<T>, owner: KubeObject, matches: (labels: Record<string, string> | undefined) => boolean): Owned<T> {
  const owned = informer.store.byIndex(CONTROLLER_UID_INDEX, owner.metadata.uid!).filter((o) => o.metadata.namespace === owner.metadata.namespace);
  const orphans = informer.store
    .byIndex(CONTROLLER_UID_INDEX, orphanKey(owner.metadata.namespace))
    .filter((o) => !o.metadata.deletionTimestamp && matches(o.metadata.labels));
  return { owned, orphans };
}

/** Makes ref the controller of obj (merge patch guarded by the object's uid). */
export async function adopt<T extends KubeObject>(client: KubeClient, gvr: GroupVersionResource, obj: T, ref: OwnerReference): Promise<T> {
  const refs = [...(obj.metadata.ownerReferences ?? []).filter((r) => r.uid !== ref.uid), ref];
  return client.patch<T>(gvr, obj.metadata.namespace ?? '', obj.metadata.name!, 'merge', { metadata: { uid: obj.metadata.uid, ownerReferences: refs } });
}
