// The Store contract as tests: every backend runs this suite unchanged. Tests never assume
// absolute revision numbers (an etcd cluster's revision is shared by every test on it), only
// their order; each test works under its own key prefix.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { StoreError, type Store, type StoreErrorCode, type StoreWatchEvent } from '../../src/store/types.js';

export interface StoreFixture {
  store: Store;
  /** Closes the store, restarts the backend on the same data, and returns a fresh store. */
  reopen(): Promise<Store>;
  /** Releases everything the fixture holds. */
  cleanup(): Promise<void>;
}

const b = (s: string) => Buffer.from(s);

export function isStoreError(code: StoreErrorCode) {
  return (err: unknown) => {
    assert.ok(err instanceof StoreError, `expected StoreError ${code}, got ${String(err)}`);
    assert.equal(err.code, code, `expected ${code}, got ${err.code}: ${err.message}`);
    return true;
  };
}

/** Collects watch events until `count` arrived (or times out). */
export function collect(store: Store, prefix: string, afterRevision: number, count: number, timeoutMs = 10_000) {
  const ac = new AbortController();
  const events: StoreWatchEvent[] = [];
  let wake: () => void = () => {};
  const enough = new Promise<void>((resolve) => (wake = resolve));
  const watcher = store.watch(prefix, { afterRevision, signal: ac.signal }, (evs) => {
    events.push(...evs);
    if (events.length >= count) wake();
  });
  const timer = setTimeout(wake, timeoutMs);
  return {
    events,
    watcher,
    abort: () => ac.abort(),
    async wait() {
      await Promise.race([enough, watcher.done.then(() => {}, () => {})]);
      clearTimeout(timer);
      ac.abort();
      return events;
    },
  };
}

export function runStoreSuite(name: string, makeStore: () => Promise<StoreFixture>): void {
  describe(`Store contract: ${name}`, () => {
    let fx: StoreFixture;
    let s: Store;
    let p: string;
    before(async () => {
      fx = await makeStore();
      s = fx.store;
    });
    after(async () => {
      await fx.cleanup();
    });
    const fresh = () => (p = `/t-${randomBytes(4).toString('hex')}/`);

    it('creates, gets, refuses duplicates', async () => {
      fresh();
      const rev = await s.create(`${p}a`, b('one'));
      assert.ok(rev > 0);
      const kv = await s.get(`${p}a`);
      assert.deepEqual(kv, { key: `${p}a`, value: b('one'), createRevision: rev, modRevision: rev });
      await assert.rejects(s.create(`${p}a`, b('two')), isStoreError('KeyExists'));
      assert.equal(await s.get(`${p}missing`), null);
      assert.ok((await s.currentRevision()) >= rev);
    });

    it('updates with a revision precondition', async () => {
      fresh();
      const r1 = await s.create(`${p}a`, b('v1'));
      const r2 = await s.update(`${p}a`, b('v2'), r1);
      assert.ok(r2 > r1);
      assert.deepEqual(await s.get(`${p}a`), { key: `${p}a`, value: b('v2'), createRevision: r1, modRevision: r2 });
      await assert.rejects(s.update(`${p}a`, b('v3'), r1), (err) => {
        isStoreError('Conflict')(err);
        assert.equal((err as StoreError).currentRevision, r2);
        return true;
      });
      await assert.rejects(s.update(`${p}nope`, b('x'), r1), isStoreError('NotFound'));
    });

    it('deletes, with and without a precondition, and re-creates', async () => {
      fresh();
      const r1 = await s.create(`${p}a`, b('v1'));
      await assert.rejects(s.delete(`${p}a`, r1 + 1000), isStoreError('Conflict'));
      const del = await s.delete(`${p}a`, r1);
      assert.ok(del.revision > r1);
      assert.deepEqual(del.kv.value, b('v1'));
      assert.equal(del.kv.createRevision, r1);
      assert.equal(await s.get(`${p}a`), null);
      await assert.rejects(s.delete(`${p}a`), isStoreError('NotFound'));
      await assert.rejects(s.update(`${p}a`, b('x'), del.revision), isStoreError('NotFound'));
      const r3 = await s.create(`${p}a`, b('again'));
      assert.ok(r3 > del.revision);
      assert.equal((await s.get(`${p}a`))!.createRevision, r3);
      await s.create(`${p}b`, b('b'));
      const d2 = await s.delete(`${p}b`);
      assert.deepEqual(d2.kv.value, b('b'));
    });

    it('lists a consistent snapshot at a past revision', async () => {
      fresh();
      const ra = await s.create(`${p}a`, b('a1'));
      await s.create(`${p}b`, b('b1'));
      await s.create(`${p}c`, b('c1'));
      const R = await s.currentRevision();
      await s.update(`${p}a`, b('a2'), ra);
      await s.delete(`${p}b`);
      await s.create(`${p}d`, b('d1'));
      await s.create(`${p.slice(0, -1)}0`, b('sibling outside the prefix'));

      const past = await s.list(p, { revision: R });
      assert.equal(past.revision, R);
      assert.deepEqual(past.kvs.map((kv) => [kv.key, kv.value.toString()]), [
        [`${p}a`, 'a1'],
        [`${p}b`, 'b1'],
        [`${p}c`, 'c1'],
      ]);
      assert.equal(past.more, false);
      const now = await s.list(p);
      assert.equal(now.revision, await s.currentRevision());
      assert.deepEqual(now.kvs.map((kv) => [kv.key, kv.value.toString()]), [
        [`${p}a`, 'a2'],
        [`${p}c`, 'c1'],
        [`${p}d`, 'd1'],
      ]);
      assert.ok(now.kvs.every((kv) => kv.modRevision <= now.revision && kv.createRevision <= kv.modRevision));
      await assert.rejects(s.list(p, { revision: now.revision + 1000 }), isStoreError('FutureRevision'));
    });

    it('paginates with limit/startAfter at a fixed revision', async () => {
      fresh();
      const keys: string[] = [];
      for (let i = 0; i < 25; i++) keys.push(`${p}k${String(i).padStart(2, '0')}`);
      await Promise.all(keys.map((k) => s.create(k, b(k))));
      const page1 = await s.list(p, { limit: 10 });
      assert.equal(page1.kvs.length, 10);
      assert.equal(page1.more, true);
      if (page1.remaining !== undefined) assert.equal(page1.remaining, 15);
      // Writes between pages must not show up in later pages read at page1's revision.
      await s.create(`${p}k05x`, b('late'));
      await s.delete(`${p}k20`);
      const seen = [...page1.kvs];
      let last = page1;
      while (last.more) {
        last = await s.list(p, { limit: 10, startAfter: seen[seen.length - 1].key, revision: page1.revision });
        assert.equal(last.revision, page1.revision);
        seen.push(...last.kvs);
      }
      assert.deepEqual(seen.map((kv) => kv.key), keys);
      const exact = await s.list(p, { limit: 26 });
      assert.equal(exact.more, false);
      assert.equal(exact.kvs.length, 25);
    });

    it('counts keys under a prefix', async () => {
      fresh();
      assert.equal(await s.count(p), 0);
      for (let i = 0; i < 7; i++) await s.create(`${p}${i}`, b('x'));
      await s.delete(`${p}3`);
      const r = await s.create(`${p}3`, b('back'));
      await s.update(`${p}3`, b('again'), r);
      await s.delete(`${p}4`);
      assert.equal(await s.count(p), 6);
      assert.equal(await s.count(`${p}1`), 1);
    });

    it('watches from a revision: replay then live, in order, with prevKv', async () => {
      fresh();
      const r0 = await s.create(`${p}a`, b('a1'));
      const r1 = await s.update(`${p}a`, b('a2'), r0);
      await s.create(`${p.slice(0, -1)}-other/x`, b('not watched'));
      const r2 = await s.create(`${p}b`, b('b1'));
      const del = await s.delete(`${p}a`);
      const c = collect(s, p, r0, 4);
      await new Promise((r) => setTimeout(r, 50));
      const r4 = await s.create(`${p}c`, b('c1'));
      const events = await c.wait();
      assert.deepEqual(
        events.map((e) => [e.type, e.kv.key, e.kv.modRevision, e.created]),
        [
          ['PUT', `${p}a`, r1, false],
          ['PUT', `${p}b`, r2, true],
          ['DELETE', `${p}a`, del.revision, false],
          ['PUT', `${p}c`, r4, true],
        ],
      );
      assert.deepEqual(events[0].kv.value, b('a2'));
      assert.equal(events[0].kv.createRevision, r0);
      assert.equal(events[0].prevKv?.modRevision, r0);
      assert.deepEqual(events[0].prevKv?.value, b('a1'));
      assert.deepEqual(events[2].prevKv?.value, b('a2'));
      assert.equal(events[2].prevKv?.modRevision, r1);
      assert.deepEqual(events[2].kv.value, b('a2'));
      await c.watcher.done;
    });

    it('delivers every concurrent write exactly once and in order', async () => {
      fresh();
      const start = await s.currentRevision();
      const c = collect(s, p, start, 200);
      const writes: Promise<number>[] = [];
      for (let i = 0; i < 100; i++) writes.push(s.create(`${p}${i}`, b(String(i))));
      const created = await Promise.all(writes);
      await Promise.all(created.map((rev, i) => s.update(`${p}${i}`, b('u'), rev)));
      const events = await c.wait();
      assert.equal(events.length, 200);
      for (let i = 1; i < events.length; i++) assert.ok(events[i].kv.modRevision > events[i - 1].kv.modRevision);
      assert.equal(events.filter((e) => e.created).length, 100);
    });

    it('ends a watch when aborted', async () => {
      fresh();
      const ac = new AbortController();
      const w = s.watch(p, { afterRevision: await s.currentRevision(), signal: ac.signal }, () => {});
      ac.abort();
      await w.done;
    });

    it('compacts: old revisions answer Compacted, newer ones still work', async () => {
      fresh();
      let rev = await s.create(`${p}a`, b('0'));
      const first = rev;
      for (let i = 1; i < 5; i++) rev = await s.update(`${p}a`, b(String(i)), rev);
      await s.create(`${p}gone`, b('x'));
      await s.delete(`${p}gone`);
      const R = await s.currentRevision();
      await s.compact(R);
      assert.ok((await s.compactedRevision()) >= R);
      await assert.rejects(s.list(p, { revision: first }), isStoreError('Compacted'));
      const atR = await s.list(p, { revision: R });
      assert.deepEqual(atR.kvs.map((kv) => kv.value.toString()), ['4']);
      assert.deepEqual((await s.get(`${p}a`))!.value, b('4'));

      const old = s.watch(p, { afterRevision: first, signal: new AbortController().signal }, () => {});
      await assert.rejects(old.done, isStoreError('Compacted'));

      const c = collect(s, p, R, 1);
      const next = await s.update(`${p}a`, b('5'), rev);
      const events = await c.wait();
      assert.deepEqual(events.map((e) => [e.kv.modRevision, e.prevKv?.value.toString()]), [[next, '4']]);
      assert.ok((await s.create(`${p}after`, b('x'))) > next);
    });

    it('keeps data and revision order across close and reopen', async () => {
      fresh();
      const r1 = await s.create(`${p}a`, b('kept'));
      await s.create(`${p}b`, b('b'));
      const del = await s.delete(`${p}b`);
      // Compacting away the newest row (a tombstone) must not let revisions move back.
      await s.compact(del.revision);
      s = await fx.reopen();
      assert.ok((await s.currentRevision()) >= del.revision);
      assert.deepEqual((await s.get(`${p}a`))!.value, b('kept'));
      assert.equal((await s.get(`${p}a`))!.modRevision, r1);
      assert.equal(await s.get(`${p}b`), null);
      const r3 = await s.create(`${p}c`, b('new'));
      assert.ok(r3 > del.revision);
      assert.ok((await s.compactedRevision()) >= del.revision);
    });
  });
}
