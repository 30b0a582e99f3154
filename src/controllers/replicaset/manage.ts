// How many pods a ReplicaSet must create, or which it must delete, to reach spec.replicas (pure).
import type { Pod, ReplicaSet } from './types.js';
import { podsToDelete } from './ranking.js';

/** Upstream BurstReplicas: the most creates or deletes one sync may issue. */
export const BURST_REPLICAS = 500;

/** Upstream SlowStartInitialBatchSize. */
export const SLOW_START_INITIAL_BATCH = 1;

export type ReplicaPlan = { action: 'none' } | { action: 'create'; count: number } | { action: 'delete'; pods: Pod[] };

export function planReplicas(rs: ReplicaSet, activePods: readonly Pod[], relatedPods: readonly Pod[] = activePods, burst = BURST_REPLICAS): ReplicaPlan {
  const diff = activePods.length - (rs.spec.replicas ?? 1);
  if (diff < 0) return { action: 'create', count: Math.min(-diff, burst) };
  if (diff > 0) return { action: 'delete', pods: podsToDelete(activePods, Math.min(diff, burst), relatedPods) };
  return { action: 'none' };
}
