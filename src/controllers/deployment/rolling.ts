// The RollingUpdate strategy as a pure plan (upstream rolling.go): grow the new ReplicaSet
// within maxSurge, then shrink old ones within maxUnavailable, unhealthy replicas first.
// Each call plans one step from the current state; the controller applies it and is called
// again when the ReplicaSets report back.
import type { ReplicaSet } from '../replicaset/types.js';
import type { Deployment } from './types.js';
import { desiredReplicas } from './types.js';
import { maxUnavailable } from './fenceposts.js';
import { byCreation, filterActive, newRSNewReplicas, replicasOf, sumReplicas, sumStatus } from './replica-sets.js';

/** Set rs's spec.replicas to replicas. */
export interface ScaleAction {
  rs: ReplicaSet;
  replicas: number;
}

export interface RollingPlan {
  /** 'scaled-up' and 'scaled-down' end the sync early, as upstream returns after either. */
  phase: 'scaled-up' | 'scaled-down' | 'steady';
  actions: ScaleAction[];
}

/** Upstream reconcileNewReplicaSet. */
export function reconcileNewReplicaSet(d: Deployment, allRSs: readonly ReplicaSet[], newRS: ReplicaSet): ScaleAction | undefined {
  const desired = desiredReplicas(d);
  const current = replicasOf(newRS);
  if (current === desired) return undefined;
  if (current > desired) return { rs: newRS, replicas: desired };
  const next = newRSNewReplicas(d, allRSs, newRS);
  return next === current ? undefined : { rs: newRS, replicas: next };
}

/** Upstream reconcileOldReplicaSets (cleanupUnhealthyReplicas + scaleDownOldReplicaSetsForRollingUpdate). */
export function reconcileOldReplicaSets(d: Deployment, allRSs: readonly ReplicaSet[], oldRSs: readonly ReplicaSet[], newRS: ReplicaSet | undefined): ScaleAction[] {
  if (sumReplicas(oldRSs) === 0) return [];
  const allPods = sumReplicas(allRSs);
  const minAvailable = desiredReplicas(d) - maxUnavailable(d);
  const newUnavailable = newRS ? replicasOf(newRS) - (newRS.status?.availableReplicas ?? 0) : 0;
  const maxScaledDown = allPods - minAvailable - newUnavailable;
  if (maxScaledDown <= 0) return [];

  const olds = [...oldRSs].sort(byCreation);
  const sizes = olds.map(replicasOf);
  // Unhealthy replicas of old ReplicaSets go first: removing them costs no availability.
  let cleaned = 0;
  olds.forEach((rs, i) => {
    if (cleaned >= maxScaledDown || sizes[i] === 0) return;
    const unhealthy = sizes[i]! - (rs.status?.availableReplicas ?? 0);
    if (unhealthy <= 0) return;
    const down = Math.min(maxScaledDown - cleaned, unhealthy);
    cleaned += down;
    sizes[i]! -= down;
  });

  // Then healthy ones, as far as availability above minAvailable allows.
  const available = sumStatus([...olds, newRS], 'availableReplicas');
  if (available > minAvailable) {
    const total = available - minAvailable;
    let scaled = 0;
    olds.forEach((_rs, i) => {
      if (scaled >= total || sizes[i] === 0) return;
      const down = Math.min(sizes[i]!, total - scaled);
      scaled += down;
      sizes[i]! -= down;
    });
  }
  const actions: ScaleAction[] = [];
  olds.forEach((rs, i) => {
    if (sizes[i] !== replicasOf(rs)) actions.push({ rs, replicas: sizes[i]! });
  });
  return actions;
}

/** One step of a rolling update (upstream rolloutRolling without the I/O). */
export function reconcileRollingUpdate(d: Deployment, newRS: ReplicaSet, oldRSs: readonly ReplicaSet[]): RollingPlan {
  const allRSs = [...oldRSs, newRS];
  const up = reconcileNewReplicaSet(d, allRSs, newRS);
  if (up) return { phase: 'scaled-up', actions: [up] };
  const down = reconcileOldReplicaSets(d, allRSs, filterActive(oldRSs), newRS);
  if (down.length) return { phase: 'scaled-down', actions: down };
  return { phase: 'steady', actions: [] };
}
