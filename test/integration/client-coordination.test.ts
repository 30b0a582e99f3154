// Event recorder and leader election against a real API server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestControlPlane, type TestControlPlane } from '../support/control-plane.js';
import { HttpKubeClient } from '../../src/client/http-client.js';
import { createEventRecorder } from '../../src/client/event-recorder.js';
import { LeaderElector } from '../../src/client/leader-election.js';
import { R } from '../../src/client/resources.js';
import type { KubeObject } from '../../src/api/object.js';

let cp: TestControlPlane;
let client: HttpKubeClient;

before(async () => {
  cp = await startTestControlPlane({ controllers: false });
  client = new HttpKubeClient(await cp.clientConfig('admin', ['system:masters']));
});
after(async () => {
  client.close();
  await cp.stop();
});

async function until(cond: () => boolean | Promise<boolean>, ms: number): Promise<number> {
  const t0 = Date.now();
  while (!(await cond())) {
    if (Date.now() - t0 > ms) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return Date.now() - t0;
}

test('events are written and identical ones aggregated', async () => {
  const cm = await client.create(R.configmaps, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ev-target' } } as KubeObject);
  const rec = createEventRecorder(client, 'client-test', 'host-1');
  rec.event(cm, 'Normal', 'Synced', 'configmap synced');
  rec.event(cm, 'Normal', 'Synced', 'configmap synced');
  await rec.flush();
  rec.event(cm, 'Normal', 'Synced', 'configmap synced');
  rec.event(cm, 'Warning', 'Failed', 'something broke');
  await rec.flush();
  const events = (await client.list<any>(R.events, 'default', { fieldSelector: 'involvedObject.name=ev-target' })).items;
  assert.equal(events.length, 2);
  const synced = events.find((e) => e.reason === 'Synced');
  assert.equal(synced.count, 3);
  assert.equal(synced.involvedObject.uid, cm.metadata.uid);
  assert.equal(synced.source.component, 'client-test');
  assert.equal(synced.reportingComponent, 'client-test');
  assert.match(synced.metadata.name, /^ev-target\.[0-9a-f]+$/);
  assert.ok(synced.firstTimestamp && synced.lastTimestamp);
  assert.equal(events.find((e) => e.reason === 'Failed').type, 'Warning');
});

test('two electors: one leads, the other takes over when it stops or dies', async () => {
  const timing = { leaseDurationSeconds: 3, renewDeadlineSeconds: 2, retryPeriodSeconds: 0.5 };
  const state: Record<string, 'leading' | 'stopped' | ''> = { a: '', b: '', c: '' };
  const start = (identity: string, c = client) => {
    const ac = new AbortController();
    const elector = new LeaderElector({ client: c, name: 'client-test', identity, ...timing });
    const done = elector.run(ac.signal, {
      onStartedLeading: () => void (state[identity] = 'leading'),
      onStoppedLeading: () => void (state[identity] = 'stopped'),
    });
    return { ac, elector, done };
  };
  const a = start('a');
  await until(() => state.a === 'leading', 5000);
  const b = start('b');
  await new Promise((r) => setTimeout(r, 2000));
  assert.equal(state.b, '', 'b waits while a renews');
  const lease = await client.get<any>(R.leases, 'kube-system', 'client-test');
  assert.equal(lease.spec.holderIdentity, 'a');
  assert.equal(lease.spec.leaseDurationSeconds, 3);
  assert.notEqual(lease.spec.renewTime, lease.spec.acquireTime, 'renewed');

  // A clean stop releases the lease: b takes over without waiting for it to expire.
  a.ac.abort();
  await a.done;
  assert.equal(state.a, 'stopped');
  const took = await until(() => state.b === 'leading', 5000);
  assert.ok(took < 3000, `took ${took} ms`);
  const after = await client.get<any>(R.leases, 'kube-system', 'client-test');
  assert.equal(after.spec.holderIdentity, 'b');
  assert.equal(after.spec.leaseTransitions, 0, 'taking a released lease is not a transition');

  // b dies without releasing: c takes over once the lease has expired.
  const c = start('c');
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(state.c, '');
  // Simulate death: b's renewals stop and it does not give the lease up.
  (b.elector as any).config.releaseOnCancel = false;
  b.ac.abort();
  await b.done;
  const takeover = await until(() => state.c === 'leading', 10_000);
  assert.ok(takeover >= 1000, `c waited for expiry (${takeover} ms)`);
  const last = await client.get<any>(R.leases, 'kube-system', 'client-test');
  assert.equal(last.spec.holderIdentity, 'c');
  assert.equal(last.spec.leaseTransitions, 1);
  c.ac.abort();
  await c.done;
});

test('a leader whose lease is taken stops leading and its leaderSignal aborts', async () => {
  const ac = new AbortController();
  let leaderSignal: AbortSignal | undefined;
  let stopped = false;
  const leaders: string[] = [];
  const elector = new LeaderElector({ client, name: 'client-stolen', identity: 'x', leaseDurationSeconds: 3, renewDeadlineSeconds: 2, retryPeriodSeconds: 0.3 });
  const done = elector.run(ac.signal, {
    onStartedLeading: (s) => void (leaderSignal = s),
    onStoppedLeading: () => void (stopped = true),
    onNewLeader: (id) => void leaders.push(id),
  });
  await until(() => leaderSignal !== undefined, 5000);
  assert.ok(elector.isLeader());
  const lease = await client.get<any>(R.leases, 'kube-system', 'client-stolen');
  await client.update(R.leases, 'kube-system', { ...lease, spec: { ...lease.spec, holderIdentity: 'thief', leaseDurationSeconds: 60 } });
  await until(() => stopped, 3000);
  assert.equal(leaderSignal!.aborted, true);
  assert.equal(elector.isLeader(), false);
  assert.deepEqual(leaders, ['x', 'thief']);
  ac.abort();
  await done;
});
