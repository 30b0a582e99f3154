// A Deployment's status and conditions (upstream sync.go calculateStatus / progress.go
// syncRolloutStatus / checkPausedConditions), pure: everything takes `now` explicitly.
import type { ReplicaSet, WorkloadCondition } from '../replicaset/types.js';
import { rfc3339 } from '../replicaset/pod-util.js';
import type { Deployment, DeploymentStatus } from './types.js';
import { desiredReplicas } from './types.js';
import { maxUnavailable } from './fenceposts.js';
import { sumReplicas, sumStatus } from './replica-sets.js';
import { semanticEqual } from './hash.js';

export const AVAILABLE = 'Available';
export const PROGRESSING = 'Progressing';
export const REPLICA_FAILURE = 'ReplicaFailure';

// Condition reasons, as upstream deployment/util names them.
export const MINIMUM_REPLICAS_AVAILABLE = 'MinimumReplicasAvailable';
export const MINIMUM_REPLICAS_UNAVAILABLE = 'MinimumReplicasUnavailable';
export const NEW_RS_AVAILABLE = 'NewReplicaSetAvailable';
export const RS_UPDATED = 'ReplicaSetUpdated';
export const TIMED_OUT = 'ProgressDeadlineExceeded';
export const NEW_RS_CREATED = 'NewReplicaSetCreated';
export const FOUND_NEW_RS = 'FoundNewReplicaSet';
export const FAILED_RS_CREATE = 'ReplicaSetCreateError';
export const PAUSED = 'DeploymentPaused';
export const RESUMED = 'DeploymentResumed';

const MAX_INT32 = 2147483647;

export function condition(status: DeploymentStatus | undefined, type: string): WorkloadCondition | undefined {
  return status?.conditions?.find((c) => c.type === type);
}

export function newCondition(type: string, status: WorkloadCondition['status'], reason: string, message: string, now: Date): WorkloadCondition {
  const t = rfc3339(now);
  return { type, status, lastUpdateTime: t, lastTransitionTime: t, reason, message };
}

/** Upstream SetDeploymentCondition: same status and reason is a no-op; same status keeps lastTransitionTime. */
export function setCondition(status: DeploymentStatus, c: WorkloadCondition): void {
  const cur = condition(status, c.type);
  if (cur && cur.status === c.status && cur.reason === c.reason) return;
  if (cur && cur.status === c.status) c = { ...c, lastTransitionTime: cur.lastTransitionTime };
  status.conditions = [...(status.conditions ?? []).filter((x) => x.type !== c.type), c];
}

export function removeCondition(status: DeploymentStatus, type: string): void {
  if (status.conditions?.some((c) => c.type === type)) status.conditions = status.conditions.filter((c) => c.type !== type);
}

export function hasProgressDeadline(d: Deployment): boolean {
  const s = d.spec.progressDeadlineSeconds;
  return s !== undefined && s !== null && s !== MAX_INT32;
}

/** Upstream calculateStatus: counts from the ReplicaSets plus the Available condition. */
export function calculateStatus(d: Deployment, allRSs: readonly (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined, now: Date): DeploymentStatus {
  const available = sumStatus(allRSs, 'availableReplicas');
  const unavailable = Math.max(0, sumReplicas(allRSs) - available);
  const status: DeploymentStatus = {
    observedGeneration: d.metadata.generation,
    replicas: sumStatus(allRSs, 'replicas'),
    updatedReplicas: sumStatus([newRS], 'replicas'),
    readyReplicas: sumStatus(allRSs, 'readyReplicas'),
    availableReplicas: available,
    unavailableReplicas: unavailable,
  };
  if (d.status?.collisionCount !== undefined) status.collisionCount = d.status.collisionCount;
  if (d.status?.conditions?.length) status.conditions = [...d.status.conditions];
  if (available >= desiredReplicas(d) - maxUnavailable(d)) {
    setCondition(status, newCondition(AVAILABLE, 'True', MINIMUM_REPLICAS_AVAILABLE, 'Deployment has minimum availability.', now));
  } else {
    setCondition(status, newCondition(AVAILABLE, 'False', MINIMUM_REPLICAS_UNAVAILABLE, 'Deployment does not have minimum availability.', now));
  }
  return status;
}

/** All new replicas updated and available, and nothing old left. */
export function deploymentComplete(d: Deployment, s: DeploymentStatus): boolean {
  const desired = desiredReplicas(d);
  return (s.updatedReplicas ?? 0) === desired && (s.replicas ?? 0) === desired && (s.availableReplicas ?? 0) === desired && (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 0);
}

/** Something moved since the last status: more updated, fewer old, more ready or available. */
export function deploymentProgressing(d: Deployment, s: DeploymentStatus): boolean {
  const old = d.status ?? {};
  const oldOld = (old.replicas ?? 0) - (old.updatedReplicas ?? 0);
  const newOld = (s.replicas ?? 0) - (s.updatedReplicas ?? 0);
  return (s.updatedReplicas ?? 0) > (old.updatedReplicas ?? 0) || newOld < oldOld || (s.readyReplicas ?? 0) > (old.readyReplicas ?? 0) || (s.availableReplicas ?? 0) > (old.availableReplicas ?? 0);
}

export function deploymentTimedOut(d: Deployment, s: DeploymentStatus, now: Date): boolean {
  if (!hasProgressDeadline(d)) return false;
  const c = condition(s, PROGRESSING);
  if (!c) return false;
  if (c.reason === NEW_RS_AVAILABLE) return false;
  if (c.reason === TIMED_OUT) return true;
  const from = Date.parse(c.lastUpdateTime ?? c.lastTransitionTime ?? '');
  return Number.isFinite(from) && from + d.spec.progressDeadlineSeconds! * 1000 < now.getTime();
}

const quote = (s: string | undefined) => JSON.stringify(s ?? '');

/**
 * Upstream syncRolloutStatus without the write: the status to store, and when to look again
 * (ms) so a stuck rollout is noticed at its deadline even without events.
 */
export function rolloutStatus(d: Deployment, allRSs: readonly (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined, now: Date): { status: DeploymentStatus; changed: boolean; requeueAfterMs?: number } {
  const s = calculateStatus(d, allRSs, newRS, now);
  if (!hasProgressDeadline(d)) removeCondition(s, PROGRESSING);
  const cur = condition(s, PROGRESSING);
  const complete = s.replicas === s.updatedReplicas && cur?.reason === NEW_RS_AVAILABLE;
  if (hasProgressDeadline(d) && !complete) {
    if (deploymentComplete(d, s)) {
      setCondition(s, newCondition(PROGRESSING, 'True', NEW_RS_AVAILABLE, `ReplicaSet ${quote(newRS?.metadata.name)} has successfully progressed.`, now));
    } else if (deploymentProgressing(d, s)) {
      const msg = newRS ? `ReplicaSet ${quote(newRS.metadata.name)} is progressing.` : `Deployment ${quote(d.metadata.name)} is progressing.`;
      let c = newCondition(PROGRESSING, 'True', RS_UPDATED, msg, now);
      // Progress refreshes lastUpdateTime, which the deadline counts from.
      if (cur) {
        if (cur.status === 'True') c = { ...c, lastTransitionTime: cur.lastTransitionTime };
        removeCondition(s, PROGRESSING);
      }
      setCondition(s, c);
    } else if (deploymentTimedOut(d, s, now)) {
      const msg = newRS ? `ReplicaSet ${quote(newRS.metadata.name)} has timed out progressing.` : `Deployment ${quote(d.metadata.name)} has timed out progressing.`;
      setCondition(s, newCondition(PROGRESSING, 'False', TIMED_OUT, msg, now));
    }
  }
  const failure = replicaFailure(allRSs);
  if (failure) setCondition(s, failure);
  else removeCondition(s, REPLICA_FAILURE);

  if (semanticEqual(d.status ?? {}, s)) return { status: s, changed: false, requeueAfterMs: stuckRequeue(d, s, now) };
  return { status: s, changed: true };
}

/** The first failing ReplicaSet's ReplicaFailure condition, as a Deployment condition. */
function replicaFailure(allRSs: readonly (ReplicaSet | undefined)[]): WorkloadCondition | undefined {
  for (const rs of allRSs) {
    const c = rs?.status?.conditions?.find((x) => x.type === REPLICA_FAILURE && x.status === 'True');
    if (c) {
      const t = c.lastTransitionTime;
      return { type: REPLICA_FAILURE, status: c.status, lastUpdateTime: t, lastTransitionTime: t, reason: c.reason, message: c.message };
    }
  }
  return undefined;
}

/** Upstream requeueStuckDeployment: ms until the progress deadline passes, if it is pending. */
function stuckRequeue(d: Deployment, s: DeploymentStatus, now: Date): number | undefined {
  const c = condition(s, PROGRESSING);
  if (!hasProgressDeadline(d) || !c || c.reason === TIMED_OUT || deploymentComplete(d, s)) return undefined;
  const from = Date.parse(c.lastUpdateTime ?? c.lastTransitionTime ?? '');
  if (!Number.isFinite(from)) return undefined;
  const after = from + d.spec.progressDeadlineSeconds! * 1000 - now.getTime();
  return after < 1000 ? 0 : after + 1000;
}

/** Upstream checkPausedConditions: the Progressing condition to set when paused or just resumed. */
export function pausedCondition(d: Deployment, now: Date): WorkloadCondition | undefined {
  if (!hasProgressDeadline(d)) return undefined;
  const c = condition(d.status, PROGRESSING);
  if (c?.reason === TIMED_OUT) return undefined;
  const pausedShown = c?.reason === PAUSED;
  if (d.spec.paused && !pausedShown) return newCondition(PROGRESSING, 'Unknown', PAUSED, 'Deployment is paused', now);
  if (!d.spec.paused && pausedShown) return newCondition(PROGRESSING, 'Unknown', RESUMED, 'Deployment is resumed', now);
  return undefined;
}

/** Upstream syncDeploymentStatus (paused and scaling syncs): counts only, no progress condition changes. */
export function plainStatus(d: Deployment, allRSs: readonly (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined, now: Date): { status: DeploymentStatus; changed: boolean } {
  const s = calculateStatus(d, allRSs, newRS, now);
  return { status: s, changed: !semanticEqual(d.status ?? {}, s) };
}
