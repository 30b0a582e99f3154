import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestControlPlane, type TestControlPlane } from '../support/control-plane.js';
import { HttpKubeClient } from '../../src/client/http-client.js';
import { createSharedInformerFactory, type SharedIndexInformer } from '../../src/client/informer.js';
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

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

const cm = (ns: string, name: string, labels: Record<string, string> = {}): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns, labels } } as KubeObject);

test('informer caches, indexes and follows a resource across watch restarts', async () => {
  await client.create(R.namespaces, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'inf-a' } } as KubeObject);
  for (let i = 0; i < 7; i++) await client.create(R.configmaps, 'inf-a', cm('inf-a', `pre-${i}`, { team: i % 2 ? 'odd' : 'even' }));
  // Short watches so the test sees the reflector re-watch after the server ends a stream.
  const factory = createSharedInformerFactory(client, { pageSize: 3, watchTimeoutSeconds: [1, 1] });
  const inf = factory.informerFor(R.configmaps, { namespace: 'inf-a' }) as SharedIndexInformer;
  inf.addIndexers({ team: (o) => (o.metadata.labels?.team ? [o.metadata.labels.team] : []) });
  const log: string[] = [];
  inf.addEventHandler({
    onAdd: (o) => log.push(`add ${o.metadata.name}`),
    onUpdate: (a, b) => a !== b && log.push(`update ${b.metadata.name}`),
    onDelete: (o) => log.push(`delete ${o.metadata.name}`),
  });
  const ac = new AbortController();
  factory.start(ac.signal);
  await factory.waitForSync(ac.signal);
  assert.equal(inf.store.size, 7);
  assert.equal(inf.store.byIndex('team', 'odd').length, 3);
  assert.equal(inf.store.byIndex('namespace', 'inf-a').length, 7);

  await client.create(R.configmaps, 'inf-a', cm('inf-a', 'live', { team: 'odd' }));
  await client.create(R.configmaps, 'default', cm('default', 'elsewhere'));
  await until(() => inf.store.get('inf-a/live') !== undefined);
  assert.equal(inf.store.byIndex('team', 'odd').length, 4);
  await client.patch(R.configmaps, 'inf-a', 'live', 'merge', { metadata: { labels: { team: 'even' } } });
  await until(() => inf.store.get('inf-a/live')!.metadata.labels!.team === 'even');
  assert.equal(inf.store.byIndex('team', 'odd').length, 3);

  // Let at least one watch expire, then change things: the new watch must pick them up.
  await new Promise((r) => setTimeout(r, 1500));
  await client.delete(R.configmaps, 'inf-a', 'pre-0');
  await client.create(R.configmaps, 'inf-a', cm('inf-a', 'after-rewatch'));
  await until(() => inf.store.get('inf-a/after-rewatch') !== undefined && !inf.store.get('inf-a/pre-0'));
  assert.ok(!inf.store.get('default/elsewhere'));
  assert.deepEqual(log.filter((l) => !l.startsWith('add pre-')), ['add live', 'update live', 'delete pre-0', 'add after-rewatch']);
  ac.abort();
});

test('several informers in one factory sync together; cluster-scoped keys are names', async () => {
  const factory = createSharedInformerFactory(client);
  const ns = factory.informerFor(R.namespaces);
  const pods = factory.informerFor(R.pods);
  const ac = new AbortController();
  factory.start(ac.signal);
  // An informer created after start is started too.
  const nodes = factory.informerFor(R.nodes);
  await factory.waitForSync(ac.signal);
  assert.ok(ns.hasSynced() && pods.hasSynced() && nodes.hasSynced());
  assert.ok(ns.store.get('default'));
  assert.ok(ns.store.get('kube-system'));
  ac.abort();
});
