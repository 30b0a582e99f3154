import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../src/api/object.js';
import { IndexedStore, NAMESPACE_INDEX } from '../../src/client/informer-store.js';
import { createSharedInformerFactory } from '../../src/client/informer.js';
import { R } from '../../src/client/resources.js';
import { ApiError, type KubeClient, type ListOptions, type WatchEvent, type WatchOptions } from '../../src/client/types.js';

const pod = (ns: string, name: string, rv: string, node = ''): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { namespace: ns, name, resourceVersion: rv }, spec: { nodeName: node } } as KubeObject);

test('store indices follow upserts and removals', () => {
  const s = new IndexedStore();
  s.addIndexers({ node: (o: any) => (o.spec.nodeName ? [o.spec.nodeName] : []) });
  s.upsert('a/p1', pod('a', 'p1', '1', 'n1'));
  s.upsert('b/p2', pod('b', 'p2', '2', 'n1'));
  assert.equal(s.byIndex(NAMESPACE_INDEX, 'a').length, 1);
  assert.equal(s.byIndex('node', 'n1').length, 2);
  s.upsert('a/p1', pod('a', 'p1', '3', 'n2'));
  assert.deepEqual(s.byIndex('node', 'n1').map((o) => o.metadata.name), ['p2']);
  assert.deepEqual(s.byIndex('node', 'n2').map((o) => o.metadata.name), ['p1']);
  s.remove('b/p2');
  assert.deepEqual(s.byIndex('node', 'n1'), []);
  assert.equal(s.size, 1);
  // Indexers added later index existing objects.
  s.addIndexers({ rv: (o) => [o.metadata.resourceVersion!] });
  assert.equal(s.byIndex('rv', '3').length, 1);
  assert.throws(() => s.byIndex('missing', 'x'), /does not exist/);
  assert.throws(() => s.addIndexers({ node: () => [] }), /already exists/);
});

/** A scriptable KubeClient: list answers from `objects`; each watch is driven by the test. */
class FakeClient {
  objects: KubeObject[] = [];
  rv = '10';
  lists: ListOptions[] = [];
  watches: { opts: WatchOptions; emit: (e: WatchEvent) => void; end: (err?: unknown) => void }[] = [];
  private watchWaiters: (() => void)[] = [];

  async list(_gvr: unknown, _ns: string, opts: ListOptions = {}) {
    this.lists.push(opts);
    const start = opts.continue ? Number(opts.continue) : 0;
    const limit = opts.limit ?? Infinity;
    const items = this.objects.slice(start, start + limit);
    const next = start + items.length;
    return { metadata: { resourceVersion: this.rv, continue: next < this.objects.length ? String(next) : undefined }, items };
  }

  watch(_gvr: unknown, _ns: string, opts: WatchOptions, onEvent: (e: WatchEvent) => void): Promise<void> {
    return new Promise((resolve, reject) => {
      const end = (err?: unknown) => (err ? reject(err) : resolve());
      opts.signal.addEventListener('abort', () => resolve(), { once: true });
      this.watches.push({ opts, emit: onEvent, end });
      for (const w of this.watchWaiters.splice(0)) w();
    });
  }

  async nextWatch(n: number) {
    while (this.watches.length < n) await new Promise<void>((r) => this.watchWaiters.push(r));
    return this.watches[n - 1]!;
  }
}

function recorder() {
  const log: string[] = [];
  return {
    log,
    handler: {
      onAdd: (o: KubeObject) => log.push(`add ${o.metadata.name}@${o.metadata.resourceVersion}`),
      onUpdate: (a: KubeObject, b: KubeObject) => log.push(`update ${a.metadata.name}@${a.metadata.resourceVersion}->${b.metadata.resourceVersion}`),
      onDelete: (o: KubeObject) => log.push(`delete ${o.metadata.name}@${o.metadata.resourceVersion}`),
    },
  };
}

test('informer lists in pages, watches from the list RV and follows events', async () => {
  const fake = new FakeClient();
  fake.objects = [pod('a', 'p1', '5'), pod('a', 'p2', '6'), pod('b', 'p3', '7')];
  const factory = createSharedInformerFactory(fake as unknown as KubeClient, { pageSize: 2 });
  const inf = factory.informerFor(R.pods);
  assert.equal(factory.informerFor(R.pods), inf, 'shared per resource and options');
  const r = recorder();
  inf.addEventHandler(r.handler);
  const ac = new AbortController();
  factory.start(ac.signal);
  await factory.waitForSync(ac.signal);
  assert.ok(inf.hasSynced());
  assert.equal(fake.lists.length, 2);
  assert.equal(fake.lists[0]!.resourceVersion, '0');
  assert.equal(fake.lists[0]!.limit, 2);
  assert.equal(fake.lists[1]!.continue, '2');
  assert.equal(inf.store.size, 3);
  assert.deepEqual(r.log, ['add p1@5', 'add p2@6', 'add p3@7']);

  const w = await fake.nextWatch(1);
  assert.equal(w.opts.resourceVersion, '10');
  assert.equal(w.opts.allowWatchBookmarks, true);
  assert.ok(w.opts.timeoutSeconds! >= 300 && w.opts.timeoutSeconds! <= 600);
  w.emit({ type: 'MODIFIED', object: pod('a', 'p1', '11') });
  w.emit({ type: 'ADDED', object: pod('c', 'p4', '12') });
  w.emit({ type: 'DELETED', object: pod('a', 'p2', '13') });
  w.emit({ type: 'BOOKMARK', object: { metadata: { resourceVersion: '20' } } as KubeObject });
  assert.deepEqual(r.log.slice(3), ['update p1@5->11', 'add p4@12', 'delete p2@13']);
  assert.equal(inf.store.get('a/p1')!.metadata.resourceVersion, '11');
  assert.deepEqual(inf.store.byIndex('namespace', 'a').map((o) => o.metadata.name), ['p1']);

  // The server ends the stream: re-watch from the last seen (bookmark) resourceVersion, no relist.
  w.end();
  const w2 = await fake.nextWatch(2);
  assert.equal(w2.opts.resourceVersion, '20');
  assert.equal(fake.lists.length, 2);

  // A handler added after sync gets the cached objects as adds.
  const late = recorder();
  inf.addEventHandler(late.handler);
  assert.equal(late.log.length, 3);
  ac.abort();
});

test('410 Expired relists and diffs the store', async () => {
  const fake = new FakeClient();
  fake.objects = [pod('a', 'keep', '5'), pod('a', 'gone', '6')];
  const factory = createSharedInformerFactory(fake as unknown as KubeClient);
  const inf = factory.informerFor(R.pods, { namespace: 'a' });
  const r = recorder();
  inf.addEventHandler(r.handler);
  const ac = new AbortController();
  factory.start(ac.signal);
  await factory.waitForSync(ac.signal);
  const w = await fake.nextWatch(1);
  fake.objects = [pod('a', 'keep', '30'), pod('a', 'new', '31')];
  fake.rv = '40';
  w.emit({ type: 'ERROR', object: { kind: 'Status', apiVersion: 'v1', code: 410, reason: 'Expired', message: 'too old resource version' } as unknown as KubeObject });
  const w2 = await fake.nextWatch(2);
  assert.equal(fake.lists.length, 2);
  assert.equal(fake.lists[1]!.resourceVersion, '', 'a relist after expiry is a consistent read');
  assert.equal(w2.opts.resourceVersion, '40');
  assert.deepEqual(r.log.slice(2), ['update keep@5->30', 'add new@31', 'delete gone@6']);

  // A watch refused with HTTP 410 also relists.
  w2.end(new ApiError(410, 'Expired', 'too old'));
  await fake.nextWatch(3);
  assert.equal(fake.lists.length, 3);
  ac.abort();
});

test('resync delivers onUpdate(obj, obj); handler exceptions are contained', async () => {
  const fake = new FakeClient();
  fake.objects = [pod('a', 'p', '1')];
  const warnings: string[] = [];
  const factory = createSharedInformerFactory(fake as unknown as KubeClient, { resyncMs: 30, logger: { warn: (_o, m) => warnings.push(m) } });
  const inf = factory.informerFor(R.pods);
  let updates = 0;
  inf.addEventHandler({ onAdd: () => { throw new Error('boom'); } });
  inf.addEventHandler({ onUpdate: (a, b) => { assert.equal(a, b); updates++; } });
  const ac = new AbortController();
  factory.start(ac.signal);
  await factory.waitForSync(ac.signal);
  assert.deepEqual(warnings, ['informer onAdd handler threw']);
  await new Promise((r) => setTimeout(r, 100));
  assert.ok(updates >= 2, `${updates} resyncs`);
  ac.abort();
});

test('waitForSync returns when aborted', async () => {
  const factory = createSharedInformerFactory({ list: () => new Promise(() => undefined) } as unknown as KubeClient);
  factory.informerFor(R.pods);
  const ac = new AbortController();
  factory.start(ac.signal);
  setTimeout(() => ac.abort(), 20);
  await factory.waitForSync(ac.signal);
});
