// The scheduler against a real in-process control plane: placement, FailedScheduling events
// and conditions, pod (anti-)affinity, topology spread, and re-queueing when a node appears.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { startTestControlPlane, type TestControlPlane } from '../support/control-plane.js';
import { HttpKubeClient } from '../../src/client/http-client.js';
import { createSharedInformerFactory } from '../../src/client/informer.js';
import { createEventRecorder } from '../../src/client/event-recorder.js';
import { realClock } from '../../src/client/informer-types.js';
import { R } from '../../src/client/resources.js';
import type { KubeObject } from '../../src/api/object.js';
import { Scheduler } from '../../src/scheduler/scheduler.js';
import type { Node, Pod } from '../../src/scheduler/api-types.js';

let cp: TestControlPlane;
let client: HttpKubeClient;
const ac = new AbortController();
let running: Promise<void>;

function nodeObj(name: string, o: { cpu?: string; zone?: string; taints?: { key: string; effect: string }[]; unschedulable?: boolean } = {}): Node {
  const alloc = { cpu: o.cpu ?? '2', memory: '4Gi', pods: '110' };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...(o.zone ? { 'topology.kubernetes.io/zone': o.zone } : {}) } },
    spec: { taints: o.taints, unschedulable: o.unschedulable },
    status: { allocatable: alloc, capacity: alloc },
  };
}

async function createNode(n: Node): Promise<void> {
  const created = await client.create<Node>(R.nodes, '', n);
  if (!created.status?.allocatable) await client.update(R.nodes, '', { ...created, status: n.status }, { subresource: 'status' });
}

function podObj(name: string, o: { cpu?: string; labels?: Record<string, string>; spec?: Partial<Pod['spec']> } = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', labels: o.labels },
    spec: { containers: [{ name: 'c', image: 'nginx', resources: { requests: { cpu: o.cpu ?? '100m' } } }], ...o.spec },
  };
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const nodeOf = (name: string) => waitFor(`${name} bound`, async () => (await client.get<Pod>(R.pods, 'default', name)).spec.nodeName || undefined);

before(async () => {
  cp = await startTestControlPlane({ controllers: false });
  client = new HttpKubeClient(await cp.clientConfig('admin', ['system:masters']));
  await createNode(nodeObj('cp', { cpu: '4', taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }] }));
  await createNode(nodeObj('w1', { zone: 'a' }));
  await createNode(nodeObj('w2', { zone: 'b' }));
  await createNode(nodeObj('w3', { zone: 'c', unschedulable: true }));
  const informers = createSharedInformerFactory(client);
  const scheduler = new Scheduler({ client, informers, recorder: createEventRecorder(client, 'default-scheduler'), clock: realClock, logger: pino({ level: process.env.SCHED_LOG ?? 'silent' }) });
  running = scheduler.run(ac.signal);
});

after(async () => {
  ac.abort();
  await running;
  client.close();
  await cp.stop();
});

test('a pod that fits is bound to an untainted, uncordoned node with a Scheduled event', async () => {
  await client.create(R.pods, 'default', podObj('fits', { cpu: '500m', labels: { app: 'fits' } }));
  assert.match(await nodeOf('fits'), /^w[12]$/);
  const ev = await waitFor('Scheduled event', async () => {
    const list = await client.list(R.events, 'default');
    return list.items.find((e) => (e as any).involvedObject?.name === 'fits' && (e as any).reason === 'Scheduled') as KubeObject | undefined;
  });
  assert.match((ev as any).message, /^Successfully assigned default\/fits to w[12]$/);
});

test('a pod that fits nowhere stays Pending with upstream FailedScheduling text, and is placed when a node appears', async () => {
  await client.create(R.pods, 'default', podObj('huge', { cpu: '3' }));
  const expected =
    '0/4 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 1 node(s) were unschedulable, 2 Insufficient cpu. ' +
    'preemption: 0/4 nodes are available: 2 No preemption victims found for incoming pod, 2 Preemption is not helpful for scheduling.';
  const ev = await waitFor('FailedScheduling event', async () => {
    const list = await client.list(R.events, 'default');
    return list.items.find((e) => (e as any).involvedObject?.name === 'huge' && (e as any).reason === 'FailedScheduling') as KubeObject | undefined;
  });
  assert.equal((ev as any).type, 'Warning');
  assert.equal((ev as any).message, expected);
  const cond = await waitFor('PodScheduled=False', async () => {
    const p = await client.get<Pod>(R.pods, 'default', 'huge');
    return p.status?.conditions?.find((c) => c.type === 'PodScheduled');
  });
  assert.deepEqual([cond.status, cond.reason, cond.message], ['False', 'Unschedulable', expected]);
  assert.equal((await client.get<Pod>(R.pods, 'default', 'huge')).spec.nodeName, undefined);
  await createNode(nodeObj('big', { cpu: '8', zone: 'd' }));
  assert.equal(await nodeOf('huge'), 'big');
});

test('required pod affinity and anti-affinity', async () => {
  const fitsNode = await nodeOf('fits');
  await client.create(R.pods, 'default', podObj('follower', { spec: { affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'fits' } }, topologyKey: 'kubernetes.io/hostname' }] } } } as Partial<Pod['spec']> }));
  assert.equal(await nodeOf('follower'), fitsNode);
  const anti = (name: string) =>
    podObj(name, { labels: { app: 'fits' }, spec: { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'fits' } }, topologyKey: 'kubernetes.io/hostname' }] } } } });
  await client.create(R.pods, 'default', anti('avoider'));
  const avoiderNode = await nodeOf('avoider');
  assert.notEqual(avoiderNode, fitsNode);
});

test('topology spread constraints: DoNotSchedule refuses a pod that would exceed maxSkew', async () => {
  const spread = (name: string) =>
    podObj(name, {
      labels: { app: 'spread' },
      spec: {
        nodeSelector: { 'topology.kubernetes.io/zone': 'a' } as Record<string, string>,
        topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'spread' } }, nodeAffinityPolicy: 'Ignore' }],
      },
    });
  // With the node selector pinning zone a and nodeAffinityPolicy Ignore, zone b counts as an
  // empty domain: the first pod fits (skew 1), the second would make skew 2.
  await client.create(R.pods, 'default', spread('s1'));
  assert.equal(await nodeOf('s1'), 'w1');
  await client.create(R.pods, 'default', spread('s2'));
  const ev = await waitFor('s2 FailedScheduling', async () => {
    const list = await client.list(R.events, 'default');
    return list.items.find((e) => (e as any).involvedObject?.name === 's2' && (e as any).reason === 'FailedScheduling') as KubeObject | undefined;
  });
  assert.match((ev as any).message, /node\(s\) didn't match pod topology spread constraints/);
});
