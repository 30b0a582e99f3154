import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../src/api/object.js';
import { computePdbStatus, scaledValue } from '../../src/controllers/disruption/pdb-status.js';

const pod = (name: string, ready = true, o: { deleting?: boolean; owner?: boolean } = {}): KubeObject => ({
  metadata: {
    name,
    namespace: 'ns',
    ...(o.deleting ? { deletionTimestamp: 'x' } : {}),
    ...(o.owner === false ? {} : { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'rs-uid', controller: true }] }),
  },
  status: { conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
});
const pdb = (spec: any, status: any = {}): KubeObject => ({ metadata: { name: 'b', namespace: 'ns', generation: 3 }, spec, status });
const lookup = (replicas: number) => () => ({ uid: 'deploy', replicas });
const NOW = Date.parse('2024-01-01T00:10:00Z');

test('scaled values round up percents', () => {
  assert.equal(scaledValue('50%', 5, true), 3);
  assert.equal(scaledValue('50%', 5, false), 2);
  assert.equal(scaledValue(2, 5, true), 2);
});

test('minAvailable int counts selected pods', () => {
  const { status } = computePdbStatus(pdb({ minAvailable: 2 }), [pod('a'), pod('b'), pod('c'), pod('d', false)], lookup(4), NOW);
  assert.equal(status.expectedPods, 4);
  assert.equal(status.desiredHealthy, 2);
  assert.equal(status.currentHealthy, 3);
  assert.equal(status.disruptionsAllowed, 1);
  assert.equal(status.observedGeneration, 3);
  assert.deepEqual({ ...status.conditions[0], lastTransitionTime: '' }, { type: 'DisruptionAllowed', status: 'True', reason: 'SufficientPods', message: '', observedGeneration: 3, lastTransitionTime: '' });
});

test('maxUnavailable and percent minAvailable use the controllers scale', () => {
  const pods = [pod('a'), pod('b'), pod('c')];
  let s = computePdbStatus(pdb({ maxUnavailable: '25%' }), pods, lookup(4), NOW).status;
  assert.deepEqual([s.expectedPods, s.desiredHealthy, s.currentHealthy, s.disruptionsAllowed], [4, 3, 3, 0]);
  assert.equal(s.conditions[0]!.reason, 'InsufficientPods');
  s = computePdbStatus(pdb({ minAvailable: '50%' }), pods, lookup(4), NOW).status;
  assert.deepEqual([s.expectedPods, s.desiredHealthy, s.disruptionsAllowed], [4, 2, 1]);
});

test('terminating and recently disrupted pods are not healthy; stale entries expire', () => {
  const pods = [pod('a'), pod('b', true, { deleting: true }), pod('c')];
  const recent = new Date(NOW - 60_000).toISOString();
  const old = new Date(NOW - 180_000).toISOString();
  const { status, nextCheckMs } = computePdbStatus(pdb({ minAvailable: 0 }, { disruptedPods: { c: recent, a: old } }), pods, lookup(3), NOW);
  assert.equal(status.currentHealthy, 1);
  assert.deepEqual(status.disruptedPods, { c: recent });
  assert.equal(nextCheckMs, NOW + 60_000);
});

test('pods without a known controller fail safe', () => {
  const { status } = computePdbStatus(pdb({ maxUnavailable: 1 }), [pod('a', true, { owner: false })], lookup(1), NOW);
  assert.equal(status.disruptionsAllowed, 0);
  assert.equal(status.conditions[0]!.reason, 'SyncFailed');
  assert.match(status.conditions[0]!.message, /found no controller ref/);
});
