// What one Job sync should do (pure), after upstream's syncJob in pkg/controller/job: count
// finished pods through status.uncountedTerminatedPods before releasing their tracking
// finalizer, decide failure (backoffLimit, activeDeadlineSeconds) or success (completions),
// mark it first with the interim FailureTarget / SuccessCriteriaMet conditions, delete the
// remaining pods, and only then add Failed / Complete; otherwise choose pods to create or
// delete (NonIndexed counts, Indexed indexes) and keep Suspended up to date.
import type { KubeObject } from '../../api/object.js';
import { formatIndexes, parseIndexes } from './completed-indexes.js';

export const JOB_TRACKING_FINALIZER = 'batch.kubernetes.io/job-tracking';
export const JOB_COMPLETION_INDEX = 'batch.kubernetes.io/job-completion-index';

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  lastProbeTime?: string;
  lastTransitionTime?: string;
}

export interface JobStatus {
  conditions?: Condition[];
  startTime?: string;
  completionTime?: string;
  active?: number;
  ready?: number;
  terminating?: number;
  succeeded?: number;
  failed?: number;
  completedIndexes?: string;
  uncountedTerminatedPods?: { succeeded?: string[]; failed?: string[] };
  [k: string]: unknown;
}

export interface Job extends KubeObject {
  spec: {
    parallelism?: number;
    completions?: number | null;
    backoffLimit?: number;
    activeDeadlineSeconds?: number;
    ttlSecondsAfterFinished?: number;
    completionMode?: 'NonIndexed' | 'Indexed';
    suspend?: boolean;
    podReplacementPolicy?: 'TerminatingOrFailed' | 'Failed';
    selector?: { matchLabels?: Record<string, string> };
    template: { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec?: Record<string, unknown> };
  };
  status?: JobStatus;
}

export type Pod = KubeObject & {
  spec?: { nodeName?: string };
  status?: { phase?: string; conditions?: { type: string; status: string }[] };
};

export interface JobEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

export interface JobPlan {
  /** Status to persist before any finalizer is removed (records new uncounted pods). */
  status: JobStatus;
  /** NonIndexed: how many pods to create. */
  createCount: number;
  /** Indexed: which indexes to create pods for. */
  createIndexes: number[];
  /** Pods to delete (surplus, suspended, or the job is finishing). */
  delete: string[];
  /** Pods whose tracking finalizer may go once `status` is written. */
  unfinalize: Pod[];
  events: JobEvent[];
  /** Look again after this many ms (activeDeadlineSeconds). */
  requeueAfterMs: number;
}

const hasFinalizer = (p: Pod): boolean => !!p.metadata.finalizers?.includes(JOB_TRACKING_FINALIZER);
const isSucceeded = (p: Pod): boolean => p.status?.phase === 'Succeeded';
const isFailed = (p: Pod): boolean => p.status?.phase === 'Failed';
const isReady = (p: Pod): boolean => !!p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');

/** Not finished and not being deleted (controller.FilterActivePods). */
export const isActive = (p: Pod): boolean => !isSucceeded(p) && !isFailed(p) && !p.metadata.deletionTimestamp;

/** A pod that will not run to success any more: failed, or deleted before it succeeded. */
const countsAsFailed = (p: Pod): boolean => isFailed(p) || (!!p.metadata.deletionTimestamp && !isSucceeded(p));

export function completionIndex(p: Pod): number {
  const v = p.metadata.annotations?.[JOB_COMPLETION_INDEX] ?? p.metadata.labels?.[JOB_COMPLETION_INDEX];
  if (v === undefined || !/^(0|[1-9][0-9]*)$/.test(v)) return -1;
  return Number(v);
}

export function findCondition(status: JobStatus | undefined, type: string): Condition | undefined {
  return status?.conditions?.find((c) => c.type === type);
}

const isTrue = (status: JobStatus | undefined, type: string): boolean => findCondition(status, type)?.status === 'True';

export function isJobFinished(job: Job): boolean {
  return isTrue(job.status, 'Complete') || isTrue(job.status, 'Failed');
}

/** Sets a condition, keeping lastTransitionTime when the status does not change. Returns whether anything changed. */
export function setCondition(status: JobStatus, c: Condition, nowIso: string): boolean {
  const list = (status.conditions ??= []);
  const i = list.findIndex((x) => x.type === c.type);
  if (i < 0) {
    if (c.status === 'False') return false; // from nothing to False means nothing
    list.push({ ...c, lastProbeTime: nowIso, lastTransitionTime: nowIso });
    return true;
  }
  const old = list[i]!;
  if (old.status === c.status && old.reason === c.reason && old.message === c.message) return false;
  list[i] = { ...old, ...c, lastProbeTime: nowIso, lastTransitionTime: old.status === c.status ? old.lastTransitionTime : nowIso };
  return true;
}

/**
 * Order in which surplus active pods are deleted (upstream ActivePods): unscheduled before
 * scheduled, pending before running, not ready before ready, newer before older.
 */
export function deletionOrder(a: Pod, b: Pod): number {
  const rank = (p: Pod): number[] => [p.spec?.nodeName ? 1 : 0, p.status?.phase === 'Running' ? 1 : 0, isReady(p) ? 1 : 0];
  const ra = rank(a);
  const rb = rank(b);
  for (let i = 0; i < ra.length; i++) if (ra[i] !== rb[i]) return ra[i]! - rb[i]!;
  return (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? '');
}

export interface PlanOptions {
  now: Date;
  /** ms before new pods may be created again after failures (pod failure back-off). */
  creationDelayMs?: number;
}

export function planJob(job: Job, pods: Pod[], { now, creationDelayMs = 0 }: PlanOptions): JobPlan {
  const nowIso = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const prev = job.status ?? {};
  const status: JobStatus = structuredClone(prev);
  const plan: JobPlan = { status, createCount: 0, createIndexes: [], delete: [], unfinalize: [], events: [], requeueAfterMs: 0 };
  const indexed = job.spec.completionMode === 'Indexed';
  const completions = job.spec.completions ?? undefined;
  const parallelism = job.spec.parallelism ?? 1;
  const suspended = !!job.spec.suspend;

  // 1. Record pods that finished and still hold the finalizer as uncounted.
  const uncounted = { succeeded: [...(prev.uncountedTerminatedPods?.succeeded ?? [])], failed: [...(prev.uncountedTerminatedPods?.failed ?? [])] };
  const known = new Set([...uncounted.succeeded, ...uncounted.failed]);
  let succeededIdx = indexed ? parseIndexes(prev.completedIndexes, completions ?? 0) : new Set<number>();
  for (const p of pods) {
    if (!hasFinalizer(p)) continue;
    const uid = p.metadata.uid!;
    if (isSucceeded(p)) {
      if (!known.has(uid)) uncounted.succeeded.push(uid);
      plan.unfinalize.push(p);
    } else if (countsAsFailed(p)) {
      if (!known.has(uid)) uncounted.failed.push(uid);
      plan.unfinalize.push(p);
    }
  }
  if (indexed) {
    succeededIdx = new Set(succeededIdx);
    for (const p of pods) {
      const i = completionIndex(p);
      if (isSucceeded(p) && i >= 0 && i < (completions ?? 0)) succeededIdx.add(i);
    }
    status.completedIndexes = formatIndexes(succeededIdx);
  }
  status.uncountedTerminatedPods = { ...(uncounted.succeeded.length ? { succeeded: uncounted.succeeded } : {}), ...(uncounted.failed.length ? { failed: uncounted.failed } : {}) };
  const succeeded = indexed ? succeededIdx.size : (prev.succeeded ?? 0) + uncounted.succeeded.length;
  const failed = (prev.failed ?? 0) + uncounted.failed.length;

  if (!status.startTime && !suspended) status.startTime = nowIso;

  let active = pods.filter(isActive);
  const terminatingCount = (): number => pods.filter((p) => p.metadata.deletionTimestamp && !isSucceeded(p) && !isFailed(p)).length;

  // 2. Has the job already reached, or does it now reach, a terminal decision?
  const target = findCondition(prev, 'FailureTarget')?.status === 'True' ? findCondition(prev, 'FailureTarget')
    : findCondition(prev, 'SuccessCriteriaMet')?.status === 'True' ? findCondition(prev, 'SuccessCriteriaMet') : undefined;
  let finishing: Condition | undefined = target;
  if (!finishing) {
    if (failed > (job.spec.backoffLimit ?? 6)) {
      finishing = { type: 'FailureTarget', status: 'True', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' };
    } else if (job.spec.activeDeadlineSeconds !== undefined && status.startTime && !suspended) {
      const left = Date.parse(status.startTime) + job.spec.activeDeadlineSeconds * 1000 - now.getTime();
      if (left <= 0) finishing = { type: 'FailureTarget', status: 'True', reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' };
      else plan.requeueAfterMs = left;
    }
  }

  if (finishing) {
    for (const p of active) plan.delete.push(p.metadata.name!);
    active = [];
  } else {
    manage(job, active, succeededIdx, succeeded, suspended, completions, parallelism, creationDelayMs, plan);
    const deleted = new Set(plan.delete);
    active = active.filter((p) => !deleted.has(p.metadata.name!));
    const created = plan.createCount + plan.createIndexes.length;
    const complete = completions === undefined ? succeeded > 0 && active.length + created === 0 : succeeded >= completions && active.length + created === 0;
    if (complete) finishing = { type: 'SuccessCriteriaMet', status: 'True', reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods' };
    else if (suspended) {
      if (setCondition(status, { type: 'Suspended', status: 'True', reason: 'JobSuspended', message: 'Job suspended' }, nowIso)) plan.events.push({ type: 'Normal', reason: 'Suspended', message: 'Job suspended' });
    } else if (setCondition(status, { type: 'Suspended', status: 'False', reason: 'JobResumed', message: 'Job resumed' }, nowIso)) {
      plan.events.push({ type: 'Normal', reason: 'Resumed', message: 'Job resumed' });
      status.startTime = nowIso; // the deadline counts continuous activity
    }
  }
  if (finishing && !target) setCondition(status, finishing, nowIso);

  status.active = active.length + plan.createCount + plan.createIndexes.length;
  status.ready = active.filter(isReady).length;
  status.terminating = terminatingCount() + plan.delete.length;
  status.succeeded ??= 0;
  status.failed ??= 0;
  return plan;
}

function manage(job: Job, active: Pod[], succeededIdx: Set<number>, succeeded: number, suspended: boolean, completions: number | undefined, parallelism: number, creationDelayMs: number, plan: JobPlan): void {
  if (suspended) {
    for (const p of active) plan.delete.push(p.metadata.name!);
    return;
  }
  let wantActive: number;
  if (completions === undefined) wantActive = succeeded > 0 ? active.length : parallelism;
  else wantActive = Math.max(0, Math.min(parallelism, completions - succeeded));

  if (job.spec.completionMode === 'Indexed') {
    const total = completions ?? 0;
    const seen = new Set<number>();
    const keep: Pod[] = [];
    for (const p of [...active].sort((a, b) => (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? ''))) {
      const i = completionIndex(p);
      if (i < 0 || i >= total || seen.has(i) || succeededIdx.has(i)) plan.delete.push(p.metadata.name!);
      else {
        seen.add(i);
        keep.push(p);
      }
    }
    const surplus = keep.length - wantActive;
    if (surplus > 0) {
      keep.sort((a, b) => completionIndex(b) - completionIndex(a));
      for (const p of keep.slice(0, surplus)) plan.delete.push(p.metadata.name!);
      return;
    }
    if (creationDelayMs > 0) {
      plan.requeueAfterMs = plan.requeueAfterMs ? Math.min(plan.requeueAfterMs, creationDelayMs) : creationDelayMs;
      return;
    }
    for (let i = 0; i < total && plan.createIndexes.length < -surplus; i++) {
      if (!seen.has(i) && !succeededIdx.has(i)) plan.createIndexes.push(i);
    }
    return;
  }
  const diff = wantActive - active.length;
  if (diff < 0) {
    for (const p of [...active].sort(deletionOrder).slice(0, -diff)) plan.delete.push(p.metadata.name!);
  } else if (diff > 0) {
    if (creationDelayMs > 0) plan.requeueAfterMs = plan.requeueAfterMs ? Math.min(plan.requeueAfterMs, creationDelayMs) : creationDelayMs;
    else plan.createCount = diff;
  }
}

/**
 * The status once the finalizers of `released` pods are gone: their uids move from
 * uncountedTerminatedPods to the counters, and a job whose interim condition is set and whose
 * pods have all terminated gets its terminal condition (and completionTime when it succeeded).
 */
export function settleStatus(job: Job, status: JobStatus, released: Set<string>, now: Date): { status: JobStatus; finished?: Condition } {
  const nowIso = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const next: JobStatus = structuredClone(status);
  const u = next.uncountedTerminatedPods ?? {};
  const keepS = (u.succeeded ?? []).filter((uid) => !released.has(uid));
  const keepF = (u.failed ?? []).filter((uid) => !released.has(uid));
  if (job.spec.completionMode !== 'Indexed') next.succeeded = (next.succeeded ?? 0) + (u.succeeded?.length ?? 0) - keepS.length;
  else next.succeeded = parseIndexes(next.completedIndexes, job.spec.completions ?? 0).size;
  next.failed = (next.failed ?? 0) + (u.failed?.length ?? 0) - keepF.length;
  next.uncountedTerminatedPods = { ...(keepS.length ? { succeeded: keepS } : {}), ...(keepF.length ? { failed: keepF } : {}) };
  const target = ['FailureTarget', 'SuccessCriteriaMet'].map((t) => findCondition(next, t)).find((c) => c?.status === 'True');
  if (!target || keepS.length || keepF.length || (next.active ?? 0) > 0 || (next.terminating ?? 0) > 0) return { status: next };
  const finalType = target.type === 'FailureTarget' ? 'Failed' : 'Complete';
  const finished: Condition = { type: finalType, status: 'True', reason: target.reason, message: target.message };
  setCondition(next, finished, nowIso);
  if (finalType === 'Complete') next.completionTime = nowIso;
  return { status: next, finished };
}

/** Milliseconds until a finished job's TTL expires (<= 0: delete now), or undefined without a TTL. */
export function ttlRemainingMs(job: Job, now: Date): number | undefined {
  const ttl = job.spec.ttlSecondsAfterFinished;
  if (ttl === undefined || ttl === null || !isJobFinished(job)) return undefined;
  const finishedAt = job.status?.completionTime ?? findCondition(job.status, 'Failed')?.lastTransitionTime ?? findCondition(job.status, 'Complete')?.lastTransitionTime;
  if (!finishedAt) return undefined;
  return Date.parse(finishedAt) + ttl * 1000 - now.getTime();
}
