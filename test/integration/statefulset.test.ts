// StatefulSet controller against a real API server: ordered creation and scale-down, PVCs that
// survive scale-down, and a rolling update to a new ControllerRevision. The test plays kubelet
// by writing pod status.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../src/api/object.js';
import { R } from '../../src/client/resources.js';
import { StatefulSetController } from '../../src/controllers/statefulset/statefulset-controller.js';
import { eventually, sleep, startHarness, type Harness } from './cluster-controllers-harness.js';

const NS = 'default';
let h: Harness;

before(async () => {
  h = await startHarness();
  await h.start((deps) => [new StatefulSetController(deps)]);
});
after(async () => h.stop());

const podNames = async (): Promise<string[]> => (await h.client.list(R.pods, NS, { labelSelector: 'app=web' })).items.filter((p) => !p.metadata.deletionTimestamp).map((p) => p.metadata.name!).sort();

async function markReady(name: string): Promise<void> {
  for (;;) {
    const p = await h.client.get(R.pods, NS, name);
    try {
      await h.client.update(R.pods, NS, { ...p, status: { phase: 'Running', podIP: '10.42.0.9', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: new Date().toISOString() }] } }, { subresource: 'status' });
      return;
    } catch (err) {
      if ((err as { code?: number }).code !== 409) throw err;
    }
  }
}

/** Waits for each expected pod in order, checking the next one does not appear before its predecessor is Ready. */
async function readyInOrder(names: string[]): Promise<void> {
  for (const name of names) {
    await eventually(async () => (await podNames()).includes(name), 10_000, `${name} created`);
    await sleep(150);
    const later = names.slice(names.indexOf(name) + 1);
    assert.deepEqual((await podNames()).filter((n) => later.includes(n)), [], `nothing after ${name} before it is ready`);
    await markReady(name);
  }
}

const sts = (image: string): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'StatefulSet',
  metadata: { name: 'web', namespace: NS },
  spec: {
    replicas: 3,
    serviceName: 'nginx',
    selector: { matchLabels: { app: 'web' } },
    template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image }] } },
    volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
  },
});

test('ordered creation, identity, claims and revisions', async () => {
  await h.client.create(R.statefulsets, NS, sts('nginx:1.0'));
  await readyInOrder(['web-0', 'web-1', 'web-2']);
  const p1 = await h.client.get(R.pods, NS, 'web-1');
  const spec = p1.spec as { hostname: string; subdomain: string; volumes: { name: string; persistentVolumeClaim?: { claimName: string } }[] };
  assert.equal(spec.hostname, 'web-1');
  assert.equal(spec.subdomain, 'nginx');
  assert.equal(spec.volumes.find((v) => v.name === 'data')?.persistentVolumeClaim?.claimName, 'data-web-1');
  assert.equal(p1.metadata.labels!['statefulset.kubernetes.io/pod-name'], 'web-1');
  assert.equal(p1.metadata.labels!['apps.kubernetes.io/pod-index'], '1');
  assert.equal(p1.metadata.ownerReferences?.[0]?.kind, 'StatefulSet');
  const claims = (await h.client.list(R.persistentvolumeclaims, NS)).items.map((c) => c.metadata.name).sort();
  assert.deepEqual(claims, ['data-web-0', 'data-web-1', 'data-web-2']);
  const status = await eventually(async () => {
    const s = (await h.client.get(R.statefulsets, NS, 'web')).status as Record<string, unknown>;
    return s?.readyReplicas === 3 ? s : undefined;
  }, 10_000, 'readyReplicas 3');
  assert.equal(status.currentRevision, status.updateRevision);
  assert.equal(p1.metadata.labels!['controller-revision-hash'], status.updateRevision);
  const revs = (await h.client.list(R.controllerrevisions, NS)).items as (KubeObject & { revision: number; data: { spec: { template: Record<string, unknown> } } })[];
  assert.equal(revs.length, 1);
  assert.equal(revs[0]!.revision, 1);
  assert.equal(revs[0]!.metadata.name, status.updateRevision);
  assert.equal(revs[0]!.data.spec.template.$patch, 'replace');
});

test('scale down goes highest first and keeps claims; scale up reuses them', async () => {
  await h.client.patch(R.statefulsets, NS, 'web', 'merge', { spec: { replicas: 1 } });
  await eventually(async () => (await podNames()).join() === 'web-0', 10_000, 'scaled down to web-0');
  const deletes = h.events.filter((e) => e.reason === 'SuccessfulDelete').map((e) => e.message);
  assert.deepEqual(deletes, ['delete Pod web-2 in StatefulSet web successful', 'delete Pod web-1 in StatefulSet web successful']);
  const claims = (await h.client.list(R.persistentvolumeclaims, NS)).items.map((c) => c.metadata.name).sort();
  assert.deepEqual(claims, ['data-web-0', 'data-web-1', 'data-web-2']);
  await h.client.patch(R.statefulsets, NS, 'web', 'merge', { spec: { replicas: 3 } });
  await readyInOrder(['web-1', 'web-2']);
  assert.equal((await h.client.list(R.persistentvolumeclaims, NS)).items.length, 3);
});

test('rolling update replaces pods from the highest ordinal down', async () => {
  const before = (await h.client.get(R.statefulsets, NS, 'web')).status as { currentRevision: string };
  await h.client.patch(R.statefulsets, NS, 'web', 'strategic', { spec: { template: { spec: { containers: [{ name: 'nginx', image: 'nginx:2.0' }] } } } });
  const order: string[] = [];
  for (const name of ['web-2', 'web-1', 'web-0']) {
    await eventually(async () => {
      const p = await h.client.get(R.pods, NS, name).catch(() => undefined);
      return p && !p.metadata.deletionTimestamp && (p.spec as { containers: { image: string }[] }).containers[0]!.image === 'nginx:2.0';
    }, 15_000, `${name} updated`);
    order.push(name);
    await markReady(name);
  }
  assert.deepEqual(order, ['web-2', 'web-1', 'web-0']);
  const s = await eventually(async () => {
    const st = (await h.client.get(R.statefulsets, NS, 'web')).status as Record<string, unknown>;
    return st.updatedReplicas === 3 && st.currentRevision === st.updateRevision && st.readyReplicas === 3 ? st : undefined;
  }, 10_000, 'rollout complete');
  assert.notEqual(s.currentRevision, before.currentRevision);
  const revs = (await h.client.list(R.controllerrevisions, NS)).items as (KubeObject & { revision: number })[];
  assert.deepEqual(revs.map((r) => r.revision).sort(), [1, 2]);
});

test('rollout undo (the revision data sent back as a strategic merge patch) renumbers the old revision', async () => {
  const revs = (await h.client.list(R.controllerrevisions, NS)).items as (KubeObject & { revision: number; data: unknown })[];
  const first = revs.find((r) => r.revision === 1)!;
  await h.client.patch(R.statefulsets, NS, 'web', 'strategic', first.data);
  for (const name of ['web-2', 'web-1', 'web-0']) {
    await eventually(async () => {
      const p = await h.client.get(R.pods, NS, name).catch(() => undefined);
      return p && !p.metadata.deletionTimestamp && (p.spec as { containers: { image: string }[] }).containers[0]!.image === 'nginx:1.0';
    }, 15_000, `${name} rolled back`);
    await markReady(name);
  }
  const after = (await h.client.list(R.controllerrevisions, NS)).items as (KubeObject & { revision: number })[];
  assert.equal(after.find((r) => r.metadata.name === first.metadata.name)?.revision, 3);
  const st = (await h.client.get(R.statefulsets, NS, 'web')).status as { updateRevision: string };
  assert.equal(st.updateRevision, first.metadata.name);
});
