// ReplicaSet controller against a real control plane: create, replace, scale down by rank,
// adopt orphans, release pods whose labels change, minReadySeconds availability.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import type { KubeObject } from '../../src/api/object.js';
import { HttpKubeClient } from '../../src/client/http-client.js';
import { createSharedInformerFactory } from '../../src/client/informer.js';
import { realClock, type EventRecorder } from '../../src/client/informer-types.js';
import { R } from '../../src/client/resources.js';
import { isConflict, isNotFound } from '../../src/client/types.js';
import { ReplicaSetController } from '../../src/controllers/replicaset/replicaset-controller.js';
import type { Pod, ReplicaSet } from '../../src/controllers/replicaset/types.js';
import { startTestControlPlane, type TestControlPlane } from '../support/control-plane.js';

const NS = 'default';
let cp: TestControlPlane;
let client: HttpKubeClient;
const ac = new AbortController();
const events: { reason: string; message: string }[] = [];

async function eventually<T>(probe: () => Promise<T | undefined | false>, ms = 10_000, what = 'condition'): Promise<T> {
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

async function setReady(p: Pod, ready: boolean): Promise<void> {
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const status = { phase: 'Running', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: now }] };
  for (let i = 0; ; i++) {
    try {
      const cur = await client.get<Pod>(R.pods, NS, p.metadata.name!);
      await client.update(R.pods, NS, { ...cur, status } as KubeObject, { subresource: 'status' });
      return;
    } catch (err) {
      if (isNotFound(err)) return;
      if (!isConflict(err) || i > 5) throw err;
    }
  }
}

const podsOf = async (selector: string) => (await client.list<Pod>(R.pods, NS, { labelSelector: selector })).items.filter((p) => !p.metadata.deletionTimestamp);
const getRS = (name: string) => client.get<ReplicaSet>(R.replicasets, NS, name);

function rsManifest(name: string, replicas: number, extra: Partial<ReplicaSet['spec']> = {}): ReplicaSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name, namespace: NS },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'img' }] } },
      ...extra,
    },
  };
}

before(async () => {
  cp = await startTestControlPlane({ controllers: false });
  client = new HttpKubeClient(await cp.clientConfig('admin', ['system:masters']));
  const recorder: EventRecorder = { event: (_obj, _type, reason, message) => void events.push({ reason, message }) };
  const informers = createSharedInformerFactory(client);
  void new ReplicaSetController({ client, informers, recorder, clock: realClock, logger: pino({ level: process.env.K8TS_TEST_LOG ?? 'silent' }) }).run(ac.signal);
  informers.start(ac.signal);
});

after(async () => {
  ac.abort();
  client.close();
  await cp.stop();
});

test('creates replicas, reports status, replaces deleted pods, deletes not-ready pods first', async () => {
  const rs = await client.create<ReplicaSet>(R.replicasets, NS, rsManifest('web', 4));
  const pods = await eventually(async () => {
    const ps = await podsOf('app=web');
    return ps.length === 4 && ps;
  }, 10_000, '4 pods');
  for (const p of pods) {
    assert.match(p.metadata.name!, /^web-[a-z0-9]{5}$/);
    assert.deepEqual(p.metadata.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: rs.metadata.uid, controller: true, blockOwnerDeletion: true }]);
  }
  // two become ready
  await setReady(pods[0]!, true);
  await setReady(pods[1]!, true);
  await eventually(async () => {
    const s = (await getRS('web')).status;
    return s?.replicas === 4 && s.readyReplicas === 2 && s.availableReplicas === 2 && s.fullyLabeledReplicas === 4 && s.observedGeneration === rs.metadata.generation;
  }, 10_000, 'status counts');
  // deleted pod replaced
  await client.delete(R.pods, NS, pods[3]!.metadata.name!);
  await eventually(async () => {
    const ps = await podsOf('app=web');
    return ps.length === 4 && !ps.some((p) => p.metadata.name === pods[3]!.metadata.name);
  }, 10_000, 'replacement');
  // scale to 2: the two not-ready pods go, the ready ones stay
  await client.patch(R.replicasets, NS, 'web', 'merge', { spec: { replicas: 2 } });
  const left = await eventually(async () => {
    const ps = await podsOf('app=web');
    return ps.length === 2 && ps;
  }, 10_000, 'scaled down to 2');
  assert.deepEqual(left.map((p) => p.metadata.name).sort(), [pods[0]!.metadata.name, pods[1]!.metadata.name].sort());
  assert.ok(events.some((e) => e.reason === 'SuccessfulCreate' && /^Created pod: web-/.test(e.message)));
  assert.ok(events.some((e) => e.reason === 'SuccessfulDelete' && /^Deleted pod: web-/.test(e.message)));
});

test('a failed pod is replaced', async () => {
  const [p] = await podsOf('app=web');
  const cur = await client.get<Pod>(R.pods, NS, p!.metadata.name!);
  await client.update(R.pods, NS, { ...cur, status: { phase: 'Failed' } } as KubeObject, { subresource: 'status' });
  await eventually(async () => {
    const ps = (await podsOf('app=web')).filter((x) => x.status?.phase !== 'Failed');
    return ps.length === 2 && !ps.some((x) => x.metadata.name === p!.metadata.name);
  }, 10_000, 'failed pod replaced');
});

test('adopts a matching orphan and releases a pod whose labels stop matching', async () => {
  await client.create(R.pods, NS, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'orphan', labels: { app: 'db' } }, spec: { containers: [{ name: 'c', image: 'img' }] } });
  const rs = await client.create<ReplicaSet>(R.replicasets, NS, rsManifest('db', 2));
  await eventually(async () => {
    const o = await client.get<Pod>(R.pods, NS, 'orphan');
    return o.metadata.ownerReferences?.[0]?.uid === rs.metadata.uid && (await podsOf('app=db')).length === 2;
  }, 10_000, 'orphan adopted, one more created');
  await client.patch(R.pods, NS, 'orphan', 'merge', { metadata: { labels: { app: 'db-debug' } } });
  await eventually(async () => {
    const o = await client.get<Pod>(R.pods, NS, 'orphan');
    return !o.metadata.ownerReferences?.length && (await podsOf('app=db')).length === 2;
  }, 10_000, 'released and replaced');
});

test('availableReplicas waits for minReadySeconds', async () => {
  await client.create(R.replicasets, NS, rsManifest('slow', 1, { minReadySeconds: 2 }));
  const [p] = await eventually(async () => {
    const ps = await podsOf('app=slow');
    return ps.length === 1 && ps;
  }, 10_000, 'pod');
  await setReady(p!, true);
  await eventually(async () => (await getRS('slow')).status?.readyReplicas === 1, 10_000, 'ready');
  assert.equal((await getRS('slow')).status?.availableReplicas, 0);
  await eventually(async () => (await getRS('slow')).status?.availableReplicas === 1, 10_000, 'available after 2 s');
});
