// The official JavaScript client (@kubernetes/client-node v2) against k8ts: typed CRUD, the three patch
// content types, a raw Watch and an Informer.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { useCluster, type Cluster } from '../support/cluster.js';

const NS = 'client-node-e2e';

let cluster: Cluster;
let kc: k8s.KubeConfig;
let core: k8s.CoreV1Api;
let apps: k8s.AppsV1Api;

const patchAs = (strategy: k8s.PatchStrategy) => k8s.setHeaderOptions('Content-Type', strategy);

before(async () => {
  cluster = await useCluster();
  kc = new k8s.KubeConfig();
  kc.loadFromFile(cluster.kubeconfig);
  core = kc.makeApiClient(k8s.CoreV1Api);
  apps = kc.makeApiClient(k8s.AppsV1Api);
  await core.createNamespace({ body: { metadata: { name: NS } } });
});

after(async () => {
  if (core) await core.deleteNamespace({ name: NS }).catch(() => {});
  if (cluster) await cluster.stop();
});

/** Resolves when pred holds for a recorded event, polling the array the callbacks fill. */
async function eventually<T>(events: T[], pred: (e: T) => boolean, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const hit = events.find(pred);
    if (hit !== undefined) return hit;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; saw ${JSON.stringify(events).slice(0, 2000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function statusCode(e: unknown): number | undefined {
  return (e as { code?: number }).code;
}

test('ConfigMap: create, list, read, merge patch, strategic patch, json patch, delete', async () => {
  const created = await core.createNamespacedConfigMap({
    namespace: NS,
    body: { metadata: { name: 'cfg', labels: { app: 'demo' } }, data: { a: '1' } },
  });
  assert.equal(created.metadata?.name, 'cfg');
  assert.ok(created.metadata?.uid);
  assert.ok(created.metadata?.resourceVersion);

  const list = await core.listNamespacedConfigMap({ namespace: NS, labelSelector: 'app=demo' });
  assert.deepEqual(list.items.map((c) => c.metadata?.name), ['cfg']);
  assert.ok(list.metadata?.resourceVersion);

  const read = await core.readNamespacedConfigMap({ name: 'cfg', namespace: NS });
  assert.deepEqual(read.data, { a: '1' });

  const merged = await core.patchNamespacedConfigMap(
    { name: 'cfg', namespace: NS, body: { data: { b: '2' } } }, patchAs(k8s.PatchStrategy.MergePatch));
  assert.deepEqual(merged.data, { a: '1', b: '2' });

  const strategic = await core.patchNamespacedConfigMap(
    { name: 'cfg', namespace: NS, body: { data: { a: null, c: '3' } } }, patchAs(k8s.PatchStrategy.StrategicMergePatch));
  assert.deepEqual(strategic.data, { b: '2', c: '3' });

  const json = await core.patchNamespacedConfigMap(
    { name: 'cfg', namespace: NS, body: [{ op: 'replace', path: '/data/b', value: 'two' }] }, patchAs(k8s.PatchStrategy.JsonPatch));
  assert.deepEqual(json.data, { b: 'two', c: '3' });
  assert.notEqual(json.metadata?.resourceVersion, created.metadata?.resourceVersion);

  await core.deleteNamespacedConfigMap({ name: 'cfg', namespace: NS });
  await assert.rejects(core.readNamespacedConfigMap({ name: 'cfg', namespace: NS }), (e) => statusCode(e) === 404);
});

test('ConfigMap: create of an existing name is 409, read of a missing one is 404', async () => {
  await core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name: 'dup' } } });
  await assert.rejects(core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name: 'dup' } } }),
    (e) => statusCode(e) === 409);
  await assert.rejects(core.readNamespacedConfigMap({ name: 'nope', namespace: NS }), (e) => statusCode(e) === 404);
  await core.deleteNamespacedConfigMap({ name: 'dup', namespace: NS });
});

test('Deployment: create, list, read, strategic patch merges containers by name, merge patch, delete', async () => {
  const body: k8s.V1Deployment = {
    metadata: { name: 'web' },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          containers: [
            { name: 'web', image: 'nginx:1.25', ports: [{ containerPort: 80 }] },
            { name: 'side', image: 'busybox' },
          ],
        },
      },
    },
  };
  const created = await apps.createNamespacedDeployment({ namespace: NS, body });
  assert.equal(created.metadata?.generation, 1);
  // API defaulting, as upstream
  assert.equal(created.spec?.strategy?.type, 'RollingUpdate');
  assert.equal(created.spec?.revisionHistoryLimit, 10);
  assert.equal(created.spec?.template.spec?.containers[0]?.ports?.[0]?.protocol, 'TCP');

  const list = await apps.listNamespacedDeployment({ namespace: NS });
  assert.deepEqual(list.items.map((d) => d.metadata?.name), ['web']);
  const read = await apps.readNamespacedDeployment({ name: 'web', namespace: NS });
  assert.equal(read.spec?.replicas, 2);

  const smp = await apps.patchNamespacedDeployment({
    name: 'web', namespace: NS,
    body: { spec: { template: { spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] } } } },
  }, patchAs(k8s.PatchStrategy.StrategicMergePatch));
  const containers = smp.spec?.template.spec?.containers ?? [];
  assert.deepEqual(containers.map((c) => [c.name, c.image]), [['web', 'nginx:1.27'], ['side', 'busybox']]);
  assert.equal(containers[0]?.ports?.[0]?.containerPort, 80, 'strategic merge keeps fields not in the patch');
  assert.equal(smp.metadata?.generation, 2, 'a spec change bumps generation');

  const merged = await apps.patchNamespacedDeployment(
    { name: 'web', namespace: NS, body: { spec: { replicas: 3 } } }, patchAs(k8s.PatchStrategy.MergePatch));
  assert.equal(merged.spec?.replicas, 3);

  await apps.deleteNamespacedDeployment({ name: 'web', namespace: NS });
  await assert.rejects(apps.readNamespacedDeployment({ name: 'web', namespace: NS }), (e) => statusCode(e) === 404);
});

test('Watch delivers ADDED, MODIFIED and DELETED', async () => {
  const events: Array<{ type: string; name?: string; data?: Record<string, string> }> = [];
  let doneErr: unknown = 'not done';
  const watch = new k8s.Watch(kc);
  const controller = await watch.watch(`/api/v1/namespaces/${NS}/configmaps`, {},
    (type, obj) => events.push({ type, name: obj?.metadata?.name, data: obj?.data }),
    (err) => { doneErr = err; });
  try {
    await core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name: 'watched' }, data: { v: '1' } } });
    await eventually(events, (e) => e.type === 'ADDED' && e.name === 'watched', 'ADDED');
    await core.patchNamespacedConfigMap(
      { name: 'watched', namespace: NS, body: { data: { v: '2' } } }, patchAs(k8s.PatchStrategy.MergePatch));
    const mod = await eventually(events, (e) => e.type === 'MODIFIED' && e.name === 'watched', 'MODIFIED');
    assert.deepEqual(mod.data, { v: '2' });
    await core.deleteNamespacedConfigMap({ name: 'watched', namespace: NS });
    await eventually(events, (e) => e.type === 'DELETED' && e.name === 'watched', 'DELETED');
    assert.equal(doneErr, 'not done', 'the watch stays open');
  } finally {
    controller.abort();
  }
});

test('Informer sees add, update and delete', async () => {
  const path = `/api/v1/namespaces/${NS}/configmaps`;
  const informer = k8s.makeInformer(kc, path, () => core.listNamespacedConfigMap({ namespace: NS }));
  const events: Array<{ verb: string; name?: string; v?: string }> = [];
  const errors: unknown[] = [];
  for (const verb of [k8s.ADD, k8s.UPDATE, k8s.DELETE] as const) {
    informer.on(verb, (obj: k8s.V1ConfigMap) => events.push({ verb, name: obj.metadata?.name, v: obj.data?.v }));
  }
  informer.on(k8s.ERROR, (err) => errors.push(err));
  await core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name: 'pre-existing' } } });
  await informer.start();
  try {
    await eventually(events, (e) => e.verb === k8s.ADD && e.name === 'pre-existing', 'initial list ADD');
    await core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name: 'informed' }, data: { v: '1' } } });
    await eventually(events, (e) => e.verb === k8s.ADD && e.name === 'informed', 'add');
    await core.patchNamespacedConfigMap(
      { name: 'informed', namespace: NS, body: { data: { v: '2' } } }, patchAs(k8s.PatchStrategy.MergePatch));
    await eventually(events, (e) => e.verb === k8s.UPDATE && e.name === 'informed' && e.v === '2', 'update');
    assert.equal(informer.get('informed', NS)?.data?.v, '2', 'the cache holds the latest object');
    await core.deleteNamespacedConfigMap({ name: 'informed', namespace: NS });
    await eventually(events, (e) => e.verb === k8s.DELETE && e.name === 'informed', 'delete');
    assert.equal(informer.get('informed', NS), undefined);
    assert.deepEqual(errors, []);
  } finally {
    await informer.stop();
    await core.deleteNamespacedConfigMap({ name: 'pre-existing', namespace: NS }).catch(() => {});
  }
});
