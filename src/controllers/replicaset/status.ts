// A ReplicaSet's status computed from its active pods (upstream calculateStatus), pure.
import type { Pod, ReplicaSet, ReplicaSetStatus, WorkloadCondition } from './types.js';
import { isPodAvailable, isPodReady, rfc3339 } from './pod-util.js';

export const REPLICA_FAILURE = 'ReplicaFailure';

function hasAllLabels(pod: Pod, want: Record<string, string> | undefined): boolean {
  if (!want) return true;
  const have = pod.metadata.labels ?? {};
  for (const k in want) if (have[k] !== want[k]) return false;
  return true;
}

/**
 * manageError is the error of this sync's create/delete round, if any; it raises the
 * ReplicaFailure condition (reason FailedCreate or FailedDelete) until a round succeeds.
 */
export function calculateReplicaSetStatus(rs: ReplicaSet, activePods: readonly Pod[], manageError: Error | undefined, now: Date): ReplicaSetStatus {
  const templateLabels = rs.spec.template.metadata?.labels;
  const minReady = rs.spec.minReadySeconds ?? 0;
  let fullyLabeled = 0;
  let ready = 0;
  let available = 0;
  for (const p of activePods) {
    if (hasAllLabels(p, templateLabels)) fullyLabeled++;
    if (isPodReady(p)) {
      ready++;
      if (isPodAvailable(p, minReady, now)) available++;
    }
  }
  const status: ReplicaSetStatus = {
    replicas: activePods.length,
    fullyLabeledReplicas: fullyLabeled,
    readyReplicas: ready,
    availableReplicas: available,
    observedGeneration: rs.metadata.generation ?? rs.status?.observedGeneration,
  };
  let conditions = rs.status?.conditions ?? [];
  const failure = conditions.find((c) => c.type === REPLICA_FAILURE);
  if (manageError && !failure) {
    const diff = activePods.length - (rs.spec.replicas ?? 1);
    const reason = diff < 0 ? 'FailedCreate' : diff > 0 ? 'FailedDelete' : '';
    const cond: WorkloadCondition = { type: REPLICA_FAILURE, status: 'True', lastTransitionTime: rfc3339(now), reason, message: manageError.message };
    conditions = [...conditions, cond];
  } else if (!manageError && failure) {
    conditions = conditions.filter((c) => c.type !== REPLICA_FAILURE);
  }
  if (conditions.length) status.conditions = conditions;
  return status;
}

/** Whether writing next would change anything a reader of the status sees. */
export function replicaSetStatusEqual(a: ReplicaSetStatus | undefined, b: ReplicaSetStatus): boolean {
  if (!a) return false;
  if (
    (a.replicas ?? 0) !== b.replicas ||
    (a.fullyLabeledReplicas ?? 0) !== (b.fullyLabeledReplicas ?? 0) ||
    (a.readyReplicas ?? 0) !== (b.readyReplicas ?? 0) ||
    (a.availableReplicas ?? 0) !== (b.availableReplicas ?? 0) ||
    a.observedGeneration !== b.observedGeneration
  ) return false;
  const ca = a.conditions ?? [];
  const cb = b.conditions ?? [];
  if (ca.length !== cb.length) return false;
  for (let i = 0; i < ca.length; i++) {
    const x = ca[i]!;
    const y = cb[i]!;
    if (x.type !== y.type || x.status !== y.status || x.reason !== y.reason || x.message !== y.message) return false;
  }
  return true;
}
