// EtcdStore against the shared Store suite on a real 3-member etcd cluster, plus the fault cases:
// one member down is invisible; two down fails writes quickly with Unavailable; after they come
// back, writes succeed and nothing acknowledged is lost. Skips when no etcd binary is installed.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { EtcdStore } from '../../src/store/etcd/etcd-store.js';
import type { Store } from '../../src/store/types.js';
import { EtcdCluster } from '../support/etcd-cluster.js';
import { collect, isStoreError, runStoreSuite } from './store-suite.js';

const hasEtcd = (() => {
  try {
    execFileSync('etcd', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe('EtcdStore on a 3-member cluster', { skip: !hasEtcd && 'etcd binary not installed' }, () => {
  let cluster: EtcdCluster;
  before(async () => {
    cluster = await EtcdCluster.start({ members: 3 });
  });
  after(async () => {
    await cluster?.close();
  });

  const open = (timeoutMs?: number) =>
    new EtcdStore({ endpoints: cluster.endpoints, prefix: `/k8ts-test-${randomBytes(3).toString('hex')}`, timeoutMs });

  runStoreSuite('etcd', async () => {
    const prefix = `/k8ts-suite-${randomBytes(3).toString('hex')}`;
    let store: Store = new EtcdStore({ endpoints: cluster.endpoints, prefix });
    return {
      store,
      async reopen() {
        await store.close();
        for (let i = 0; i < 3; i++) await cluster.stop(i);
        await Promise.all([0, 1, 2].map((i) => cluster.start(i)));
        store = new EtcdStore({ endpoints: cluster.endpoints, prefix });
        return store;
      },
      async cleanup() {
        await store.close();
      },
    };
  });

  it('serves reads and writes with one member down', async () => {
    const s = open();
    try {
      const r1 = await s.create('/a', Buffer.from('1'));
      await cluster.stop(0);
      const r2 = await s.update('/a', Buffer.from('2'), r1);
      assert.deepEqual((await s.get('/a'))!.value, Buffer.from('2'));
      assert.equal((await s.list('/')).kvs.length, 1);
      assert.ok(r2 > r1);
    } finally {
      await cluster.start(0);
      await s.close();
    }
  });

  it('fails writes fast without quorum, recovers when members return, loses nothing', async () => {
    const s = open(5000);
    const acked = new Map<string, number>();
    try {
      const start = await s.currentRevision();
      for (let i = 0; i < 20; i++) acked.set(`/k${i}`, await s.create(`/k${i}`, Buffer.from(String(i))));
      const c = collect(s, '/', start, 21, 60_000);
      await cluster.stop(1);
      await cluster.stop(2);
      const t0 = Date.now();
      await assert.rejects(s.create('/during-outage', Buffer.from('x')), isStoreError('Unavailable'));
      const took = Date.now() - t0;
      assert.ok(took < 10_000, `write without quorum took ${took} ms`);
      await cluster.start(1);
      await cluster.start(2);
      // Election after restart: allow a few attempts, each bounded by the store's deadline.
      let rev = 0;
      for (let attempt = 0; attempt < 5 && rev === 0; attempt++) {
        try {
          rev = await s.create('/after-outage', Buffer.from('y'));
        } catch (err) {
          isStoreError('Unavailable')(err);
        }
      }
      assert.ok(rev > Math.max(...acked.values()));
      for (const [key, r] of acked) assert.equal((await s.get(key))?.modRevision, r, `lost ${key}`);
      // The outage write may or may not have been applied; it must not be half-visible.
      const events = await c.wait();
      const keys = events.map((e) => e.kv.key).filter((k) => k !== '/during-outage');
      assert.deepEqual(keys, [...acked.keys(), '/after-outage']);
      for (let i = 1; i < events.length; i++) assert.ok(events[i].kv.modRevision > events[i - 1].kv.modRevision);
    } finally {
      for (let i = 0; i < 3; i++) await cluster.start(i);
      await s.close();
    }
  });
});
