// Ownership of dependents by a controller (upstream ControllerRefManager): which objects a
// controller adopts (orphans its selector matches), keeps, releases (its own that stopped
// matching) or must leave alone (owned by another controller). Decisions are pure; the patch
// bodies are what the caller sends.
import type { KubeObject, OwnerReference } from '../../api/object.js';
import type { LabelPredicate } from '../../api/selectors/label-selector.js';
import { controllerRefOf } from './pod-util.js';

export type ClaimDecision = 'keep' | 'adopt' | 'release' | 'ignore';

export function newControllerRef(owner: KubeObject, apiVersion: string, kind: string): OwnerReference {
  return { apiVersion, kind, name: owner.metadata.name!, uid: owner.metadata.uid!, controller: true, blockOwnerDeletion: true };
}

export function claimDecision(owner: KubeObject, obj: KubeObject, matches: LabelPredicate): ClaimDecision {
  const ref = controllerRefOf(obj);
  const ownerDeleting = !!owner.metadata.deletionTimestamp;
  if (ref) {
    if (ref.uid !== owner.metadata.uid) return 'ignore';
    if (matches(obj.metadata.labels)) return 'keep';
    // An owner being deleted does not release: the garbage collector handles its dependents.
    return ownerDeleting ? 'keep' : 'release';
  }
  if (ownerDeleting || obj.metadata.deletionTimestamp || !matches(obj.metadata.labels)) return 'ignore';
  return 'adopt';
}

/** Strategic merge patch that adds the controller reference (guarded by the dependent's uid). */
export function adoptPatch(obj: KubeObject, ref: OwnerReference): unknown {
  return { metadata: { ownerReferences: [ref], uid: obj.metadata.uid } };
}

/** Strategic merge patch that deletes owner's reference (guarded by the dependent's uid). */
export function releasePatch(obj: KubeObject, ownerUid: string): unknown {
  return { metadata: { ownerReferences: [{ $patch: 'delete', uid: ownerUid }], uid: obj.metadata.uid } };
}
