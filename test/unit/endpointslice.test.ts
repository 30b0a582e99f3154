import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../src/api/object.js';
import { reconcileSlices } from '../../src/controllers/endpointslice/slices.js';

const svc = (spec: any): KubeObject => ({ metadata: { name: 'web', namespace: 'default', uid: 'svc-uid', labels: { team: 'a' } }, spec });
const pod = (i: number, o: { ready?: boolean; deleting?: boolean; port?: number } = {}): KubeObject => ({
  metadata: { name: `p${i}`, namespace: 'default', uid: `uid-${i}`, labels: { app: 'web' }, ...(o.deleting ? { deletionTimestamp: 'x' } : {}) },
  spec: { nodeName: 'n1', containers: [{ name: 'c', ports: [{ name: 'http', containerPort: o.port ?? 8080 }] }] },
  status: { podIP: `10.0.${Math.floor(i / 250)}.${i % 250}`, phase: 'Running', conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True' }] },
});
const S = svc({ selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }] });
const named = (slices: KubeObject[]) => slices.map((s, i) => ({ ...s, metadata: { ...s.metadata, name: `web-${i}`, uid: `s${i}` } }));

test('creates slices of at most max endpoints with labels and owner', () => {
  const pods = Array.from({ length: 250 }, (_, i) => pod(i));
  const ch = reconcileSlices(S, pods, [], { maxEndpointsPerSlice: 100 });
  assert.equal(ch.create.length, 3);
  assert.deepEqual(ch.create.map((s: any) => s.endpoints.length), [100, 100, 50]);
  const s = ch.create[0] as any;
  assert.equal(s.metadata.generateName, 'web-');
  assert.equal(s.metadata.labels['kubernetes.io/service-name'], 'web');
  assert.equal(s.metadata.labels['endpointslice.kubernetes.io/managed-by'], 'endpointslice-controller.k8s.io');
  assert.equal(s.metadata.labels.team, 'a');
  assert.deepEqual(s.metadata.ownerReferences[0], { apiVersion: 'v1', kind: 'Service', name: 'web', uid: 'svc-uid', controller: true, blockOwnerDeletion: true });
  assert.deepEqual(s.ports, [{ name: 'http', port: 8080, protocol: 'TCP' }]);
  assert.equal(s.addressType, 'IPv4');
});

test('steady state makes no changes; a new pod fills free room', () => {
  const pods = [pod(1), pod(2)];
  const existing = named(reconcileSlices(S, pods, []).create);
  const again = reconcileSlices(S, JSON.parse(JSON.stringify(pods)), JSON.parse(JSON.stringify(existing)));
  assert.deepEqual(again, { create: [], update: [], delete: [] });
  const more = reconcileSlices(S, [...pods, pod(3)], existing);
  assert.equal(more.create.length, 0);
  assert.equal(more.update.length, 1);
  assert.equal((more.update[0] as any).endpoints.length, 3);
  assert.equal(more.update[0]!.metadata.name, 'web-0');
});

test('conditions: terminating pods stay with terminating=true, ready=false', () => {
  const ch = reconcileSlices(S, [pod(1, { deleting: true }), pod(2, { ready: false })], []);
  const eps = (ch.create[0] as any).endpoints;
  assert.deepEqual(eps[0].conditions, { ready: false, serving: true, terminating: true });
  assert.deepEqual(eps[1].conditions, { ready: false, serving: false, terminating: false });
});

test('different resolved ports go to different slices; gone pods shrink or delete slices', () => {
  const ch = reconcileSlices(S, [pod(1), pod(2, { port: 9090 })], []);
  assert.equal(ch.create.length, 2);
  const existing = named(ch.create);
  const after = reconcileSlices(S, [pod(1)], existing);
  assert.equal(after.delete.length, 1);
  assert.equal(after.update.length, 0);
});

test('no endpoints keeps a single empty placeholder slice', () => {
  const ch = reconcileSlices(S, [], []);
  assert.equal(ch.create.length, 1);
  assert.deepEqual((ch.create[0] as any).endpoints, []);
  const existing = named(reconcileSlices(S, [pod(1)], []).create);
  const emptied = reconcileSlices(S, [], existing);
  assert.equal(emptied.delete.length + emptied.update.length + emptied.create.length >= 1, true);
  const placeholder = named(ch.create);
  assert.deepEqual(reconcileSlices(S, [], placeholder), { create: [], update: [], delete: [] });
});
