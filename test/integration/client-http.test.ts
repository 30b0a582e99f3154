import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestControlPlane, type TestControlPlane } from '../support/control-plane.js';
import { HttpKubeClient } from '../../src/client/http-client.js';
import { R } from '../../src/client/resources.js';
import { ApiError, isAlreadyExists, isConflict, isNotFound, type WatchEvent } from '../../src/client/types.js';
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

const cm = (name: string, data: Record<string, string> = {}): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data } as KubeObject);

test('create, get, list, update, delete a ConfigMap', async () => {
  const created = await client.create(R.configmaps, 'default', cm('crud', { a: '1' }));
  assert.equal(created.metadata.name, 'crud');
  assert.ok(created.metadata.uid);
  const got = await client.get<any>(R.configmaps, 'default', 'crud');
  assert.equal(got.data.a, '1');
  const list = await client.list(R.configmaps, 'default');
  assert.ok(list.items.some((o) => o.metadata.name === 'crud'));
  assert.ok(list.metadata.resourceVersion);
  got.data.a = '2';
  const updated = await client.update<any>(R.configmaps, 'default', got);
  assert.equal(updated.data.a, '2');
  assert.notEqual(updated.metadata.resourceVersion, got.metadata.resourceVersion);
  assert.equal(await client.delete(R.configmaps, 'default', 'crud'), undefined);
  await assert.rejects(client.get(R.configmaps, 'default', 'crud'), (e) => isNotFound(e) && e instanceof ApiError && /not found/.test(e.message));
});

test('errors: AlreadyExists, Conflict, NotFound, Invalid', async () => {
  await client.create(R.configmaps, 'default', cm('dup'));
  await assert.rejects(client.create(R.configmaps, 'default', cm('dup')), isAlreadyExists);
  const stale = await client.get(R.configmaps, 'default', 'dup');
  await client.update(R.configmaps, 'default', { ...stale, data: { x: '1' } } as KubeObject);
  await assert.rejects(client.update(R.configmaps, 'default', { ...stale, data: { x: '2' } } as KubeObject), isConflict);
  await assert.rejects(client.delete(R.configmaps, 'default', 'nope'), isNotFound);
  await assert.rejects(client.create(R.configmaps, 'default', cm('Bad_Name')), (e) => e instanceof ApiError && e.code === 422 && e.reason === 'Invalid');
});

test('dry run does not persist', async () => {
  await client.create(R.configmaps, 'default', cm('dry'), { dryRun: true });
  await assert.rejects(client.get(R.configmaps, 'default', 'dry'), isNotFound);
});

test('cluster-scoped resources and the namespaces resource', async () => {
  const ns = await client.create(R.namespaces, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'client-ns' } } as KubeObject);
  assert.equal(ns.metadata.name, 'client-ns');
  const got = await client.get(R.namespaces, '', 'client-ns');
  assert.equal(got.metadata.uid, ns.metadata.uid);
  const all = await client.list(R.namespaces, '');
  assert.ok(all.items.some((n) => n.metadata.name === 'default'));
  await client.create(R.configmaps, 'client-ns', cm('inside'));
  const everywhere = await client.list(R.configmaps, '', { labelSelector: '' });
  assert.ok(everywhere.items.some((o) => o.metadata.namespace === 'client-ns' && o.metadata.name === 'inside'));
  const marked = await client.delete(R.namespaces, '', 'client-ns');
  assert.ok(marked?.metadata.deletionTimestamp, 'namespace deletion is only marked (finalizer)');
});

test('list pagination and label selectors', async () => {
  for (let i = 0; i < 5; i++) {
    await client.create(R.configmaps, 'default', { ...cm(`page-${i}`), metadata: { name: `page-${i}`, labels: { set: 'page', i: String(i) } } } as KubeObject);
  }
  const first = await client.list(R.configmaps, 'default', { labelSelector: 'set=page', limit: 2 });
  assert.equal(first.items.length, 2);
  assert.ok(first.metadata.continue);
  const rest = await client.list(R.configmaps, 'default', { labelSelector: 'set=page', limit: 10, continue: first.metadata.continue });
  assert.equal(rest.items.length, 3);
  const one = await client.list(R.configmaps, 'default', { labelSelector: 'set=page,i in (3)' });
  assert.deepEqual(one.items.map((o) => o.metadata.name), ['page-3']);
});

test('patches: json, merge, strategic, apply', async () => {
  await client.create(R.configmaps, 'default', cm('p', { a: '1' }));
  let o = await client.patch<any>(R.configmaps, 'default', 'p', 'json', [{ op: 'add', path: '/data/b', value: '2' }]);
  assert.deepEqual(o.data, { a: '1', b: '2' });
  o = await client.patch<any>(R.configmaps, 'default', 'p', 'merge', { data: { a: null, c: '3' } });
  assert.deepEqual(o.data, { b: '2', c: '3' });
  o = await client.patch<any>(R.configmaps, 'default', 'p', 'strategic', { metadata: { labels: { x: 'y' } } });
  assert.equal(o.metadata.labels.x, 'y');
  await assert.rejects(client.patch(R.configmaps, 'default', 'p', 'apply', {}), /fieldManager/);
  o = await client.patch<any>(R.configmaps, 'default', 'p2', 'apply', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'p2' }, data: { k: 'v' } }, { fieldManager: 'client-test' });
  assert.equal(o.data.k, 'v');
  assert.ok(o.metadata.managedFields.some((m: any) => m.manager === 'client-test' && m.operation === 'Apply'));
  // A second manager taking the same field conflicts unless forced.
  await assert.rejects(
    client.patch(R.configmaps, 'default', 'p2', 'apply', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'p2' }, data: { k: 'w' } }, { fieldManager: 'other' }),
    (e) => e instanceof ApiError && e.code === 409,
  );
  o = await client.patch<any>(R.configmaps, 'default', 'p2', 'apply', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'p2' }, data: { k: 'w' } }, { fieldManager: 'other', force: true });
  assert.equal(o.data.k, 'w');
});

const deployment = (name: string): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name },
  spec: {
    replicas: 1,
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } },
  },
} as KubeObject);

test('subresources: status and scale', async () => {
  const d = await client.create<any>(R.deployments, 'default', deployment('sub'));
  d.status = { replicas: 3, observedGeneration: 1 };
  d.spec.replicas = 7; // ignored by the status subresource
  const s = await client.update<any>(R.deployments, 'default', d, { subresource: 'status' });
  assert.equal(s.status.replicas, 3);
  assert.equal(s.spec.replicas, 1);
  const scale = await client.get<any>(R.deployments, 'default', 'sub', { subresource: 'scale' });
  assert.equal(scale.kind, 'Scale');
  assert.equal(scale.spec.replicas, 1);
  const patched = await client.patch<any>(R.deployments, 'default', 'sub', 'merge', { spec: { replicas: 4 } }, { subresource: 'scale' });
  assert.equal(patched.spec.replicas, 4);
  assert.equal((await client.get<any>(R.deployments, 'default', 'sub')).spec.replicas, 4);
});

test('createSubresource: pods/binding', async () => {
  await client.create(R.pods, 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'bind-me' }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } as KubeObject);
  await client.createSubresource(R.pods, 'default', 'bind-me', 'binding', { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'bind-me' }, target: { apiVersion: 'v1', kind: 'Node', name: 'node-1' } });
  const pod = await client.get<any>(R.pods, 'default', 'bind-me');
  assert.equal(pod.spec.nodeName, 'node-1');
  const marked = await client.delete(R.pods, 'default', 'bind-me', { gracePeriodSeconds: 30 });
  assert.ok(marked === undefined || marked.metadata.deletionTimestamp);
});

test('watch streams events from a resourceVersion and stops on abort', async () => {
  const list = await client.list(R.configmaps, 'default', { resourceVersion: '0' });
  const ac = new AbortController();
  const events: WatchEvent[] = [];
  const done = client.watch(R.configmaps, 'default', { resourceVersion: list.metadata.resourceVersion, signal: ac.signal, labelSelector: 'w=1' }, (e) => {
    events.push(e);
    if (e.type === 'DELETED') ac.abort();
  });
  await client.create(R.configmaps, 'default', { ...cm('w1'), metadata: { name: 'w1', labels: { w: '1' } } } as KubeObject);
  await client.create(R.configmaps, 'default', cm('w-unlabelled'));
  await client.patch(R.configmaps, 'default', 'w1', 'merge', { data: { big: 'x'.repeat(100_000) } });
  await client.delete(R.configmaps, 'default', 'w1');
  await done;
  assert.deepEqual(events.map((e) => e.type), ['ADDED', 'MODIFIED', 'DELETED']);
  assert.equal((events[1]!.object as any).data.big.length, 100_000);
});

test('watch resolves when the server ends the stream', async () => {
  const ac = new AbortController();
  const t0 = Date.now();
  await client.watch(R.configmaps, 'default', { timeoutSeconds: 1, signal: ac.signal, allowWatchBookmarks: true }, () => undefined);
  assert.ok(Date.now() - t0 >= 900);
});

test('watch with a bad request rejects with ApiError', async () => {
  const ac = new AbortController();
  await assert.rejects(
    client.watch(R.configmaps, 'default', { labelSelector: '!!bad', signal: ac.signal }, () => undefined),
    (e) => e instanceof ApiError && e.code === 400,
  );
});

test('many concurrent requests share one session', async () => {
  const names = Array.from({ length: 200 }, (_, i) => `conc-${i}`);
  await Promise.all(names.map((n) => client.create(R.configmaps, 'default', cm(n))));
  const got = await Promise.all(names.map((n) => client.get(R.configmaps, 'default', n)));
  assert.equal(got.length, 200);
});

test('fromKubeconfig and rate limiting', async () => {
  const k = HttpKubeClient.fromKubeconfig(cp.kubeconfigPath, { qps: 20, burst: 2 });
  const t0 = Date.now();
  await Promise.all(Array.from({ length: 6 }, () => k.get(R.namespaces, '', 'default')));
  // 2 at once, then 4 more at 20/s ≈ 200 ms.
  assert.ok(Date.now() - t0 >= 150, `took ${Date.now() - t0} ms`);
  k.close();
});

test('a new session is dialled when the old one is gone', async () => {
  await client.get(R.namespaces, '', 'default');
  const s = (client as any).session;
  assert.ok(s);
  s.destroy();
  await client.get(R.namespaces, '', 'default');
  assert.notEqual((client as any).session, s);
  // A GOAWAY from the server also moves the client to a new session.
  const s2 = (client as any).session;
  s2.goaway();
  await new Promise((r) => setTimeout(r, 20));
  await client.get(R.namespaces, '', 'default');
});

test('an unreachable server rejects requests and watches with the transport error', async () => {
  const cfg = await cp.clientConfig('admin', ['system:masters']);
  const dead = new HttpKubeClient({ ...cfg, server: 'https://127.0.0.1:1' });
  await assert.rejects(dead.get(R.namespaces, '', 'default'), (e: any) => !(e instanceof ApiError) && /ECONNREFUSED/.test(`${e.code} ${e.message}`));
  await assert.rejects(dead.watch(R.pods, '', { signal: new AbortController().signal }, () => undefined), (e: any) => !(e instanceof ApiError));
  dead.close();
});
