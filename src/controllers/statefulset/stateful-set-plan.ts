// What one StatefulSet sync should do next (pure), modelled on upstream's updateStatefulSet:
// fill missing ordinals lowest first, recreate failed pods, delete condemned ordinals highest
// first, then roll pods at or above the partition to the update revision highest first. With
// OrderedReady, each step waits until every lower ordinal is Running and Ready.
import type { KubeObject } from '../../api/object.js';
import { CONTROLLER_REVISION_HASH_LABEL } from '../history/controller-revision.js';
import { ordinalOf, startOrdinal, type StatefulSet } from './stateful-pod-identity.js';

type Pod = KubeObject & { status?: { phase?: string; conditions?: { type: string; status: string; lastTransitionTime?: string }[] } };

export const isTerminating = (p: KubeObject): boolean => !!p.metadata.deletionTimestamp;
export const isCreated = (p: Pod): boolean => !!p.status?.phase;
export const isFinished = (p: Pod): boolean => p.status?.phase === 'Failed' || p.status?.phase === 'Succeeded';
export const podRevision = (p: KubeObject): string | undefined => p.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL];

function readyCondition(p: Pod): { status: string; lastTransitionTime?: string } | undefined {
  for (const c of p.status?.conditions ?? []) if (c.type === 'Ready') return c;
  return undefined;
}

export function isRunningAndReady(p: Pod): boolean {
  return p.status?.phase === 'Running' && readyCondition(p)?.status === 'True';
}

/** Ready for at least minReadySeconds. */
export function isRunningAndAvailable(p: Pod, minReadySeconds: number, now: Date): boolean {
  if (!isRunningAndReady(p)) return false;
  if (minReadySeconds <= 0) return true;
  const since = readyCondition(p)?.lastTransitionTime;
  return !!since && Date.parse(since) + minReadySeconds * 1000 <= now.getTime();
}

export interface StatefulSetPlan {
  /** Ordinals to create, with which revision's template. */
  create: { ordinal: number; revision: 'current' | 'update' }[];
  /** Pod names to delete. */
  delete: string[];
  /** Ordinals outside the replica range whose pods exist (their claims may follow WhenScaled). */
  condemned: number[];
}

export interface PlanInput {
  set: StatefulSet;
  pods: Pod[];
  currentRevision: string;
  updateRevision: string;
  now: Date;
}

/** Sorts pods into replica slots and condemned pods (highest ordinal first). */
export function partitionPods(set: StatefulSet, pods: Pod[]): { slots: (Pod | undefined)[]; condemned: { ordinal: number; pod: Pod }[] } {
  const start = startOrdinal(set);
  const replicas = set.spec.replicas ?? 1;
  const slots: (Pod | undefined)[] = new Array(replicas).fill(undefined);
  const condemned: { ordinal: number; pod: Pod }[] = [];
  for (const pod of pods) {
    const ord = ordinalOf(set.metadata.name!, pod.metadata.name!);
    if (ord < 0) continue;
    if (ord >= start && ord < start + replicas) slots[ord - start] = pod;
    else condemned.push({ ordinal: ord, pod });
  }
  condemned.sort((a, b) => b.ordinal - a.ordinal);
  return { slots, condemned };
}

/** The revision a newly created pod at ordinal gets: below the partition it stays on current. */
export function revisionForOrdinal(set: StatefulSet, ordinal: number): 'current' | 'update' {
  const us = set.spec.updateStrategy;
  if (us?.type === 'OnDelete') return 'update';
  const partition = us?.rollingUpdate?.partition ?? 0;
  return ordinal < startOrdinal(set) + partition ? 'current' : 'update';
}

export function planStatefulSet({ set, pods, updateRevision, now }: PlanInput): StatefulSetPlan {
  const plan: StatefulSetPlan = { create: [], delete: [], condemned: [] };
  const start = startOrdinal(set);
  const monotonic = (set.spec.podManagementPolicy ?? 'OrderedReady') === 'OrderedReady';
  const minReady = set.spec.minReadySeconds ?? 0;
  const healthy = (p: Pod): boolean => !isTerminating(p) && isRunningAndAvailable(p, minReady, now);
  const { slots, condemned } = partitionPods(set, pods);
  plan.condemned = condemned.map((c) => c.ordinal);

  for (let i = 0; i < slots.length; i++) {
    const pod = slots[i];
    const ordinal = start + i;
    if (!pod) {
      plan.create.push({ ordinal, revision: revisionForOrdinal(set, ordinal) });
      if (monotonic) return plan;
      continue;
    }
    if (isFinished(pod) && !isTerminating(pod)) {
      plan.delete.push(pod.metadata.name!);
      if (monotonic) return plan;
      continue;
    }
    if (monotonic && !healthy(pod)) return plan;
  }

  let firstUnhealthy: Pod | undefined;
  for (let i = condemned.length - 1; i >= 0 && !firstUnhealthy; i--) if (!isRunningAndReady(condemned[i]!.pod)) firstUnhealthy = condemned[i]!.pod;
  for (const { pod } of condemned) {
    if (isTerminating(pod)) {
      if (monotonic) return plan;
      continue;
    }
    // An unhealthy pod may only go first if it is the lowest unhealthy one (upstream's firstUnhealthyPod).
    if (monotonic && !isRunningAndReady(pod) && pod !== firstUnhealthy) return plan;
    plan.delete.push(pod.metadata.name!);
    if (monotonic) return plan;
  }
  if (plan.create.length || plan.delete.length) return plan;

  if (set.spec.updateStrategy?.type === 'OnDelete') return plan;
  const partition = set.spec.updateStrategy?.rollingUpdate?.partition ?? 0;
  for (let i = slots.length - 1; i >= partition; i--) {
    const pod = slots[i]!;
    if (podRevision(pod) !== updateRevision && !isTerminating(pod)) {
      plan.delete.push(pod.metadata.name!);
      return plan;
    }
    if (!healthy(pod)) return plan;
  }
  return plan;
}

export interface StatefulSetStatus {
  observedGeneration?: number;
  replicas: number;
  readyReplicas: number;
  currentReplicas: number;
  updatedReplicas: number;
  availableReplicas: number;
  currentRevision: string;
  updateRevision: string;
  collisionCount: number;
}

/** Status from the pods that exist; a finished rollout makes the update revision current. */
export function computeStatefulSetStatus(set: StatefulSet, pods: Pod[], currentRevision: string, updateRevision: string, collisionCount: number, now: Date): StatefulSetStatus {
  const s: StatefulSetStatus = {
    observedGeneration: set.metadata.generation,
    replicas: 0,
    readyReplicas: 0,
    currentReplicas: 0,
    updatedReplicas: 0,
    availableReplicas: 0,
    currentRevision,
    updateRevision,
    collisionCount,
  };
  const minReady = set.spec.minReadySeconds ?? 0;
  for (const pod of pods) {
    if (ordinalOf(set.metadata.name!, pod.metadata.name!) < 0) continue;
    if (isCreated(pod)) s.replicas++;
    if (isRunningAndReady(pod)) {
      s.readyReplicas++;
      if (isRunningAndAvailable(pod, minReady, now)) s.availableReplicas++;
    }
    if (isCreated(pod) && !isTerminating(pod)) {
      const rev = podRevision(pod);
      if (rev === currentRevision) s.currentReplicas++;
      if (rev === updateRevision) s.updatedReplicas++;
    }
  }
  if (set.spec.updateStrategy?.type !== 'OnDelete' && s.updatedReplicas === s.replicas && s.readyReplicas === s.replicas) {
    s.currentReplicas = s.updatedReplicas;
    s.currentRevision = updateRevision;
  }
  return s;
}
