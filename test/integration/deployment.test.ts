// Deployment + ReplicaSet controllers against a real control plane, driven by the real kubectl
// for rollout history/undo/pause/resume/status. No nodes run pods, so the test plays kubelet:
// it marks pods Running and Ready by writing their status.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { KubeObject } from '../../src/api/object.js';
import { HttpKubeClient } from '../../src/client/http-client.js';
import { createSharedInformerFactory } from '../../src/client/informer.js';
import { realClock, type EventRecorder } from '../../src/client/informer-types.js';
import { R } from '../../src/client/resources.js';
import { isConflict, isNotFound } from '../../src/client/types.js';
import { ReplicaSetController } from '../../src/controllers/replicaset/replicaset-controller.js';
import { DeploymentController } from '../../src/controllers/deployment/deployment-controller.js';
import type { Deployment } from '../../src/controllers/deployment/types.js';
import type { Pod, ReplicaSet } from '../../src/controllers/replicaset/types.js';
import { startTestControlPlane, type TestControlPlane } from '../support/control-plane.js';
import { runKubectl, type KubectlTarget } from '../support/kubectl.js';

const NS = 'default';
let cp: TestControlPlane;
let client: HttpKubeClient;
let kube: KubectlTarget;
const ac = new AbortController();
const events: { reason: string; message: string; name?: string }[] = [];
/** The test's kubelet: marks pods ready while true. */
let kubeletOn = true;

async function eventually<T>(probe: () => Promise<T | undefined | false>, ms = 15_000, what = 'condition'): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) throw new Error(`${what} not met in ${ms} ms${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const isReady = (p: Pod) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

async function markReady(p: Pod): Promise<void> {
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const status = { ...p.status, phase: 'Running', podIP: '10.42.0.9', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: now }] };
  try {
    await client.update(R.pods, NS, { ...p, status } as KubeObject, { subresource: 'status' });
  } catch (err) {
    if (!isNotFound(err) && !isConflict(err)) throw err;
  }
}

async function kubelet(signal: AbortSignal): Promise<void> {
  while (!signal.aborted) {
    if (kubeletOn) {
      const pods = await client.list<Pod>(R.pods, NS).catch(() => ({ items: [] as Pod[] }));
      await Promise.all(pods.items.filter((p) => !isReady(p) && !p.metadata.deletionTimestamp).map(markReady));
    }
    await new Promise((r) => setTimeout(r, 40));
  }
}

const pods = async (selector = 'app=web') => (await client.list<Pod>(R.pods, NS, { labelSelector: selector })).items.filter((p) => !p.metadata.deletionTimestamp);
const getD = () => client.get<Deployment>(R.deployments, NS, 'web');
const replicaSets = async () => (await client.list<ReplicaSet>(R.replicasets, NS, { labelSelector: 'app=web' })).items;
const kubectl = (...args: string[]) => runKubectl(kube, args);

/**
 * Merge-patches the deployment. Retries conflicts: the API server currently pins patches to the
 * resourceVersion it read, so a patch racing a controller's status write can fail with 409
 * (upstream retries those server-side).
 */
async function patchD(body: unknown): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await client.patch(R.deployments, NS, 'web', 'merge', body);
      return;
    } catch (err) {
      if (!isConflict(err) || attempt >= 5) throw err;
    }
  }
}

function rolledOut(d: Deployment, replicas: number): boolean {
  const s = d.status ?? {};
  return (
    (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 0) &&
    s.updatedReplicas === replicas &&
    s.replicas === replicas &&
    s.availableReplicas === replicas &&
    s.readyReplicas === replicas
  );
}

before(async () => {
  cp = await startTestControlPlane({ controllers: false });
  client = new HttpKubeClient(await cp.clientConfig('admin', ['system:masters']));
  kube = { kubeconfig: cp.kubeconfigPath, home: mkdtempSync(join(tmpdir(), 'k8ts-kubectl-')) };
  const recorder: EventRecorder = { event: (obj, _type, reason, message) => void events.push({ reason, message, name: obj.metadata.name }) };
  const informers = createSharedInformerFactory(client);
  const deps = { client, informers, recorder, clock: realClock, logger: pino({ level: process.env.K8TS_TEST_LOG ?? 'silent' }) };
  void new ReplicaSetController(deps).run(ac.signal);
  void new DeploymentController(deps).run(ac.signal);
  informers.start(ac.signal);
  void kubelet(ac.signal);
});

after(async () => {
  ac.abort();
  client.close();
  await cp.stop();
  rmSync(kube.home, { recursive: true, force: true });
});

function deploymentManifest(image: string, replicas: number): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: NS, annotations: { 'kubernetes.io/change-cause': `image ${image}` } },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'web' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 1 } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image }] } },
    },
  };
}

test('create → 3 ready pods, revision 1, hash labels, status as kubectl reads it', async () => {
  await client.create(R.deployments, NS, deploymentManifest('app:1.0', 3));
  const d = await eventually(async () => {
    const d = await getD();
    return rolledOut(d, 3) && d;
  }, 15_000, 'deployment rolled out');
  assert.equal(d.metadata.annotations?.['deployment.kubernetes.io/revision'], '1');
  const [rs] = await replicaSets();
  assert.ok(rs);
  const hash = rs.metadata.labels?.['pod-template-hash'];
  assert.ok(hash);
  assert.equal(rs.metadata.name, `web-${hash}`);
  assert.equal(rs.spec.selector.matchLabels?.['pod-template-hash'], hash);
  assert.equal(rs.metadata.annotations?.['deployment.kubernetes.io/revision'], '1');
  assert.equal(rs.metadata.annotations?.['deployment.kubernetes.io/desired-replicas'], '3');
  assert.equal(rs.metadata.annotations?.['deployment.kubernetes.io/max-replicas'], '4');
  assert.equal(rs.metadata.annotations?.['kubernetes.io/change-cause'], 'image app:1.0');
  assert.equal(rs.metadata.ownerReferences?.[0]?.uid, d.metadata.uid);
  assert.equal(rs.status?.availableReplicas, 3);
  assert.equal(rs.status?.observedGeneration, rs.metadata.generation);
  const ps = await pods();
  assert.equal(ps.length, 3);
  for (const p of ps) {
    assert.match(p.metadata.name!, new RegExp(`^web-${hash}-[a-z0-9]{5}$`));
    assert.equal(p.metadata.labels?.['pod-template-hash'], hash);
    assert.equal(p.metadata.ownerReferences?.[0]?.name, rs.metadata.name);
    assert.equal(p.metadata.ownerReferences?.[0]?.blockOwnerDeletion, true);
  }
  const conds = Object.fromEntries((d.status?.conditions ?? []).map((c) => [c.type, c.reason]));
  assert.deepEqual(conds, { Available: 'MinimumReplicasAvailable', Progressing: 'NewReplicaSetAvailable' });
  assert.ok(events.some((e) => e.reason === 'ScalingReplicaSet' && e.message === `Scaled up replica set ${rs.metadata.name} from 0 to 3`));
  assert.ok(events.some((e) => e.reason === 'SuccessfulCreate' && e.message.startsWith(`Created pod: web-${hash}-`)));
  const status = await kubectl('rollout', 'status', 'deploy/web', '--timeout=10s');
  assert.match(status.stdout, /deployment "web" successfully rolled out/);
});

test('a deleted pod is replaced', async () => {
  const [victim] = await pods();
  await client.delete(R.pods, NS, victim!.metadata.name!);
  await eventually(async () => {
    const ps = await pods();
    return ps.length === 3 && ps.every((p) => p.metadata.name !== victim!.metadata.name && isReady(p));
  }, 10_000, 'pod replaced');
});

test('scale up and down', async () => {
  await patchD({ spec: { replicas: 5 } });
  await eventually(async () => rolledOut(await getD(), 5) && (await pods()).length === 5, 10_000, 'scaled to 5');
  await patchD({ spec: { replicas: 4 } });
  await eventually(async () => rolledOut(await getD(), 4) && (await pods()).length === 4, 10_000, 'scaled to 4');
  const [rs] = await replicaSets();
  assert.equal(rs?.metadata.annotations?.['deployment.kubernetes.io/desired-replicas'], '4');
});

test('rolling update to a new image keeps within maxSurge/maxUnavailable', async () => {
  let maxPods = 0;
  let minAvailable = Infinity;
  let watching = true;
  const watcher = (async () => {
    while (watching) {
      const ps = await pods();
      maxPods = Math.max(maxPods, ps.length);
      minAvailable = Math.min(minAvailable, ps.filter(isReady).length);
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  await patchD({
    metadata: { annotations: { 'kubernetes.io/change-cause': 'image app:2.0' } },
    spec: { template: { spec: { containers: [{ name: 'app', image: 'app:2.0' }] } } },
  });
  const d = await eventually(async () => {
    const d = await getD();
    const ps = await pods();
    return rolledOut(d, 4) && ps.length === 4 && ps.every((p) => (p.spec as any).containers[0].image === 'app:2.0') && d;
  }, 20_000, 'rolled to 2.0');
  watching = false;
  await watcher;
  assert.ok(maxPods <= 5, `max pods ${maxPods}`);
  assert.ok(minAvailable >= 3, `min available ${minAvailable}`);
  assert.equal(d.metadata.annotations?.['deployment.kubernetes.io/revision'], '2');
  const rss = await replicaSets();
  assert.equal(rss.length, 2);
  const byRev = Object.fromEntries(rss.map((rs) => [rs.metadata.annotations?.['deployment.kubernetes.io/revision'], rs]));
  assert.equal(byRev['1']?.spec.replicas, 0);
  assert.equal(byRev['2']?.spec.replicas, 4);
  const history = await kubectl('rollout', 'history', 'deploy/web');
  assert.match(history.stdout, /REVISION\s+CHANGE-CAUSE\n1\s+image app:1\.0\n2\s+image app:2\.0/);
  assert.ok(events.some((e) => e.reason === 'ScalingReplicaSet' && /^Scaled down replica set web-\w+ from \d+ to \d+$/.test(e.message)));
});

test('rollout undo --to-revision=1 restores the old template as revision 3', async () => {
  const res = await kubectl('rollout', 'undo', 'deploy/web', '--to-revision=1');
  assert.match(res.stdout, /deployment.apps\/web rolled back/);
  const d = await eventually(async () => {
    const d = await getD();
    const ps = await pods();
    return rolledOut(d, 4) && ps.length === 4 && ps.every((p) => (p.spec as any).containers[0].image === 'app:1.0') && d;
  }, 20_000, 'rolled back to 1.0');
  assert.equal(d.metadata.annotations?.['deployment.kubernetes.io/revision'], '3');
  const rss = await replicaSets();
  assert.equal(rss.length, 2, 'no new ReplicaSet: the old one is reused');
  const revs = rss.map((rs) => rs.metadata.annotations?.['deployment.kubernetes.io/revision']).sort();
  assert.deepEqual(revs, ['2', '3']);
  const back = rss.find((rs) => rs.metadata.annotations?.['deployment.kubernetes.io/revision'] === '3')!;
  assert.equal(back.metadata.annotations?.['deployment.kubernetes.io/revision-history'], '1');
  const history = await kubectl('rollout', 'history', 'deploy/web');
  assert.match(history.stdout, /2\s+image app:2\.0\n3\s+image app:1\.0/);
});

test('pause stops a rollout; resume finishes it', async () => {
  await kubectl('rollout', 'pause', 'deploy/web');
  await eventually(async () => {
    const d = await getD();
    const c = d.status?.conditions?.find((c) => c.type === 'Progressing');
    return c?.reason === 'DeploymentPaused' && c.status === 'Unknown';
  }, 10_000, 'paused condition');
  await patchD({ spec: { template: { spec: { containers: [{ name: 'app', image: 'app:3.0' }] } } } });
  await new Promise((r) => setTimeout(r, 1000));
  const rss = await replicaSets();
  assert.equal(rss.length, 2, 'paused: no new ReplicaSet');
  assert.ok((await pods()).every((p) => (p.spec as any).containers[0].image === 'app:1.0'));
  const d = await getD();
  assert.equal(d.status?.observedGeneration, d.metadata.generation);
  await kubectl('rollout', 'resume', 'deploy/web');
  await eventually(async () => {
    const d = await getD();
    const ps = await pods();
    return rolledOut(d, 4) && ps.length === 4 && ps.every((p) => (p.spec as any).containers[0].image === 'app:3.0');
  }, 20_000, 'rolled to 3.0 after resume');
  const status = await kubectl('rollout', 'status', 'deploy/web', '--timeout=10s');
  assert.match(status.stdout, /successfully rolled out/);
});

test('scaling during a rollout is proportional; progress deadline is reported', async () => {
  kubeletOn = false;
  await patchD({
    spec: { progressDeadlineSeconds: 2, template: { spec: { containers: [{ name: 'app', image: 'app:4.0' }] } } },
  });
  // New pods never become ready: the rollout is stuck with one surge pod.
  await eventually(async () => {
    const d = await getD();
    return (d.status?.updatedReplicas ?? 0) >= 1 && d;
  }, 10_000, 'rollout started');
  await patchD({ spec: { replicas: 8 } });
  await eventually(async () => {
    const rss = await replicaSets();
    const total = rss.reduce((n, rs) => n + (rs.spec.replicas ?? 0), 0);
    const active = rss.filter((rs) => (rs.spec.replicas ?? 0) > 0);
    return total === 9 && active.length === 2 && active.every((rs) => rs.metadata.annotations?.['deployment.kubernetes.io/desired-replicas'] === '8');
  }, 10_000, 'proportionally scaled to 8 + 1 surge');
  const d = await eventually(async () => {
    const d = await getD();
    const c = d.status?.conditions?.find((c) => c.type === 'Progressing');
    return c?.reason === 'ProgressDeadlineExceeded' && c.status === 'False' && d;
  }, 15_000, 'progress deadline exceeded').catch(async (err) => {
    console.error('state at timeout:', JSON.stringify((await getD()).status), JSON.stringify((await replicaSets()).map((r) => [r.metadata.name, r.spec.replicas, r.status, r.metadata.annotations])));
    throw err;
  });
  assert.ok(d);
  const status = await runKubectl(kube, ['rollout', 'status', 'deploy/web', '--timeout=5s'], { allowFail: true });
  assert.notEqual(status.code, 0);
  assert.match(status.stderr, /exceeded its progress deadline/);
  kubeletOn = true;
  await eventually(async () => rolledOut(await getD(), 8), 20_000, 'recovers once pods are ready');
});

test('Recreate scales the old ReplicaSet to zero before starting the new one; history is limited', async () => {
  const rec: Deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'rec', namespace: NS },
    spec: {
      replicas: 2,
      revisionHistoryLimit: 1,
      selector: { matchLabels: { app: 'rec' } },
      strategy: { type: 'Recreate' },
      template: { metadata: { labels: { app: 'rec' } }, spec: { containers: [{ name: 'app', image: 'r:1' }] } },
    },
  };
  await client.create(R.deployments, NS, rec);
  const recPods = () => pods('app=rec');
  const recDone = async (image: string) => {
    const d = await client.get<Deployment>(R.deployments, NS, 'rec');
    const ps = await recPods();
    return rolledOut(d, 2) && ps.length === 2 && ps.every((p) => (p.spec as any).containers[0].image === image);
  };
  await eventually(() => recDone('r:1'), 10_000, 'rec v1');
  let mixed = false;
  let watching = true;
  const watcher = (async () => {
    while (watching) {
      const images = new Set((await recPods()).map((p) => (p.spec as any).containers[0].image));
      if (images.size > 1) mixed = true;
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  for (const image of ['r:2', 'r:3']) {
    await client.patch(R.deployments, NS, 'rec', 'merge', { spec: { template: { spec: { containers: [{ name: 'app', image }] } } } });
    await eventually(() => recDone(image), 10_000, `rec ${image}`);
  }
  watching = false;
  await watcher;
  assert.equal(mixed, false, 'old and new pods never ran together');
  // revisionHistoryLimit 1: the current ReplicaSet and one old one remain
  const rss = await eventually(async () => {
    const rss = (await client.list<ReplicaSet>(R.replicasets, NS, { labelSelector: 'app=rec' })).items;
    return rss.length === 2 && rss;
  }, 10_000, 'history cleaned up');
  assert.deepEqual(rss.map((rs) => rs.metadata.annotations?.['deployment.kubernetes.io/revision']).sort(), ['2', '3']);
});
