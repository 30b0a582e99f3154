// What one CronJob sync should do (pure), after upstream's cronjob controllerv2: reconcile
// status.active with the jobs that exist, find the most recent missed schedule time, and decide
// whether to start a job for it (suspend, startingDeadlineSeconds, concurrencyPolicy), which
// jobs to replace, and which finished jobs fall outside the history limits.
import type { KubeObject } from '../../api/object.js';
import { formatInZone, nextScheduleTime, parseCronSchedule, type CronSchedule } from './cron-schedule.js';

export const SCHEDULED_TIMESTAMP_ANNOTATION = 'batch.kubernetes.io/cronjob-scheduled-timestamp';

export interface ObjectReference {
  apiVersion?: string;
  kind?: string;
  namespace?: string;
  name?: string;
  uid?: string;
  resourceVersion?: string;
}

export interface CronJob extends KubeObject {
  spec: {
    schedule: string;
    timeZone?: string;
    startingDeadlineSeconds?: number;
    concurrencyPolicy?: 'Allow' | 'Forbid' | 'Replace';
    suspend?: boolean;
    successfulJobsHistoryLimit?: number;
    failedJobsHistoryLimit?: number;
    jobTemplate: { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec?: Record<string, unknown> };
  };
  status?: { active?: ObjectReference[]; lastScheduleTime?: string; lastSuccessfulTime?: string; [k: string]: unknown };
}

export type Job = KubeObject & { status?: { conditions?: { type: string; status: string }[]; completionTime?: string; startTime?: string } };

export type JobOutcome = 'Complete' | 'Failed' | undefined;

export function jobOutcome(job: Job): JobOutcome {
  for (const c of job.status?.conditions ?? []) {
    if (c.status !== 'True') continue;
    if (c.type === 'Complete') return 'Complete';
    if (c.type === 'Failed') return 'Failed';
  }
  return undefined;
}

/** `<cronjob>-<scheduled time in minutes since the epoch>`, as upstream's getJobName. */
export const jobNameFor = (cj: CronJob, scheduled: Date): string => `${cj.metadata.name}-${Math.floor(scheduled.getTime() / 60_000)}`;

export interface MostRecent {
  /** The latest schedule time in (earliest, now], if any. */
  time?: Date;
  /** More than 100 start times were missed (upstream warns TooManyMissedTimes). */
  tooMany: boolean;
  /** The next schedule time after now. */
  next?: Date;
}

/** Schedule times between the last one handled (or creation) and now; only the latest matters. */
export function mostRecentScheduleTime(cj: CronJob, sched: CronSchedule, now: Date): MostRecent {
  let earliest = Date.parse(cj.status?.lastScheduleTime ?? cj.metadata.creationTimestamp ?? now.toISOString());
  if (cj.spec.startingDeadlineSeconds !== undefined && cj.spec.startingDeadlineSeconds !== null) {
    earliest = Math.max(earliest, now.getTime() - cj.spec.startingDeadlineSeconds * 1000);
  }
  let count = 0;
  let last: Date | undefined;
  let from = new Date(earliest);
  // A schedule missed for very long would take long to walk minute by minute: jump closer.
  if (now.getTime() - earliest > 3 * 24 * 3600_000) {
    const probe = nextScheduleTime(sched, from);
    if (probe && probe.getTime() <= now.getTime()) count = 101;
    from = new Date(now.getTime() - 2 * 24 * 3600_000);
  }
  for (let t = nextScheduleTime(sched, from); t && t.getTime() <= now.getTime(); t = nextScheduleTime(sched, t)) {
    last = t;
    count++;
  }
  return { time: last, tooMany: count > 100, next: nextScheduleTime(sched, now) };
}

export interface CronJobEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

export interface CronJobPlan {
  /** status.active after dropping jobs that finished or vanished. */
  active: ObjectReference[];
  lastSuccessfulTime?: string;
  /** A schedule time already handled whose status write is missing. */
  lastScheduleTime?: Date;
  /** The job to create, if one is due. */
  create?: { name: string; scheduled: Date };
  /** Active jobs to delete first (concurrencyPolicy Replace). */
  replace: string[];
  /** Finished jobs beyond the history limits. */
  prune: string[];
  events: CronJobEvent[];
  /** ms until the next schedule time (for requeueing). */
  requeueAfterMs?: number;
}

const rfc1123z = (d: Date): string => d.toUTCString().replace('GMT', '+0000');

export function planCronJob(cj: CronJob, jobs: Job[], now: Date): CronJobPlan {
  const byName = new Map(jobs.map((j) => [j.metadata.name!, j]));
  const plan: CronJobPlan = { active: [], replace: [], prune: [], events: [], lastSuccessfulTime: cj.status?.lastSuccessfulTime };

  // Keep the active list honest: jobs that finished leave it, running jobs we own join it.
  const listed = new Set<string>();
  for (const ref of cj.status?.active ?? []) {
    const j = byName.get(ref.name!);
    if (!j || (ref.uid && j.metadata.uid !== ref.uid)) continue;
    const outcome = jobOutcome(j);
    if (outcome) {
      plan.events.push({ type: 'Normal', reason: 'SawCompletedJob', message: `Saw completed job: ${j.metadata.name}, condition: ${outcome}` });
      continue;
    }
    plan.active.push(ref);
    listed.add(ref.name!);
  }
  for (const j of jobs) {
    const outcome = jobOutcome(j);
    if (!outcome && !listed.has(j.metadata.name!) && !j.metadata.deletionTimestamp) plan.active.push(jobRef(j));
    if (outcome === 'Complete' && j.status?.completionTime && (!plan.lastSuccessfulTime || j.status.completionTime > plan.lastSuccessfulTime)) {
      plan.lastSuccessfulTime = j.status.completionTime;
    }
  }

  plan.prune = pruneHistory(jobs, cj.spec.successfulJobsHistoryLimit, cj.spec.failedJobsHistoryLimit);
  if (cj.metadata.deletionTimestamp) return plan;

  let sched: CronSchedule;
  try {
    sched = parseCronSchedule(cj.spec.schedule, cj.spec.timeZone);
  } catch (err) {
    const reason = err instanceof RangeError ? 'UnknownTimeZone' : 'InvalidSchedule';
    plan.events.push({ type: 'Warning', reason, message: `invalid schedule: ${cj.spec.schedule} : ${(err as Error).message}` });
    return plan;
  }
  if (cj.spec.suspend) return plan;
  const recent = mostRecentScheduleTime(cj, sched, now);
  if (recent.next) plan.requeueAfterMs = Math.max(1, recent.next.getTime() - now.getTime());
  if (recent.tooMany) {
    plan.events.push({ type: 'Warning', reason: 'TooManyMissedTimes', message: 'too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew' });
  }
  const scheduled = recent.time;
  if (!scheduled) return plan;
  const deadline = cj.spec.startingDeadlineSeconds;
  if (deadline !== undefined && deadline !== null && scheduled.getTime() + deadline * 1000 < now.getTime()) {
    plan.events.push({ type: 'Warning', reason: 'MissSchedule', message: `Missed scheduled time to start a job: ${rfc1123z(scheduled)}` });
    return plan;
  }
  const name = jobNameFor(cj, scheduled);
  if (byName.has(name)) {
    // Already started (perhaps by a sync whose status write was lost): just record it.
    if (!cj.status?.lastScheduleTime || Date.parse(cj.status.lastScheduleTime) < scheduled.getTime()) plan.lastScheduleTime = scheduled;
    return plan;
  }
  if (cj.status?.lastScheduleTime && Date.parse(cj.status.lastScheduleTime) >= scheduled.getTime()) return plan;
  const policy = cj.spec.concurrencyPolicy ?? 'Allow';
  if (policy === 'Forbid' && plan.active.length > 0) {
    plan.events.push({ type: 'Normal', reason: 'JobAlreadyActive', message: 'Not starting job because prior execution is running and concurrency policy is Forbid' });
    return plan;
  }
  if (policy === 'Replace') plan.replace = plan.active.map((r) => r.name!);
  plan.create = { name, scheduled };
  return plan;
}

export function jobRef(j: Job): ObjectReference {
  return { apiVersion: 'batch/v1', kind: 'Job', namespace: j.metadata.namespace, name: j.metadata.name, uid: j.metadata.uid, resourceVersion: j.metadata.resourceVersion };
}

/** Oldest finished jobs beyond successfulJobsHistoryLimit / failedJobsHistoryLimit. */
export function pruneHistory(jobs: Job[], successfulLimit = 3, failedLimit = 1): string[] {
  const startOf = (j: Job): string => j.status?.startTime ?? j.metadata.creationTimestamp ?? '';
  const pick = (outcome: JobOutcome, limit: number): string[] => {
    const done = jobs.filter((j) => jobOutcome(j) === outcome && !j.metadata.deletionTimestamp).sort((a, b) => startOf(a).localeCompare(startOf(b)));
    return done.slice(0, Math.max(0, done.length - limit)).map((j) => j.metadata.name!);
  };
  return [...pick('Complete', successfulLimit), ...pick('Failed', failedLimit)];
}

/** The Job a CronJob starts for a schedule time (upstream's getJobFromTemplate2). */
export function jobFromTemplate(cj: CronJob, name: string, scheduled: Date): KubeObject {
  const t = cj.spec.jobTemplate;
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name,
      namespace: cj.metadata.namespace,
      labels: { ...(t.metadata?.labels ?? {}) },
      annotations: { ...(t.metadata?.annotations ?? {}), [SCHEDULED_TIMESTAMP_ANNOTATION]: formatInZone(scheduled, cj.spec.timeZone) },
      ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: cj.metadata.name!, uid: cj.metadata.uid!, controller: true, blockOwnerDeletion: true }],
    },
    spec: structuredClone(t.spec ?? {}),
  };
}
