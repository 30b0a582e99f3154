// CronJob controller against a real API server with an injected clock: a due schedule starts a
// job named after the scheduled minute, Forbid skips while one runs, finished jobs leave
// status.active and are pruned past the history limit. Touching the CronJob makes the controller
// look again at the clock's new time.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../src/api/object.js';
import type { Clock } from '../../src/client/informer-types.js';
import { R } from '../../src/client/resources.js';
import { CronJobController } from '../../src/controllers/cronjob/cronjob-controller.js';
import { eventually, startHarness, type Harness } from './cluster-controllers-harness.js';

const NS = 'default';
let h: Harness;
let nowMs = Date.now();
const clock: Clock = { now: () => new Date(nowMs) };

before(async () => {
  h = await startHarness();
  await h.start((deps) => [new CronJobController({ ...deps, clock })]);
});
after(async () => h.stop());

type CronStatus = { active?: { name: string }[]; lastScheduleTime?: string; lastSuccessfulTime?: string };

let touches = 0;
async function advanceTo(ms: number, name: string): Promise<void> {
  nowMs = ms;
  // Retried on 409: the k8ts API server does not yet retry a PATCH that races a status write.
  for (let i = 0; ; i++) {
    try {
      await h.client.patch(R.cronjobs, NS, name, 'merge', { metadata: { annotations: { touch: String(++touches) } } });
      return;
    } catch (err) {
      if ((err as { code?: number }).code !== 409 || i > 5) throw err;
    }
  }
}
const jobs = async (): Promise<KubeObject[]> => (await h.client.list(R.jobs, NS)).items.filter((j) => !j.metadata.deletionTimestamp);
const status = async (name: string): Promise<CronStatus> => ((await h.client.get(R.cronjobs, NS, name)).status ?? {}) as CronStatus;

async function complete(job: KubeObject): Promise<void> {
  const cur = await h.client.get(R.jobs, NS, job.metadata.name!);
  const t = new Date(nowMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const conditions = [
    { type: 'SuccessCriteriaMet', status: 'True', reason: 'CompletionsReached', lastTransitionTime: t, lastProbeTime: t },
    { type: 'Complete', status: 'True', reason: 'CompletionsReached', lastTransitionTime: t, lastProbeTime: t },
  ];
  await h.client.update(R.jobs, NS, { ...cur, status: { startTime: t, completionTime: t, succeeded: 1, conditions } }, { subresource: 'status' });
}

test('schedules, Forbid, history and lastSuccessfulTime', async () => {
  const cj: KubeObject = await h.client.create(R.cronjobs, NS, {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: 'hello', namespace: NS },
    spec: {
      schedule: '*/1 * * * *',
      concurrencyPolicy: 'Forbid',
      successfulJobsHistoryLimit: 1,
      jobTemplate: { spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'c', image: 'busybox' }] } } } },
    },
  });
  const created = Date.parse(cj.metadata.creationTimestamp!);
  const minute1 = (Math.floor(created / 60_000) + 1) * 60_000;
  await advanceTo(minute1 + 5_000, 'hello');
  const [j1] = await eventually(async () => { const js = await jobs(); return js.length === 1 ? js : undefined; }, 10_000, 'first job');
  assert.equal(j1!.metadata.name, `hello-${minute1 / 60_000}`);
  assert.equal(j1!.metadata.ownerReferences?.[0]?.kind, 'CronJob');
  assert.equal(j1!.metadata.annotations!['batch.kubernetes.io/cronjob-scheduled-timestamp'], new Date(minute1).toISOString().replace(/\.\d{3}Z$/, 'Z'));
  const s1 = await eventually(async () => { const s = await status('hello'); return s.active?.length === 1 ? s : undefined; }, 10_000, 'active');
  assert.equal(Date.parse(s1.lastScheduleTime!), minute1);

  // Forbid: the next minute comes while j1 still runs.
  await advanceTo(minute1 + 65_000, 'hello');
  await eventually(async () => h.events.some((e) => e.reason === 'JobAlreadyActive'), 10_000, 'JobAlreadyActive');
  assert.equal((await jobs()).length, 1);

  // When j1 finishes, the schedule Forbid held back (still within its window) starts at once.
  await complete(j1!);
  const m = minute1 / 60_000;
  const j2 = await eventually(async () => (await jobs()).find((j) => j.metadata.name === `hello-${m + 1}`), 10_000, 'held-back job');
  const s2 = await eventually(async () => { const s = await status('hello'); return s.lastSuccessfulTime && s.active?.length === 1 ? s : undefined; }, 10_000, 'j1 left active');
  assert.equal(s2.active![0]!.name, j2.metadata.name);
  await complete(j2);
  await advanceTo(minute1 + 125_000, 'hello');
  const j3 = await eventually(async () => (await jobs()).find((j) => j.metadata.name === `hello-${m + 2}`), 10_000, 'third job');
  await complete(j3);
  // successfulJobsHistoryLimit 1: older finished jobs go.
  await eventually(async () => (await jobs()).map((j) => j.metadata.name).join() === j3.metadata.name, 10_000, 'history pruned');
});

test('suspend stops new jobs', async () => {
  await h.client.patch(R.cronjobs, NS, 'hello', 'merge', { spec: { suspend: true } });
  const before = (await jobs()).length;
  await advanceTo(nowMs + 180_000, 'hello');
  await new Promise((r) => setTimeout(r, 500));
  assert.equal((await jobs()).length, before);
});
