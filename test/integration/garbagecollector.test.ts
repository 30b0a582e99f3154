import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../src/api/object.js';
import { R } from '../../src/client/resources.js';
import { isNotFound } from '../../src/client/types.js';
import { GarbageCollector } from '../../src/controllers/garbagecollector/garbagecollector-controller.js';
import { eventually, sleep, startHarness, type Harness } from './cluster-controllers-harness.js';

let h: Harness;
const NS = 'default';

before(async () => {
  h = await startHarness();
  await h.start((deps) => [new GarbageCollector(deps)]);
});
after(async () => h?.stop());

const cm = (name: string, owners: KubeObject[] = [], block = true): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: {
    name,
    namespace: NS,
    ownerReferences: owners.map((o) => ({ apiVersion: 'v1', kind: 'ConfigMap', name: o.metadata.name!, uid: o.metadata.uid!, blockOwnerDeletion: block })),
  },
});
const gone = async (name: string) => {
  try {
    await h.client.get(R.configmaps, NS, name);
    return false;
  } catch (err) {
    return isNotFound(err);
  }
};

test('background: dependents of a deleted owner are deleted; multi-owner dependents survive', async () => {
  const owner = await h.client.create(R.configmaps, NS, cm('bg-owner'));
  const other = await h.client.create(R.configmaps, NS, cm('bg-other'));
  await h.client.create(R.configmaps, NS, cm('bg-dep', [owner]));
  await h.client.create(R.configmaps, NS, cm('bg-shared', [owner, other]));
  await h.client.delete(R.configmaps, NS, 'bg-owner', { propagationPolicy: 'Background' });
  await eventually(() => gone('bg-dep'), 10_000, 'bg-dep deleted');
  const shared = await eventually(async () => {
    const o = await h.client.get(R.configmaps, NS, 'bg-shared');
    return o.metadata.ownerReferences?.length === 1 ? o : undefined;
  }, 10_000, 'bg-shared unlinked');
  assert.equal(shared.metadata.ownerReferences![0]!.uid, other.metadata.uid);
});

test('dangling reference to an owner that never existed is collected', async () => {
  const fake = { metadata: { name: 'never', uid: '00000000-0000-0000-0000-000000000001' } } as KubeObject;
  await h.client.create(R.configmaps, NS, cm('dangling', [fake]));
  await eventually(() => gone('dangling'), 10_000, 'dangling deleted');
});

test('foreground: owner waits for blocking dependents, then goes', async () => {
  const owner = await h.client.create(R.configmaps, NS, cm('fg-owner'));
  const child = await h.client.create(R.configmaps, NS, cm('fg-child', [owner]));
  // A grandchild holding a finalizer of its own keeps the chain in foreground deletion.
  const grand = await h.client.create(R.configmaps, NS, { ...cm('fg-grand', [child]), metadata: { ...cm('fg-grand', [child]).metadata, finalizers: ['test.k8ts.io/hold'] } });
  await h.client.delete(R.configmaps, NS, 'fg-owner', { propagationPolicy: 'Foreground' });
  await eventually(async () => !!(await h.client.get(R.configmaps, NS, 'fg-child')).metadata.deletionTimestamp, 10_000, 'child deleting');
  await eventually(async () => !!(await h.client.get(R.configmaps, NS, 'fg-grand')).metadata.deletionTimestamp, 10_000, 'grandchild deleting');
  await sleep(300);
  const o = await h.client.get(R.configmaps, NS, 'fg-owner');
  assert.ok(o.metadata.finalizers?.includes('foregroundDeletion'));
  await h.client.patch(R.configmaps, NS, 'fg-grand', 'merge', { metadata: { finalizers: null } });
  await eventually(() => gone('fg-grand'), 10_000, 'grandchild gone');
  await eventually(() => gone('fg-child'), 10_000, 'child gone');
  await eventually(() => gone('fg-owner'), 10_000, 'owner gone');
  assert.ok(grand.metadata.uid);
});

test('orphan: dependents lose the reference and stay; owner goes', async () => {
  const owner = await h.client.create(R.configmaps, NS, cm('or-owner'));
  await h.client.create(R.configmaps, NS, cm('or-dep', [owner]));
  await h.client.delete(R.configmaps, NS, 'or-owner', { propagationPolicy: 'Orphan' });
  await eventually(() => gone('or-owner'), 10_000, 'owner gone');
  const dep = await h.client.get(R.configmaps, NS, 'or-dep');
  assert.equal(dep.metadata.ownerReferences, undefined);
});

test('cross-resource: a Deployment-owned ReplicaSet and its pods are collected', async () => {
  const deploy = await h.client.create(R.deployments, NS, {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'gc-web', namespace: NS },
    spec: { replicas: 0, selector: { matchLabels: { app: 'gc-web' } }, template: { metadata: { labels: { app: 'gc-web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
  });
  const owner = (o: KubeObject, kind: string, apiVersion: string) => [{ apiVersion, kind, name: o.metadata.name!, uid: o.metadata.uid!, controller: true, blockOwnerDeletion: true }];
  const rs = await h.client.create(R.replicasets, NS, {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name: 'gc-web-1', namespace: NS, ownerReferences: owner(deploy, 'Deployment', 'apps/v1') },
    spec: { replicas: 0, selector: { matchLabels: { app: 'gc-web' } }, template: { metadata: { labels: { app: 'gc-web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
  });
  await h.client.create(R.pods, NS, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'gc-web-1-a', namespace: NS, labels: { app: 'gc-web' }, ownerReferences: owner(rs, 'ReplicaSet', 'apps/v1') },
    spec: { containers: [{ name: 'c', image: 'nginx' }] },
  });
  await h.client.delete(R.deployments, NS, 'gc-web');
  await eventually(async () => {
    try {
      await h.client.get(R.replicasets, NS, 'gc-web-1');
      return false;
    } catch (err) {
      return isNotFound(err);
    }
  }, 10_000, 'rs gone');
  // Pods on no node are deleted at once (no kubelet to wait for) or marked terminating.
  await eventually(async () => {
    try {
      const p = await h.client.get(R.pods, NS, 'gc-web-1-a');
      return !!p.metadata.deletionTimestamp;
    } catch (err) {
      return isNotFound(err);
    }
  }, 10_000, 'pod deleted');
});
