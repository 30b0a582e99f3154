// SimNodePool against a fake client and informer: registration, heartbeat spreading, the stop
// epoch, and the kubelet's part of pod deletion — without a server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import type { KubeObject } from '../../src/api/object.js';
import type { Informer, InformerStore, ResourceEventHandler, SharedInformerFactory } from '../../src/client/informer-types.js';
import { ApiError, type KubeClient } from '../../src/client/types.js';
import { SimNodePool } from '../../src/sim/sim-node-pool.js';

interface Call { verb: string; resource: string; name: string; body?: any; opts?: any }

function fakeClient(calls: Call[]): KubeClient {
  const rec = (verb: string, resource: string, name: string, body?: unknown, opts?: unknown) => calls.push({ verb, resource, name, body, opts });
  return {
    async get(gvr, _ns, name) { rec('get', gvr.resource, name); throw new ApiError(404, 'NotFound', 'nope'); },
    async list() { return { metadata: {}, items: [] }; },
    async watch() {},
    async create(gvr, _ns, obj) { rec('create', gvr.resource, obj.metadata.name!, obj); return { ...obj, metadata: { ...obj.metadata, uid: `uid-${obj.metadata.name}` } }; },
    async update(gvr, _ns, obj, opts) { rec('update', gvr.resource, obj.metadata.name!, obj, opts); return obj; },
    async patch(gvr, _ns, name, _t, body, opts) { rec('patch', gvr.resource, name, body, opts); return { metadata: { name } } as any; },
    async delete(gvr, _ns, name, opts) { rec('delete', gvr.resource, name, undefined, opts); return undefined; },
    async createSubresource() { return undefined as any; },
  };
}

function fakeInformers() {
  const items = new Map<string, KubeObject>();
  const handlers: ResourceEventHandler[] = [];
  const store: InformerStore = {
    get: (k) => items.get(k),
    list: () => [...items.values()],
    byIndex: (_i, v) => [...items.values()].filter((p) => (p.spec as any).nodeName === v),
    get size() { return items.size; },
  };
  const informer: Informer = {
    gvr: { group: '', version: 'v1', resource: 'pods' },
    store,
    addEventHandler: (h) => handlers.push(h),
    addIndexers: () => {},
    hasSynced: () => true,
  };
  const factory: SharedInformerFactory = { informerFor: () => informer as any, start: () => {}, waitForSync: async () => {} };
  return {
    factory,
    add(p: KubeObject) {
      const key = `${p.metadata.namespace}/${p.metadata.name}`;
      const old = items.get(key);
      items.set(key, p);
      for (const h of handlers) old ? h.onUpdate?.(old, p) : h.onAdd?.(p);
    },
  };
}

const until = async (cond: () => boolean) => {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(cond());
};

test('registers nodes, their status and Leases; spreads heartbeats; stop ends them', async () => {
  const calls: Call[] = [];
  let now = Date.parse('2025-01-01T00:00:00Z');
  const inf = fakeInformers();
  const pool = new SimNodePool(
    { client: fakeClient(calls), informers: inf.factory, clock: { now: () => new Date(now) }, logger: pino({ level: 'silent' }) },
    { count: 4, heartbeatSeconds: 10 },
  );
  const ac = new AbortController();
  const running = pool.run(ac.signal);
  await pool.registered;
  assert.deepEqual(calls.filter((c) => c.verb === 'create' && c.resource === 'nodes').map((c) => c.name), ['sim-node-0', 'sim-node-1', 'sim-node-2', 'sim-node-3']);
  const status = calls.find((c) => c.resource === 'nodes' && c.verb === 'patch')!;
  assert.equal(status.opts.subresource, 'status');
  assert.equal(status.body.status.capacity.pods, '110');
  const lease = calls.find((c) => c.resource === 'leases' && c.verb === 'patch')!;
  assert.ok(lease.body.spec.renewTime);

  // Heartbeats are spread: node i renews at i/4 of the period.
  pool.stopNode('sim-node-3');
  const renewals = () => calls.filter((c) => c.resource === 'leases' && c.verb === 'patch').map((c) => c.name);
  const before = renewals().length;
  now += 2600; // node-0 (0 s) and node-1 (2.5 s) are due
  await until(() => renewals().length >= before + 2);
  assert.deepEqual(renewals().slice(before), ['sim-node-0', 'sim-node-1']);
  now += 10_000; // a whole period: node-0, 1, 2 again; node-3 is stopped
  await new Promise((r) => setTimeout(r, 250));
  assert.ok(!renewals().slice(before).includes('sim-node-3'));
  assert.ok(renewals().slice(before).includes('sim-node-2'));

  // A pod on a running node gets a status; a pod being deleted is removed with grace 0.
  inf.add({ metadata: { name: 'a', namespace: 'ns', uid: 'ua', resourceVersion: '1' }, spec: { nodeName: 'sim-node-0', containers: [{ name: 'c', image: 'i' }] }, status: { phase: 'Pending' } });
  await until(() => calls.some((c) => c.verb === 'update' && c.name === 'a'));
  const upd = calls.find((c) => c.verb === 'update' && c.name === 'a')!;
  assert.equal(upd.opts.subresource, 'status');
  assert.equal(upd.body.status.podIP, '10.42.0.2');
  inf.add({ metadata: { name: 'a', namespace: 'ns', uid: 'ua', resourceVersion: '2', deletionTimestamp: '2025-01-01T00:00:00Z' }, spec: { nodeName: 'sim-node-0', containers: [{ name: 'c', image: 'i' }] }, status: upd.body.status });
  await until(() => calls.some((c) => c.verb === 'delete' && c.name === 'a'));
  assert.deepEqual(calls.find((c) => c.verb === 'delete')!.opts, { gracePeriodSeconds: 0, preconditions: { uid: 'ua' } });

  // Pods on a stopped node are left alone.
  inf.add({ metadata: { name: 'b', namespace: 'ns', uid: 'ub', resourceVersion: '1' }, spec: { nodeName: 'sim-node-3', containers: [{ name: 'c', image: 'i' }] }, status: { phase: 'Pending' } });
  await new Promise((r) => setTimeout(r, 100));
  assert.ok(!calls.some((c) => c.name === 'b'));
  await pool.startNode('sim-node-3');
  await until(() => calls.some((c) => c.verb === 'update' && c.name === 'b'));
  assert.equal(calls.find((c) => c.verb === 'update' && c.name === 'b')!.body.status.podIP, '10.42.3.2');

  ac.abort();
  await running;
});
