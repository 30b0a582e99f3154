// What the garbage collector does with one object (pure), following upstream's
// attemptToDeleteItem / processDeletingDependentsItem / orphanDependents:
// - a dependent whose owners are all gone (or all waiting for their dependents) is deleted;
// - a dependent with a live owner only loses its references to owners that are gone or waiting;
// - an owner in foreground deletion keeps its finalizer until no blocking dependent is left;
// - an owner with the orphan finalizer first strips its references from every dependent.
import type { KubeObject, OwnerReference } from '../../api/object.js';

export const FINALIZER_ORPHAN = 'orphan';
export const FINALIZER_FOREGROUND = 'foregroundDeletion';

/** solid: exists and is not deleting its dependents; unknown: could not be verified (keep). */
export type OwnerState = 'solid' | 'dangling' | 'waitingForDependentsDeletion' | 'unknown';

export type DependentAction =
  | { action: 'none' }
  | { action: 'removeOwnerReferences'; uids: string[] }
  | { action: 'delete'; propagationPolicy: 'Background' | 'Foreground' | 'Orphan' };

export type OwnerAction =
  | { action: 'none' }
  | { action: 'orphanDependents' }
  | { action: 'deleteDependents'; blocking: number };

const hasFinalizer = (o: KubeObject, f: string) => !!o.metadata.finalizers?.includes(f);

/** Marked for deletion and waiting for its dependents to go first. */
export function isDeletingDependents(o: KubeObject): boolean {
  return !!o.metadata.deletionTimestamp && hasFinalizer(o, FINALIZER_FOREGROUND);
}

export function isOrphaning(o: KubeObject): boolean {
  return !!o.metadata.deletionTimestamp && hasFinalizer(o, FINALIZER_ORPHAN);
}

/** State of an owner that was found (with the referenced uid), or undefined when it is gone. */
export function ownerStateOf(owner: KubeObject | undefined, ref: OwnerReference): OwnerState {
  if (!owner || owner.metadata.uid !== ref.uid) return 'dangling';
  return isDeletingDependents(owner) ? 'waitingForDependentsDeletion' : 'solid';
}

/**
 * Decision for an object with ownerReferences, given each owner's state (same order as refs).
 * Objects already being deleted (for reasons other than their own dependents) are left alone.
 */
export function decideDependent(obj: KubeObject, states: readonly OwnerState[], hasDependents: boolean): DependentAction {
  const refs = obj.metadata.ownerReferences ?? [];
  if (!refs.length) return { action: 'none' };
  if (obj.metadata.deletionTimestamp) return { action: 'none' };
  const gone: string[] = [];
  let solid = 0;
  let unknown = 0;
  let waiting = 0;
  refs.forEach((ref, i) => {
    const s = states[i] ?? 'unknown';
    if (s === 'solid') solid++;
    else if (s === 'unknown') unknown++;
    else {
      if (s === 'waitingForDependentsDeletion') waiting++;
      gone.push(ref.uid);
    }
  });
  if (solid > 0) return gone.length ? { action: 'removeOwnerReferences', uids: gone } : { action: 'none' };
  if (unknown > 0 || !gone.length) return { action: 'none' };
  if (waiting > 0 && hasDependents) return { action: 'delete', propagationPolicy: 'Foreground' };
  if (hasFinalizer(obj, FINALIZER_ORPHAN)) return { action: 'delete', propagationPolicy: 'Orphan' };
  if (hasFinalizer(obj, FINALIZER_FOREGROUND)) return { action: 'delete', propagationPolicy: 'Foreground' };
  return { action: 'delete', propagationPolicy: 'Background' };
}

/** Decision for an object being deleted, given the objects that still reference it. */
export function decideOwner(owner: KubeObject, dependents: readonly KubeObject[]): OwnerAction {
  if (!owner.metadata.deletionTimestamp) return { action: 'none' };
  if (hasFinalizer(owner, FINALIZER_ORPHAN)) return { action: 'orphanDependents' };
  if (hasFinalizer(owner, FINALIZER_FOREGROUND)) {
    const uid = owner.metadata.uid;
    let blocking = 0;
    for (const d of dependents) if (d.metadata.ownerReferences?.some((r) => r.uid === uid && r.blockOwnerDeletion)) blocking++;
    return { action: 'deleteDependents', blocking };
  }
  return { action: 'none' };
}

/** The ownerReferences left after dropping the given owner uids. */
export function withoutOwners(obj: KubeObject, uids: readonly string[]): OwnerReference[] {
  return (obj.metadata.ownerReferences ?? []).filter((r) => !uids.includes(r.uid));
}

/** Whether an update changed anything the collector decides on. */
export function gcRelevantChange(oldObj: KubeObject, newObj: KubeObject): boolean {
  const a = oldObj.metadata;
  const b = newObj.metadata;
  if (a.uid !== b.uid || !!a.deletionTimestamp !== !!b.deletionTimestamp) return true;
  if ((a.finalizers ?? []).join(',') !== (b.finalizers ?? []).join(',')) return true;
  const ra = a.ownerReferences ?? [];
  const rb = b.ownerReferences ?? [];
  if (ra.length !== rb.length) return true;
  for (let i = 0; i < ra.length; i++) {
    if (ra[i]!.uid !== rb[i]!.uid || !!ra[i]!.blockOwnerDeletion !== !!rb[i]!.blockOwnerDeletion) return true;
  }
  return false;
}
