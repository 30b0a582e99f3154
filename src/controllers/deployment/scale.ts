// Scaling a Deployment whose replicas changed (upstream sync.go scale / isScalingEvent), pure.
// During a rollout several ReplicaSets are active; the change is spread over them in
// proportion to their size (proportional scaling), so a rollout keeps its shape.
import type { ReplicaSet } from '../replicaset/types.js';
import type { Deployment } from './types.js';
import { desiredReplicas } from './types.js';
import { isRollingUpdate, maxSurge } from './fenceposts.js';
import { desiredReplicasAnnotation, maxReplicasAnnotation } from './annotations.js';
import { byCreation, bySizeNewer, bySizeOlder, filterActive, replicasOf, sumReplicas } from './replica-sets.js';
import type { ScaleAction } from './rolling.js';

/** Some active ReplicaSet was sized for a different spec.replicas than the current one. */
export function isScalingEvent(d: Deployment, newRS: ReplicaSet | undefined, oldRSs: readonly ReplicaSet[]): boolean {
  const desired = desiredReplicas(d);
  for (const rs of filterActive([...oldRSs, newRS])) {
    const want = desiredReplicasAnnotation(rs);
    if (want !== undefined && want !== desired) return true;
  }
  return false;
}

/** Upstream FindActiveOrLatest: the only active ReplicaSet, or the newest when none is active. */
export function findActiveOrLatest(newRS: ReplicaSet | undefined, oldRSs: readonly ReplicaSet[]): ReplicaSet | undefined {
  const olds = [...oldRSs].sort((a, b) => byCreation(b, a));
  const active = filterActive([...olds, newRS]);
  if (active.length === 0) return newRS ?? olds[0];
  if (active.length === 1) return active[0];
  return undefined;
}

/** The new ReplicaSet runs the full desired count, all of it available. */
export function isSaturated(d: Deployment, rs: ReplicaSet | undefined): boolean {
  if (!rs) return false;
  const desired = desiredReplicas(d);
  return replicasOf(rs) === desired && desiredReplicasAnnotation(rs) === desired && (rs.status?.availableReplicas ?? 0) === desired;
}

function fraction(rs: ReplicaSet, d: Deployment): number {
  const desired = desiredReplicas(d);
  if (desired === 0) return -replicasOf(rs);
  const total = desired + maxSurge(d);
  const annotated = maxReplicasAnnotation(rs) ?? d.status?.replicas ?? 0;
  if (annotated === 0) return 0;
  return Math.round((replicasOf(rs) * total) / annotated) - replicasOf(rs);
}

function proportion(rs: ReplicaSet, d: Deployment, toAdd: number, added: number): number {
  if (replicasOf(rs) === 0 || toAdd === 0 || toAdd === added) return 0;
  const f = fraction(rs, d);
  const allowed = toAdd - added;
  return toAdd > 0 ? Math.min(f, allowed) : Math.max(f, allowed);
}

/**
 * Upstream scale(): the sizes the ReplicaSets should have for the current spec.replicas. An
 * action may keep the size and only refresh the replicas annotations.
 */
export function planScale(d: Deployment, newRS: ReplicaSet | undefined, oldRSs: readonly ReplicaSet[]): ScaleAction[] {
  const desired = desiredReplicas(d);
  const single = findActiveOrLatest(newRS, oldRSs);
  if (single) return replicasOf(single) === desired ? [] : [{ rs: single, replicas: desired }];
  if (isSaturated(d, newRS)) return filterActive(oldRSs).map((rs) => ({ rs, replicas: 0 }));
  if (!isRollingUpdate(d)) return [];

  const active = filterActive([...oldRSs, newRS]);
  const allowed = desired > 0 ? desired + maxSurge(d) : 0;
  const toAdd = allowed - sumReplicas(active);
  active.sort(toAdd > 0 ? bySizeNewer : bySizeOlder);
  const sizes = new Map<ReplicaSet, number>();
  let added = 0;
  for (const rs of active) {
    const p = toAdd !== 0 ? proportion(rs, d, toAdd, added) : 0;
    sizes.set(rs, replicasOf(rs) + p);
    added += p;
  }
  // Rounding leftovers go to (or come from) the largest ReplicaSet.
  if (toAdd !== added && active.length) {
    const first = active[0]!;
    sizes.set(first, Math.max(0, sizes.get(first)! + toAdd - added));
  }
  return active.map((rs) => ({ rs, replicas: sizes.get(rs)! }));
}
