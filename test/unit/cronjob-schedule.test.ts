import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatInZone, nextScheduleTime, parseCronSchedule } from '../../src/controllers/cronjob/cron-schedule.js';
import { jobFromTemplate, jobNameFor, mostRecentScheduleTime, planCronJob, pruneHistory, type CronJob, type Job } from '../../src/controllers/cronjob/cronjob-plan.js';

const next = (spec: string, after: string, tz?: string): string => nextScheduleTime(parseCronSchedule(spec, tz), new Date(after))!.toISOString();

test('next schedule times for common expressions', () => {
  assert.equal(next('*/15 * * * *', '2024-03-09T12:34:56Z'), '2024-03-09T12:45:00.000Z');
  assert.equal(next('@hourly', '2024-03-09T12:00:00Z'), '2024-03-09T13:00:00.000Z');
  assert.equal(next('0 9 * * MON-FRI', '2024-03-09T12:00:00Z'), '2024-03-11T09:00:00.000Z');
  assert.equal(next('0 0 29 2 *', '2024-03-01T00:00:00Z'), '2028-02-29T00:00:00.000Z');
  assert.equal(next('5,10 3-4 * * *', '2024-01-01T03:06:00Z'), '2024-01-01T03:10:00.000Z');
  assert.equal(next('@monthly', '2024-01-31T10:00:00Z'), '2024-02-01T00:00:00.000Z');
  assert.equal(next('0 0 * JAN/6 *', '2024-02-01T00:00:00Z'), '2024-07-01T00:00:00.000Z');
});

test('day-of-month and day-of-week are ORed when both are restricted', () => {
  // 13th of the month or any Friday.
  assert.equal(next('0 0 13 * 5', '2024-09-01T00:00:00Z'), '2024-09-06T00:00:00.000Z');
  // With a star, they are ANDed.
  assert.equal(next('0 0 * * 5', '2024-09-01T00:00:00Z'), '2024-09-06T00:00:00.000Z');
});

test('time zones', () => {
  assert.equal(next('0 2 * * *', '2024-06-01T00:00:00Z', 'America/New_York'), '2024-06-01T06:00:00.000Z');
  assert.equal(next('CRON_TZ=Asia/Tokyo 0 9 * * *', '2024-06-01T00:00:00Z'), '2024-06-02T00:00:00.000Z');
  assert.equal(formatInZone(new Date('2024-06-01T06:00:00Z'), 'America/New_York'), '2024-06-01T02:00:00-04:00');
  assert.throws(() => parseCronSchedule('* * * * *', 'Mars/Olympus'));
  assert.throws(() => parseCronSchedule('* * * *'));
  assert.throws(() => parseCronSchedule('61 * * * *'));
});

const base = '2026-01-01T00:00:00Z';
function cj(over: Partial<CronJob['spec']> = {}, status?: CronJob['status']): CronJob {
  return { metadata: { name: 'hello', namespace: 'ns', uid: 'cj', creationTimestamp: base }, spec: { schedule: '*/1 * * * *', jobTemplate: { spec: { template: {} } }, ...over }, status };
}
const at = (sec: number): Date => new Date(Date.parse(base) + sec * 1000);
const job = (name: string, outcome?: string, completionTime?: string): Job => ({
  metadata: { name, uid: `uid-${name}`, creationTimestamp: base },
  status: outcome ? { conditions: [{ type: outcome, status: 'True' }], completionTime } : {},
});

test('a due schedule creates a job named after the scheduled minute', () => {
  const plan = planCronJob(cj(), [], at(65));
  assert.equal(plan.create?.name, `hello-${Date.parse(base) / 60_000 + 1}`);
  assert.equal(plan.create?.scheduled.toISOString(), at(60).toISOString());
  assert.equal(plan.requeueAfterMs, 55_000);
  assert.equal(jobNameFor(cj(), at(60)), plan.create?.name);
  const j = jobFromTemplate(cj(), plan.create!.name, plan.create!.scheduled);
  assert.equal(j.metadata.annotations!['batch.kubernetes.io/cronjob-scheduled-timestamp'], '2026-01-01T00:01:00Z');
  assert.equal(j.metadata.ownerReferences![0]!.kind, 'CronJob');
  assert.equal(planCronJob(cj(), [], at(30)).create, undefined);
});

test('only the most recent missed time is started', () => {
  const r = mostRecentScheduleTime(cj(), parseCronSchedule('*/1 * * * *'), at(600));
  assert.equal(r.time?.toISOString(), at(600).toISOString());
  assert.equal(r.tooMany, false);
  assert.equal(planCronJob(cj({}, { lastScheduleTime: at(600).toISOString() }), [], at(630)).create, undefined);
});

test('suspend, startingDeadlineSeconds and concurrency policies', () => {
  assert.equal(planCronJob(cj({ suspend: true }), [], at(65)).create, undefined);
  const late = planCronJob(cj({ startingDeadlineSeconds: 3, schedule: '0 * * * *' }), [], at(3600 + 10));
  assert.equal(late.create, undefined);
  const running = job('hello-1');
  const active = { active: [{ kind: 'Job', name: 'hello-1', uid: 'uid-hello-1' }] };
  const forbid = planCronJob(cj({ concurrencyPolicy: 'Forbid' }, active), [running], at(65));
  assert.equal(forbid.create, undefined);
  assert.equal(forbid.events[0]?.reason, 'JobAlreadyActive');
  const replace = planCronJob(cj({ concurrencyPolicy: 'Replace' }, active), [running], at(65));
  assert.deepEqual(replace.replace, ['hello-1']);
  assert.ok(replace.create);
  const allow = planCronJob(cj({}, active), [running], at(65));
  assert.ok(allow.create);
  assert.equal(allow.active.length, 1);
});

test('finished jobs leave status.active and old ones are pruned', () => {
  const plan = planCronJob(cj({}, { active: [{ name: 'hello-1', uid: 'uid-hello-1' }] }), [job('hello-1', 'Complete', '2026-01-01T00:00:30Z')], at(30));
  assert.deepEqual(plan.active, []);
  assert.equal(plan.lastSuccessfulTime, '2026-01-01T00:00:30Z');
  assert.equal(plan.events[0]?.reason, 'SawCompletedJob');
  const jobs = [1, 2, 3, 4, 5].map((n) => ({ ...job(`s${n}`, 'Complete'), status: { conditions: [{ type: 'Complete', status: 'True' }], startTime: at(n).toISOString() } }));
  const failed = [1, 2].map((n) => ({ ...job(`f${n}`, 'Failed'), status: { conditions: [{ type: 'Failed', status: 'True' }], startTime: at(n).toISOString() } }));
  assert.deepEqual(pruneHistory([...jobs, ...failed], 3, 1), ['s1', 's2', 'f1']);
});
