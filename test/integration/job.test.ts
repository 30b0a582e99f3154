// Job controller against a real API server: pods run to completions with parallelism, finished
// pods are counted through the tracking finalizer, backoffLimit and activeDeadlineSeconds fail
// the job with upstream's conditions, Indexed jobs, and ttlSecondsAfterFinished. The test plays
// kubelet by writing pod phases.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../src/api/object.js';
import { R } from '../../src/client/resources.js';
import { JobController } from '../../src/controllers/job/job-controller.js';
import { eventually, startHarness, type Harness } from './cluster-controllers-harness.js';

const NS = 'default';
let h: Harness;

before(async () => {
  h = await startHarness();
  await h.start((deps) => [new JobController(deps)]);
});
after(async () => h.stop());

type Cond = { type: string; status: string; reason?: string };
type JobStatus = { active?: number; succeeded?: number; failed?: number; ready?: number; conditions?: Cond[]; completionTime?: string; startTime?: string; completedIndexes?: string; uncountedTerminatedPods?: object };

const newJob = (name: string, spec: Record<string, unknown>): KubeObject => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name, namespace: NS },
  spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } }, ...spec },
});

const jobPods = async (name: string): Promise<KubeObject[]> => (await h.client.list(R.pods, NS, { labelSelector: `batch.kubernetes.io/job-name=${name}` })).items;
const active = async (name: string): Promise<KubeObject[]> => (await jobPods(name)).filter((p) => !p.metadata.deletionTimestamp && !['Succeeded', 'Failed'].includes((p.status as { phase?: string })?.phase ?? ''));
const jobStatus = async (name: string): Promise<JobStatus> => ((await h.client.get(R.jobs, NS, name)).status ?? {}) as JobStatus;
const cond = (s: JobStatus, type: string): Cond | undefined => s.conditions?.find((c) => c.type === type && c.status === 'True');

async function finish(pod: KubeObject, phase: 'Succeeded' | 'Failed'): Promise<void> {
  const cur = await h.client.get(R.pods, NS, pod.metadata.name!);
  await h.client.update(R.pods, NS, { ...cur, status: { phase } }, { subresource: 'status' });
}

test('runs pods to completions with parallelism and completes', async () => {
  await h.client.create(R.jobs, NS, newJob('pi', { completions: 3, parallelism: 2 }));
  const first = await eventually(async () => { const a = await active('pi'); return a.length === 2 ? a : undefined; }, 10_000, 'two active pods');
  const p = first[0]!;
  assert.ok(p.metadata.finalizers?.includes('batch.kubernetes.io/job-tracking'));
  assert.ok(p.metadata.labels!['batch.kubernetes.io/controller-uid']);
  assert.equal(p.metadata.ownerReferences?.[0]?.kind, 'Job');
  assert.ok((await jobStatus('pi')).startTime);
  await finish(first[0]!, 'Succeeded');
  await eventually(async () => (await jobStatus('pi')).succeeded === 1 && (await active('pi')).length === 2, 10_000, 'one succeeded, a new pod started');
  for (const pod of await active('pi')) await finish(pod, 'Succeeded');
  const s = await eventually(async () => { const st = await jobStatus('pi'); return cond(st, 'Complete') ? st : undefined; }, 10_000, 'Complete');
  assert.equal(s.succeeded, 3);
  assert.equal(s.active, 0);
  assert.ok(s.completionTime);
  assert.equal(cond(s, 'SuccessCriteriaMet')?.reason, 'CompletionsReached');
  await eventually(async () => (await jobPods('pi')).every((x) => !x.metadata.finalizers?.includes('batch.kubernetes.io/job-tracking')), 10_000, 'finalizers removed');
});

test('backoffLimit exceeded fails the job and removes running pods', async () => {
  await h.client.create(R.jobs, NS, newJob('flaky', { completions: 2, parallelism: 2, backoffLimit: 0 }));
  const pods = await eventually(async () => { const a = await active('flaky'); return a.length === 2 ? a : undefined; }, 10_000, 'two pods');
  await finish(pods[0]!, 'Failed');
  const s = await eventually(async () => { const st = await jobStatus('flaky'); return cond(st, 'Failed') ? st : undefined; }, 10_000, 'Failed');
  assert.equal(cond(s, 'Failed')?.reason, 'BackoffLimitExceeded');
  assert.equal(cond(s, 'FailureTarget')?.reason, 'BackoffLimitExceeded');
  assert.equal(s.failed, 2, 'the deleted running pod counts as failed');
  assert.equal((await active('flaky')).length, 0);
});

test('activeDeadlineSeconds fails the job with DeadlineExceeded', async () => {
  await h.client.create(R.jobs, NS, newJob('slow', { activeDeadlineSeconds: 1 }));
  const s = await eventually(async () => { const st = await jobStatus('slow'); return cond(st, 'Failed') ? st : undefined; }, 10_000, 'deadline');
  assert.equal(cond(s, 'Failed')?.reason, 'DeadlineExceeded');
});

test('Indexed jobs give each pod its index', async () => {
  await h.client.create(R.jobs, NS, newJob('idx', { completions: 3, parallelism: 3, completionMode: 'Indexed' }));
  const pods = await eventually(async () => { const a = await active('idx'); return a.length === 3 ? a : undefined; }, 10_000, 'three pods');
  const indexes = pods.map((p) => p.metadata.annotations!['batch.kubernetes.io/job-completion-index']).sort();
  assert.deepEqual(indexes, ['0', '1', '2']);
  const p1 = pods.find((p) => p.metadata.annotations!['batch.kubernetes.io/job-completion-index'] === '1')!;
  assert.equal((p1.spec as { hostname: string }).hostname, 'idx-1');
  await finish(p1, 'Succeeded');
  await eventually(async () => (await jobStatus('idx')).completedIndexes === '1', 10_000, 'completedIndexes');
});

test('ttlSecondsAfterFinished deletes the finished job', async () => {
  await h.client.create(R.jobs, NS, newJob('short', { ttlSecondsAfterFinished: 1 }));
  const [p] = await eventually(async () => { const a = await active('short'); return a.length === 1 ? a : undefined; }, 10_000, 'pod');
  await finish(p!, 'Succeeded');
  await eventually(async () => {
    const j = await h.client.get(R.jobs, NS, 'short').catch(() => undefined);
    return !j || !!j.metadata.deletionTimestamp;
  }, 10_000, 'job deleted');
});
