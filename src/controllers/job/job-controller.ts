// JobController: runs a Job's pods to completion (NonIndexed or Indexed), counting finished pods
// through the batch.kubernetes.io/job-tracking finalizer and status.uncountedTerminatedPods,
// enforcing backoffLimit and activeDeadlineSeconds, honouring suspend, writing the upstream
// conditions, and deleting finished jobs whose ttlSecondsAfterFinished ran out (upstream's
// ttl-after-finished controller, folded in here). It writes only pods it owns, their tracking
// finalizer, the job's status subresource, and — for the TTL — the job itself.
import type { KubeObject } from '../../api/object.js';
import { deepEqual } from '../../api/validation/field.js';
import { selectorFromSpec } from '../../api/selectors/label-selector.js';
import type { Informer } from '../../client/informer-types.js';
import { objectKey, R } from '../../client/resources.js';
import { isConflict, isNotFound } from '../../client/types.js';
import { WorkQueue } from '../../client/workqueue.js';
import type { Controller, ControllerDeps, ControllerDescriptor } from '../types.js';
import { controllerRefTo } from '../history/controller-revision.js';
import { controllerOf, ensureControllerIndex, ownedObjects } from '../history/owned-objects.js';
import { isJobFinished, JOB_TRACKING_FINALIZER, planJob, settleStatus, ttlRemainingMs, type Job, type Pod } from './job-plan.js';
import { newJobPod } from './job-pod.js';
import { processQueue } from '../process-queue.js';

const WORKERS = 5;
/** Queue keys for pods whose job no longer exists but which still carry the tracking finalizer. */
const ORPHAN_POD_PREFIX = 'pod:';
/** Upstream's pod failure back-off: 10 s doubling per consecutive failure, at most 6 minutes. */
const BACKOFF_BASE_MS = 10_000;
const BACKOFF_MAX_MS = 360_000;
/** Upstream creates pods in slow-start batches: 1, 2, 4, ... */
const SLOW_START_INITIAL = 1;

export class JobController implements Controller {
  private readonly queue = new WorkQueue(5, 60_000);
  private jobs!: Informer<Job>;
  private pods!: Informer<Pod>;
  /** Job uid → consecutive failures and the time of the last one (in-memory, like upstream's backoff store). */
  private readonly backoff = new Map<string, { failures: number; last: number }>();

  constructor(private readonly deps: ControllerDeps, private readonly backoffBaseMs = BACKOFF_BASE_MS) {}

  async run(signal: AbortSignal): Promise<void> {
    const { informers } = this.deps;
    this.jobs = informers.informerFor<Job>(R.jobs);
    this.pods = informers.informerFor<Pod>(R.pods);
    ensureControllerIndex(this.pods as Informer);
    const enqueue = (o: KubeObject): void => this.queue.add(objectKey(o));
    this.jobs.addEventHandler({ onAdd: enqueue, onUpdate: (_o, n) => enqueue(n), onDelete: (o) => { this.backoff.delete(o.metadata.uid!); enqueue(o); } });
    const owner = (o: KubeObject): void => {
      const ref = controllerOf(o);
      if (ref?.kind !== 'Job') return;
      const jobKey = `${o.metadata.namespace}/${ref.name}`;
      const job = this.jobs.store.get(jobKey);
      // A pod whose job is gone keeps its finalizer until someone removes it: us.
      if ((!job || job.metadata.uid !== ref.uid) && o.metadata.finalizers?.includes(JOB_TRACKING_FINALIZER)) this.queue.add(`${ORPHAN_POD_PREFIX}${objectKey(o)}`);
      else this.queue.add(jobKey);
    };
    this.pods.addEventHandler({ onAdd: owner, onUpdate: (_o, n) => owner(n), onDelete: owner });
    signal.addEventListener('abort', () => this.queue.shutdown(), { once: true });
    await informers.waitForSync(signal);
    if (signal.aborted) return;
    await Promise.all(Array.from({ length: WORKERS }, () => this.worker()));
  }

  private async worker(): Promise<void> {
    await processQueue(this.queue, (key) => this.sync(key), (err, key) => this.deps.logger.warn({ err, job: key }, 'job sync failed'));
  }

  /** Reconciles one job from the cache; returns ms until it must be looked at again. */
  async sync(key: string): Promise<number> {
    if (key.startsWith(ORPHAN_POD_PREFIX)) return this.releaseOrphanPod(key.slice(ORPHAN_POD_PREFIX.length));
    const job = this.jobs.store.get(key);
    const { client, recorder, clock } = this.deps;
    if (!job) return 0;
    const ns = job.metadata.namespace!;
    const matches = selectorFromSpec(job.spec.selector);
    const pods = ownedObjects(this.pods, job, matches).owned;
    const now = clock.now();

    if (job.metadata.deletionTimestamp || isJobFinished(job)) {
      // Nothing left to count: let every pod go.
      await this.removeFinalizers(pods.filter((p) => p.metadata.finalizers?.includes(JOB_TRACKING_FINALIZER)));
      if (job.metadata.deletionTimestamp) return 0;
      return this.expireIfDue(job, now);
    }

    const uid = job.metadata.uid!;
    const b = this.backoff.get(uid);
    const creationDelayMs = b && b.failures > 0 ? Math.max(0, b.last + Math.min(BACKOFF_MAX_MS, this.backoffBaseMs * 2 ** (b.failures - 1)) - now.getTime()) : 0;
    const plan = planJob(job, pods, { now, creationDelayMs });
    this.trackBackoff(job, plan.status, now);

    // Persist what was observed before any pod can vanish.
    let written = job;
    if (!deepEqual(plan.status, job.status ?? {})) {
      written = await client.update<Job>(R.jobs, ns, { ...job, status: plan.status }, { subresource: 'status' });
    }
    for (const name of plan.delete) {
      try {
        await client.delete(R.pods, ns, name);
        recorder.event(job, 'Normal', 'SuccessfulDelete', `Deleted pod: ${name}`);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    await this.createPods(job, plan.createCount, plan.createIndexes);
    for (const e of plan.events) recorder.event(job, e.type, e.reason, e.message);

    const released = await this.removeFinalizers(plan.unfinalize);
    const settled = settleStatus(job, written.status ?? plan.status, released, now);
    if (!deepEqual(settled.status, written.status ?? {})) {
      written = await client.update<Job>(R.jobs, ns, { ...written, status: settled.status }, { subresource: 'status' });
    }
    if (settled.finished) {
      if (settled.finished.type === 'Complete') recorder.event(job, 'Normal', 'Completed', 'Job completed');
      else recorder.event(job, 'Warning', settled.finished.reason ?? 'Failed', settled.finished.message ?? 'Job failed');
      this.backoff.delete(uid);
      const ttl = ttlRemainingMs(written, now);
      if (ttl !== undefined) return Math.max(1, ttl);
    }
    return plan.requeueAfterMs;
  }

  private trackBackoff(job: Job, next: { uncountedTerminatedPods?: { succeeded?: string[]; failed?: string[] } }, now: Date): void {
    const before = new Set([...(job.status?.uncountedTerminatedPods?.failed ?? []), ...(job.status?.uncountedTerminatedPods?.succeeded ?? [])]);
    const newFailed = (next.uncountedTerminatedPods?.failed ?? []).filter((u) => !before.has(u)).length;
    const newSucceeded = (next.uncountedTerminatedPods?.succeeded ?? []).filter((u) => !before.has(u)).length;
    const uid = job.metadata.uid!;
    if (newSucceeded > 0) this.backoff.delete(uid);
    if (newFailed > 0) this.backoff.set(uid, { failures: (this.backoff.get(uid)?.failures ?? 0) + newFailed, last: now.getTime() });
  }

  /** Creates pods in slow-start batches (1, 2, 4, ...), stopping at the first failing batch. */
  private async createPods(job: Job, count: number, indexes: number[]): Promise<void> {
    const { client, recorder } = this.deps;
    const ref = controllerRefTo(job, 'batch/v1', 'Job');
    const work: (number | undefined)[] = indexes.length ? indexes : new Array(count).fill(undefined);
    for (let i = 0, batch = SLOW_START_INITIAL; i < work.length; batch *= 2) {
      const chunk = work.slice(i, i + batch);
      i += chunk.length;
      const results = await Promise.allSettled(chunk.map((index) => client.create(R.pods, job.metadata.namespace!, newJobPod(job, ref, index))));
      let failed: unknown;
      for (const r of results) {
        if (r.status === 'fulfilled') recorder.event(job, 'Normal', 'SuccessfulCreate', `Created pod: ${r.value.metadata.name}`);
        else {
          failed ??= r.reason;
          recorder.event(job, 'Warning', 'FailedCreate', `Error creating: ${(r.reason as Error).message}`);
        }
      }
      if (failed) throw failed;
    }
  }

  /** Removes the tracking finalizer; returns the uids released (or already gone). */
  private async removeFinalizers(pods: Pod[]): Promise<Set<string>> {
    const released = new Set<string>();
    await Promise.all(
      pods.map(async (p) => {
        const finalizers = (p.metadata.finalizers ?? []).filter((f) => f !== JOB_TRACKING_FINALIZER);
        try {
          await this.deps.client.patch(R.pods, p.metadata.namespace!, p.metadata.name!, 'merge', {
            metadata: { resourceVersion: p.metadata.resourceVersion, finalizers: finalizers.length ? finalizers : null },
          });
          released.add(p.metadata.uid!);
        } catch (err) {
          if (isNotFound(err)) released.add(p.metadata.uid!);
          else if (!isConflict(err)) throw err;
        }
      }),
    );
    return released;
  }

  private async releaseOrphanPod(podKey: string): Promise<number> {
    const pod = this.pods.store.get(podKey);
    const ref = pod && controllerOf(pod);
    if (!pod || !ref) return 0;
    const job = this.jobs.store.get(`${pod.metadata.namespace}/${ref.name}`);
    if (job && job.metadata.uid === ref.uid) {
      this.queue.add(objectKey(job));
      return 0;
    }
    await this.removeFinalizers([pod]);
    return 0;
  }

  /** ttlSecondsAfterFinished: delete the job (foreground, as upstream) once it expires. */
  private async expireIfDue(job: Job, now: Date): Promise<number> {
    const left = ttlRemainingMs(job, now);
    if (left === undefined) return 0;
    if (left > 0) return left;
    try {
      await this.deps.client.delete(R.jobs, job.metadata.namespace!, job.metadata.name!, { propagationPolicy: 'Foreground', preconditions: { uid: job.metadata.uid } });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    return 0;
  }
}

export const jobControllerDescriptor: ControllerDescriptor = {
  name: 'job',
  create: (deps) => new JobController(deps),
};
