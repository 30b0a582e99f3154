import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatIndexes, parseIndexes } from '../../src/controllers/job/completed-indexes.js';
import { findCondition, planJob, settleStatus, ttlRemainingMs, JOB_TRACKING_FINALIZER, type Job, type Pod } from '../../src/controllers/job/job-plan.js';
import { newJobPod } from '../../src/controllers/job/job-pod.js';

const now = new Date('2026-01-01T00:00:00Z');
const ref = { apiVersion: 'batch/v1', kind: 'Job', name: 'pi', uid: 'job-uid', controller: true, blockOwnerDeletion: true };

function job(over: Partial<Job['spec']> = {}, status?: Job['status']): Job {
  return { metadata: { name: 'pi', namespace: 'ns', uid: 'job-uid' }, spec: { parallelism: 2, completions: 4, backoffLimit: 1, template: { spec: { containers: [{ name: 'c' }] } }, ...over }, status };
}

let seq = 0;
function pod(phase: string, opts: { index?: number; finalizer?: boolean; deleting?: boolean } = {}): Pod {
  seq++;
  return {
    metadata: {
      name: `pi-${seq}`,
      uid: `pod-${seq}`,
      creationTimestamp: new Date(now.getTime() + seq).toISOString(),
      finalizers: opts.finalizer === false ? [] : [JOB_TRACKING_FINALIZER],
      ...(opts.index !== undefined ? { annotations: { 'batch.kubernetes.io/job-completion-index': String(opts.index) } } : {}),
      ...(opts.deleting ? { deletionTimestamp: now.toISOString() } : {}),
    },
    status: { phase },
  };
}

test('completedIndexes round-trip as ranges', () => {
  assert.equal(formatIndexes([5, 0, 1, 2, 7, 8, 9]), '0-2,5,7-9');
  assert.deepEqual([...parseIndexes('0-2,5,7-9', 8)].sort(), [0, 1, 2, 5, 7]);
});

test('a new job starts parallelism pods and records startTime', () => {
  const plan = planJob(job(), [], { now });
  assert.equal(plan.createCount, 2);
  assert.equal(plan.status.startTime, '2026-01-01T00:00:00Z');
  assert.equal(plan.status.active, 2);
});

test('never more active pods than remaining completions', () => {
  const plan = planJob(job({ parallelism: 5 }, { succeeded: 3 }), [], { now });
  assert.equal(plan.createCount, 1);
  const surplus = planJob(job({ parallelism: 1 }), [pod('Running'), pod('Pending')], { now });
  assert.equal(surplus.delete.length, 1);
});

test('finished pods are counted through uncountedTerminatedPods before their finalizer goes', () => {
  const done = pod('Succeeded');
  const plan = planJob(job(), [done, pod('Running')], { now });
  assert.deepEqual(plan.status.uncountedTerminatedPods, { succeeded: [done.metadata.uid] });
  assert.deepEqual(plan.unfinalize.map((p) => p.metadata.uid), [done.metadata.uid]);
  assert.equal(plan.createCount, 1);
  const settled = settleStatus(job(), plan.status, new Set([done.metadata.uid!]), now);
  assert.equal(settled.status.succeeded, 1);
  assert.deepEqual(settled.status.uncountedTerminatedPods, {});
  // A pod already counted (finalizer gone) is not counted twice.
  const again = planJob(job({}, settled.status), [{ ...done, metadata: { ...done.metadata, finalizers: [] } }], { now });
  assert.deepEqual(again.status.uncountedTerminatedPods, {});
});

test('exceeding backoffLimit sets FailureTarget, deletes active pods, then Failed', () => {
  const f1 = pod('Failed');
  const f2 = pod('Failed');
  const running = pod('Running');
  const plan = planJob(job(), [f1, f2, running], { now });
  assert.equal(findCondition(plan.status, 'FailureTarget')?.reason, 'BackoffLimitExceeded');
  assert.deepEqual(plan.delete, [running.metadata.name]);
  assert.equal(plan.createCount, 0);
  // The deleted pod is still terminating: no terminal condition yet.
  const mid = settleStatus(job(), plan.status, new Set([f1.metadata.uid!, f2.metadata.uid!]), now);
  assert.equal(findCondition(mid.status, 'Failed'), undefined);
  // Next sync: the terminating pod counts as failed; once released, Failed is added.
  const gone = { ...running, metadata: { ...running.metadata, deletionTimestamp: now.toISOString() } };
  const next = planJob(job({}, mid.status), [gone], { now });
  const fin = settleStatus(job({}, mid.status), { ...next.status, terminating: 0 }, new Set([gone.metadata.uid!]), now);
  assert.equal(fin.finished?.type, 'Failed');
  assert.equal(fin.status.failed, 3);
  assert.equal(findCondition(fin.status, 'Failed')?.reason, 'BackoffLimitExceeded');
});

test('activeDeadlineSeconds: requeue before, DeadlineExceeded after', () => {
  const started = { startTime: '2026-01-01T00:00:00Z' };
  const early = planJob(job({ activeDeadlineSeconds: 30 }, started), [pod('Running'), pod('Running')], { now: new Date(now.getTime() + 10_000) });
  assert.equal(early.requeueAfterMs, 20_000);
  const late = planJob(job({ activeDeadlineSeconds: 30 }, started), [pod('Running')], { now: new Date(now.getTime() + 31_000) });
  assert.equal(findCondition(late.status, 'FailureTarget')?.reason, 'DeadlineExceeded');
  assert.equal(late.delete.length, 1);
});

test('reaching completions sets SuccessCriteriaMet and then Complete with completionTime', () => {
  const j = job({ completions: 2, parallelism: 2 }, { succeeded: 1 });
  const last = pod('Succeeded');
  const plan = planJob(j, [last], { now });
  assert.equal(findCondition(plan.status, 'SuccessCriteriaMet')?.reason, 'CompletionsReached');
  const fin = settleStatus(j, plan.status, new Set([last.metadata.uid!]), now);
  assert.equal(fin.finished?.type, 'Complete');
  assert.equal(fin.status.succeeded, 2);
  assert.equal(fin.status.completionTime, '2026-01-01T00:00:00Z');
});

test('suspend deletes active pods and sets Suspended; resume clears it', () => {
  const plan = planJob(job({ suspend: true }), [pod('Running')], { now });
  assert.equal(plan.delete.length, 1);
  assert.equal(findCondition(plan.status, 'Suspended')?.status, 'True');
  const resumed = planJob(job({}, plan.status), [], { now });
  assert.equal(findCondition(resumed.status, 'Suspended')?.status, 'False');
  assert.equal(resumed.createCount, 2);
});

test('Indexed jobs create the lowest missing indexes and track completedIndexes', () => {
  const j = job({ completionMode: 'Indexed', completions: 4, parallelism: 2 });
  const plan = planJob(j, [pod('Succeeded', { index: 0 }), pod('Running', { index: 2 })], { now });
  assert.deepEqual(plan.createIndexes, [1]);
  assert.equal(plan.status.completedIndexes, '0');
  const dup = planJob(j, [pod('Running', { index: 1 }), pod('Running', { index: 1 })], { now });
  assert.equal(dup.delete.length, 1);
  const p = newJobPod(j, ref, 3);
  assert.equal(p.metadata.generateName, 'pi-3-');
  assert.equal(p.metadata.annotations!['batch.kubernetes.io/job-completion-index'], '3');
  assert.equal(p.metadata.labels!['batch.kubernetes.io/job-completion-index'], '3');
  assert.equal((p.spec as { hostname: string }).hostname, 'pi-3');
  assert.deepEqual(p.metadata.finalizers, [JOB_TRACKING_FINALIZER]);
});

test('creation back-off postpones replacement pods', () => {
  const plan = planJob(job(), [], { now, creationDelayMs: 5000 });
  assert.equal(plan.createCount, 0);
  assert.equal(plan.requeueAfterMs, 5000);
});

test('ttlSecondsAfterFinished counts from completion', () => {
  const finished = job({ ttlSecondsAfterFinished: 60 }, { completionTime: '2026-01-01T00:00:00Z', conditions: [{ type: 'Complete', status: 'True' }] });
  assert.equal(ttlRemainingMs(finished, new Date(now.getTime() + 10_000)), 50_000);
  assert.equal(ttlRemainingMs(job({}), now), undefined);
});
