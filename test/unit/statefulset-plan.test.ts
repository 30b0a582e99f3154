import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../src/api/object.js';
import { computeStatefulSetStatus, planStatefulSet } from '../../src/controllers/statefulset/stateful-set-plan.js';
import { claimsForOrdinal, desiredClaimOwners, newStatefulSetPod, ordinalOf, type StatefulSet } from '../../src/controllers/statefulset/stateful-pod-identity.js';

const now = new Date('2026-01-01T00:00:00Z');

function set(over: Partial<StatefulSet['spec']> = {}): StatefulSet {
  return {
    metadata: { name: 'web', namespace: 'ns', uid: 'set-uid', generation: 2 },
    spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, serviceName: 'nginx', template: { metadata: { labels: { app: 'web' } }, spec: { containers: [] } }, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } }, ...over },
  };
}

function pod(ordinal: number, opts: { ready?: boolean; phase?: string; rev?: string; deleting?: boolean } = {}): KubeObject {
  const ready = opts.ready ?? true;
  return {
    metadata: { name: `web-${ordinal}`, uid: `u${ordinal}`, labels: { 'controller-revision-hash': opts.rev ?? 'web-new' }, ...(opts.deleting ? { deletionTimestamp: now.toISOString() } : {}) },
    status: { phase: opts.phase ?? 'Running', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
  };
}

const input = (s: StatefulSet, pods: KubeObject[]) => ({ set: s, pods, currentRevision: 'web-old', updateRevision: 'web-new', now });

test('ordinals come from names <set>-<n> only', () => {
  assert.equal(ordinalOf('web', 'web-12'), 12);
  assert.equal(ordinalOf('web', 'web-01'), -1);
  assert.equal(ordinalOf('web', 'webx-1'), -1);
  assert.equal(ordinalOf('web', 'web-a'), -1);
});

test('OrderedReady creates one pod at a time, lowest ordinal first', () => {
  assert.deepEqual(planStatefulSet(input(set(), [])).create, [{ ordinal: 0, revision: 'update' }]);
  assert.deepEqual(planStatefulSet(input(set(), [pod(0, { ready: false })])).create, []);
  assert.deepEqual(planStatefulSet(input(set(), [pod(0)])).create, [{ ordinal: 1, revision: 'update' }]);
});

test('Parallel creates every missing pod at once', () => {
  const plan = planStatefulSet(input(set({ podManagementPolicy: 'Parallel' }), [pod(1, { ready: false })]));
  assert.deepEqual(plan.create.map((c) => c.ordinal), [0, 2]);
});

test('scale down removes the highest ordinal first, one at a time', () => {
  const s = set({ replicas: 1 });
  const plan = planStatefulSet(input(s, [pod(0), pod(1), pod(2)]));
  assert.deepEqual(plan.delete, ['web-2']);
  assert.deepEqual(plan.condemned, [2, 1]);
  // While web-2 terminates, web-1 waits.
  assert.deepEqual(planStatefulSet(input(s, [pod(0), pod(1), pod(2, { deleting: true })])).delete, []);
  // Parallel deletes all condemned pods at once.
  assert.deepEqual(planStatefulSet(input(set({ replicas: 1, podManagementPolicy: 'Parallel' }), [pod(0), pod(1), pod(2)])).delete, ['web-2', 'web-1']);
});

test('failed pods are deleted so they can be recreated', () => {
  assert.deepEqual(planStatefulSet(input(set(), [pod(0), pod(1, { phase: 'Failed' })])).delete, ['web-1']);
});

test('rolling update replaces the highest ordinal first and respects the partition', () => {
  const old = [pod(0, { rev: 'web-old' }), pod(1, { rev: 'web-old' }), pod(2, { rev: 'web-old' })];
  assert.deepEqual(planStatefulSet(input(set(), old)).delete, ['web-2']);
  const mid = [pod(0, { rev: 'web-old' }), pod(1, { rev: 'web-old' }), pod(2, { ready: false })];
  assert.deepEqual(planStatefulSet(input(set(), mid)).delete, [], 'waits for the updated pod to be ready');
  const partitioned = set({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } } });
  assert.deepEqual(planStatefulSet(input(partitioned, [pod(0, { rev: 'web-old' }), pod(1, { rev: 'web-old' }), pod(2)])).delete, []);
  assert.deepEqual(planStatefulSet(input(partitioned, [pod(0, { rev: 'web-old' })])).create, [{ ordinal: 1, revision: 'current' }]);
  assert.deepEqual(planStatefulSet(input(set({ updateStrategy: { type: 'OnDelete' } }), old)).delete, []);
});

test('status counts revisions and completes a finished rollout', () => {
  const s = computeStatefulSetStatus(set(), [pod(0, { rev: 'web-old' }), pod(1), pod(2, { ready: false })], 'web-old', 'web-new', 0, now);
  assert.deepEqual({ ...s }, { observedGeneration: 2, replicas: 3, readyReplicas: 2, currentReplicas: 1, updatedReplicas: 2, availableReplicas: 2, currentRevision: 'web-old', updateRevision: 'web-new', collisionCount: 0 });
  const done = computeStatefulSetStatus(set(), [pod(0), pod(1), pod(2)], 'web-old', 'web-new', 0, now);
  assert.equal(done.currentRevision, 'web-new');
  assert.equal(done.currentReplicas, 3);
});

test('pods get stable identity, claims and hostname', () => {
  const s = set({ volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { resources: { requests: { storage: '1Gi' } } } } as KubeObject] });
  const p = newStatefulSetPod(s, s.spec.template, 1, 'web-abc', { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: 'set-uid', controller: true, blockOwnerDeletion: true });
  assert.equal(p.metadata.name, 'web-1');
  assert.deepEqual(p.metadata.labels, { app: 'web', 'statefulset.kubernetes.io/pod-name': 'web-1', 'apps.kubernetes.io/pod-index': '1', 'controller-revision-hash': 'web-abc' });
  const spec = p.spec as { hostname: string; subdomain: string; volumes: unknown[] };
  assert.equal(spec.hostname, 'web-1');
  assert.equal(spec.subdomain, 'nginx');
  assert.deepEqual(spec.volumes, [{ name: 'data', persistentVolumeClaim: { claimName: 'data-web-1' } }]);
  const [claim] = claimsForOrdinal(s, 1);
  assert.equal(claim!.metadata.name, 'data-web-1');
  assert.deepEqual(claim!.metadata.labels, { app: 'web' });
});

test('claim owners follow persistentVolumeClaimRetentionPolicy', () => {
  const claim: KubeObject = { metadata: { name: 'data-web-2' } };
  const p = pod(2);
  assert.deepEqual(desiredClaimOwners(claim, set(), p, true), []);
  const del = set({ persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Delete', whenScaled: 'Delete' } });
  assert.deepEqual(desiredClaimOwners(claim, del, p, false).map((r) => r.kind), ['StatefulSet']);
  // A condemned pod becomes the only owner: the set would otherwise keep the claim alive.
  assert.deepEqual(desiredClaimOwners(claim, del, p, true).map((r) => r.kind), ['Pod']);
});
