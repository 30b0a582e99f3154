import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../src/api/object.js';
import { createEventRecorder, eventName, AGGREGATION_WINDOW_MS } from '../../src/client/event-recorder.js';
import { ApiError, type KubeClient } from '../../src/client/types.js';

class FakeEvents {
  calls: { op: string; ns: string; name: string; body: any }[] = [];
  stored = new Map<string, any>();
  failNext: ApiError | null = null;
  async create(_g: unknown, ns: string, obj: any) {
    this.calls.push({ op: 'create', ns, name: obj.metadata.name, body: obj });
    if (this.failNext) throw this.takeFail();
    this.stored.set(`${ns}/${obj.metadata.name}`, obj);
    return obj;
  }
  async patch(_g: unknown, ns: string, name: string, type: string, body: any) {
    this.calls.push({ op: `patch:${type}`, ns, name, body });
    if (this.failNext) throw this.takeFail();
    const cur = this.stored.get(`${ns}/${name}`);
    if (!cur) throw new ApiError(404, 'NotFound', 'not found');
    Object.assign(cur, body);
    return cur;
  }
  private takeFail() {
    const f = this.failNext!;
    this.failNext = null;
    return f;
  }
}

const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-1', namespace: 'prod', uid: 'u1', resourceVersion: '7' } } as KubeObject;
const node = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', uid: 'u2' } } as KubeObject;

test('event names are <name>.<unix nanos in hex>', () => {
  assert.equal(eventName('web-1', new Date(1_700_000_000_000)), `web-1.${(1_700_000_000_000n * 1_000_000n).toString(16)}`);
});

test('first event is created with upstream fields; repeats aggregate into count', async () => {
  const fake = new FakeEvents();
  let now = new Date('2024-05-01T10:00:00.500Z');
  const rec = createEventRecorder(fake as unknown as KubeClient, 'deployment-controller', 'host-a', { clock: { now: () => now } });
  rec.event(pod, 'Normal', 'Scheduled', 'Successfully assigned prod/web-1 to n1');
  await rec.flush();
  assert.equal(fake.calls.length, 1);
  const ev = fake.calls[0]!.body;
  assert.equal(fake.calls[0]!.ns, 'prod');
  assert.match(ev.metadata.name, /^web-1\.[0-9a-f]+$/);
  assert.deepEqual(ev.involvedObject, { kind: 'Pod', name: 'web-1', namespace: 'prod', uid: 'u1', apiVersion: 'v1', resourceVersion: '7' });
  assert.deepEqual(ev.source, { component: 'deployment-controller', host: 'host-a' });
  assert.equal(ev.reportingComponent, 'deployment-controller');
  assert.equal(ev.reportingInstance, 'host-a');
  assert.equal(ev.count, 1);
  assert.equal(ev.type, 'Normal');
  assert.equal(ev.firstTimestamp, '2024-05-01T10:00:00Z');

  now = new Date('2024-05-01T10:01:00Z');
  rec.event(pod, 'Normal', 'Scheduled', 'Successfully assigned prod/web-1 to n1');
  await rec.flush();
  assert.equal(fake.calls[1]!.op, 'patch:strategic');
  assert.equal(fake.calls[1]!.name, ev.metadata.name);
  assert.deepEqual(fake.calls[1]!.body, { count: 2, lastTimestamp: '2024-05-01T10:01:00Z', message: 'Successfully assigned prod/web-1 to n1' });

  // A different message is a different event.
  rec.event(pod, 'Warning', 'BackOff', 'Back-off restarting failed container');
  await rec.flush();
  assert.equal(fake.calls[2]!.op, 'create');

  // After the aggregation window a new Event is started.
  now = new Date(now.getTime() + AGGREGATION_WINDOW_MS + 1000);
  rec.event(pod, 'Normal', 'Scheduled', 'Successfully assigned prod/web-1 to n1');
  await rec.flush();
  assert.equal(fake.calls[3]!.op, 'create');
  assert.notEqual(fake.calls[3]!.name, ev.metadata.name);
});

test('bursts of identical events coalesce into one pending write', async () => {
  const fake = new FakeEvents();
  const rec = createEventRecorder(fake as unknown as KubeClient, 'c');
  for (let i = 0; i < 50; i++) rec.event(pod, 'Normal', 'SuccessfulCreate', 'Created pod: web-1');
  await rec.flush();
  const counts = fake.calls.map((c) => c.body.count);
  assert.ok(fake.calls.length <= 2, `${fake.calls.length} writes`);
  assert.equal(counts[counts.length - 1], 50);
});

test('cluster-scoped objects get events in default; lost events are recreated; 4xx is dropped', async () => {
  const fake = new FakeEvents();
  const rec = createEventRecorder(fake as unknown as KubeClient, 'node-controller');
  rec.event(node, 'Normal', 'RegisteredNode', 'Node n1 event: Registered Node n1 in Controller');
  await rec.flush();
  assert.equal(fake.calls[0]!.ns, 'default');
  assert.equal(fake.calls[0]!.body.source.host, undefined);
  fake.stored.clear();
  rec.event(node, 'Normal', 'RegisteredNode', 'Node n1 event: Registered Node n1 in Controller');
  await rec.flush();
  assert.deepEqual(fake.calls.slice(1).map((c) => c.op), ['patch:strategic', 'create']);
  assert.equal(fake.calls[2]!.body.count, 2);

  fake.failNext = new ApiError(403, 'Forbidden', 'namespace terminating');
  rec.event(pod, 'Normal', 'X', 'y');
  await rec.flush();
  assert.equal(fake.calls.length, 4);
});

test('the queue is bounded', async () => {
  const fake = new FakeEvents();
  const rec = createEventRecorder(fake as unknown as KubeClient, 'c', '', { maxQueued: 5 });
  for (let i = 0; i < 20; i++) rec.event(pod, 'Normal', 'R', `message ${i}`);
  await rec.flush();
  assert.ok(fake.calls.length <= 6, `${fake.calls.length} writes`);
});
