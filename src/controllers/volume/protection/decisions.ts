// When the storage-object-in-use protection finalizers go on and come off, pure: a claim keeps
// kubernetes.io/pvc-protection while any pod that has not terminated names it; a volume keeps
// kubernetes.io/pv-protection while it is Bound. (Upstream pvc-protection and pv-protection.)
import type { KubeObject } from '../../../api/object.js';
import { podClaimNames, podIsTerminated, type PersistentVolume } from '../../../storage/api.js';

export type FinalizerAction = 'add' | 'remove' | 'none';

/** Pods (of the claim's namespace) that still use the claim. */
export function podsUsingClaim(claimName: string, pods: Iterable<KubeObject>): KubeObject[] {
  const out: KubeObject[] = [];
  for (const p of pods) {
    if (podIsTerminated(p as { status?: { phase?: string } })) continue;
    if (podClaimNames(p).includes(claimName)) out.push(p);
  }
  return out;
}

/** What the protection controller should do with an object's finalizer, given whether it is in use. */
export function finalizerAction(obj: KubeObject, finalizer: string, inUse: boolean): FinalizerAction {
  const has = obj.metadata.finalizers?.includes(finalizer) ?? false;
  if (!obj.metadata.deletionTimestamp) return has ? 'none' : 'add';
  if (!has) return 'none';
  return inUse ? 'none' : 'remove';
}

export const volumeInUse = (pv: PersistentVolume): boolean => pv.status?.phase === 'Bound';

export function withFinalizer<T extends KubeObject>(obj: T, finalizer: string, present: boolean): T {
  const rest = (obj.metadata.finalizers ?? []).filter((f) => f !== finalizer);
  const finalizers = present ? [...rest, finalizer] : rest;
  return { ...obj, metadata: { ...obj.metadata, finalizers } };
}
