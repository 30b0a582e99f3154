// CronJobController: starts a Job for each time a CronJob's schedule (in its timeZone) comes
// due, honouring suspend, startingDeadlineSeconds and concurrencyPolicy, keeps status.active,
// lastScheduleTime and lastSuccessfulTime, and deletes finished jobs beyond the history limits.
// Time comes from the injected Clock. It writes only Jobs it owns and the CronJob's status
// subresource; it never touches pods (the Job controller and garbage collector do).
import type { KubeObject } from '../../api/object.js';
import { deepEqual } from '../../api/validation/field.js';
import type { Informer } from '../../client/informer-types.js';
import { objectKey, R } from '../../client/resources.js';
import { isAlreadyExists, isNotFound } from '../../client/types.js';
import { WorkQueue } from '../../client/workqueue.js';
import type { Controller, ControllerDeps, ControllerDescriptor } from '../types.js';
import { CONTROLLER_UID_INDEX, controllerOf, ensureControllerIndex } from '../history/owned-objects.js';
import { jobFromTemplate, jobRef, planCronJob, type CronJob, type Job } from './cronjob-plan.js';
import { processQueue } from '../process-queue.js';

const WORKERS = 3;

export class CronJobController implements Controller {
  private readonly queue = new WorkQueue(5, 60_000);
  private cronjobs!: Informer<CronJob>;
  private jobs!: Informer<Job>;

  constructor(private readonly deps: ControllerDeps) {}

  async run(signal: AbortSignal): Promise<void> {
    const { informers } = this.deps;
    this.cronjobs = informers.informerFor<CronJob>(R.cronjobs);
    this.jobs = informers.informerFor<Job>(R.jobs);
    ensureControllerIndex(this.jobs as Informer);
    const enqueue = (o: KubeObject): void => this.queue.add(objectKey(o));
    this.cronjobs.addEventHandler({ onAdd: enqueue, onUpdate: (_o, n) => enqueue(n), onDelete: enqueue });
    const owner = (o: KubeObject): void => {
      const ref = controllerOf(o);
      if (ref?.kind === 'CronJob') this.queue.add(`${o.metadata.namespace}/${ref.name}`);
    };
    this.jobs.addEventHandler({ onAdd: owner, onUpdate: (_o, n) => owner(n), onDelete: owner });
    signal.addEventListener('abort', () => this.queue.shutdown(), { once: true });
    await informers.waitForSync(signal);
    if (signal.aborted) return;
    await Promise.all(Array.from({ length: WORKERS }, () => this.worker()));
  }

  private async worker(): Promise<void> {
    await processQueue(this.queue, (key) => this.sync(key), (err, key) => this.deps.logger.warn({ err, cronjob: key }, 'cronjob sync failed'));
  }

  /** Reconciles one CronJob at clock.now(); returns ms until its next schedule time. */
  async sync(key: string): Promise<number> {
    const cj = this.cronjobs.store.get(key);
    if (!cj) return 0;
    const { client, recorder, clock } = this.deps;
    const ns = cj.metadata.namespace!;
    const now = clock.now();
    const jobs = this.jobs.store.byIndex(CONTROLLER_UID_INDEX, cj.metadata.uid!).filter((j) => j.metadata.namespace === ns);
    const plan = planCronJob(cj, jobs, now);
    for (const e of plan.events) recorder.event(cj, e.type, e.reason, e.message);

    let active = plan.active;
    const status = { ...(cj.status ?? {}) };
    for (const name of plan.replace) {
      await this.deleteJob(cj, name);
      active = active.filter((r) => r.name !== name);
    }
    if (plan.create) {
      try {
        const created = await client.create<Job>(R.jobs, ns, jobFromTemplate(cj, plan.create.name, plan.create.scheduled));
        recorder.event(cj, 'Normal', 'SuccessfulCreate', `Created job ${created.metadata.name}`);
        active = [...active, jobRef(created)];
      } catch (err) {
        if (!isAlreadyExists(err)) {
          recorder.event(cj, 'Warning', 'FailedCreate', `Error creating job: ${(err as Error).message}`);
          throw err;
        }
      }
      status.lastScheduleTime = plan.create.scheduled.toISOString().replace(/\.\d{3}Z$/, 'Z');
    }
    if (plan.lastScheduleTime) status.lastScheduleTime = plan.lastScheduleTime.toISOString().replace(/\.\d{3}Z$/, 'Z');
    if (active.length) status.active = active;
    else delete status.active;
    if (plan.lastSuccessfulTime) status.lastSuccessfulTime = plan.lastSuccessfulTime;
    if (!deepEqual(status, cj.status ?? {})) await client.update(R.cronjobs, ns, { ...cj, status }, { subresource: 'status' });
    for (const name of plan.prune) await this.deleteJob(cj, name);
    return plan.requeueAfterMs ?? 0;
  }

  private async deleteJob(cj: CronJob, name: string): Promise<void> {
    try {
      await this.deps.client.delete(R.jobs, cj.metadata.namespace!, name, { propagationPolicy: 'Background' });
      this.deps.recorder.event(cj, 'Normal', 'SuccessfulDelete', `Deleted job ${name}`);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}

export const cronjobControllerDescriptor: ControllerDescriptor = {
  name: 'cronjob',
  create: (deps) => new CronJobController(deps),
};
