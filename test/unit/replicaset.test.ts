import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, ReplicaSet } from '../../src/controllers/replicaset/types.js';
import { comparePodsForDeletion, podsToDelete } from '../../src/controllers/replicaset/ranking.js';
import { planReplicas } from '../../src/controllers/replicaset/manage.js';
import { calculateReplicaSetStatus, replicaSetStatusEqual } from '../../src/controllers/replicaset/status.js';
import { claimDecision, adoptPatch, releasePatch, newControllerRef } from '../../src/controllers/replicaset/controller-ref.js';
import { podFromTemplate } from '../../src/controllers/replicaset/pod-template.js';
import { ControllerExpectations } from '../../src/controllers/replicaset/expectations.js';
import { slowStartBatch } from '../../src/controllers/replicaset/slow-start.js';
import { isPodAvailable, msUntilAvailable } from '../../src/controllers/replicaset/pod-util.js';
import { selectorFromSpec } from '../../src/api/selectors/label-selector.js';

const T0 = Date.parse('2024-01-01T00:00:00Z');
const iso = (s: number) => new Date(T0 + s * 1000).toISOString().replace(/\.\d+Z$/, 'Z');

function pod(name: string, o: { node?: string; phase?: 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown'; ready?: boolean; readySince?: number; created?: number; restarts?: number; labels?: Record<string, string>; owner?: string; cost?: string } = {}): Pod {
  const p: Pod = {
    metadata: { name, namespace: 'ns', uid: `uid-${name}`, creationTimestamp: iso(o.created ?? 0), labels: o.labels ?? { app: 'web' } },
    spec: o.node ? { nodeName: o.node } : {},
    status: { phase: o.phase ?? 'Running', conditions: [{ type: 'Ready', status: o.ready ? 'True' : 'False', lastTransitionTime: iso(o.readySince ?? 0) }], containerStatuses: [{ name: 'c', restartCount: o.restarts ?? 0 }] },
  };
  if (o.owner) p.metadata.ownerReferences = [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: o.owner, controller: true }];
  if (o.cost) p.metadata.annotations = { 'controller.kubernetes.io/pod-deletion-cost': o.cost };
  return p;
}

function rs(replicas: number, extra: Partial<ReplicaSet['spec']> = {}): ReplicaSet {
  return {
    metadata: { name: 'web', namespace: 'ns', uid: 'rs-uid', generation: 2 },
    spec: { replicas, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web', tier: 'fe' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } }, ...extra },
  };
}

test('deletion ranking: unassigned < pending < not ready < ready; newer first', () => {
  const unassigned = pod('unassigned', { phase: 'Pending' });
  const pending = pod('pending', { node: 'n1', phase: 'Pending' });
  const notReady = pod('notready', { node: 'n1' });
  const readyNew = pod('ready-new', { node: 'n2', ready: true, readySince: 100, created: 50 });
  const readyOld = pod('ready-old', { node: 'n3', ready: true, readySince: 10, created: 5 });
  const sorted = [readyOld, readyNew, notReady, pending, unassigned].sort((a, b) => comparePodsForDeletion(a, b));
  assert.deepEqual(sorted.map((p) => p.metadata.name), ['unassigned', 'pending', 'notready', 'ready-new', 'ready-old']);
});

test('deletion ranking: deletion cost, doubled-up nodes, restarts, creation time', () => {
  const cheap = pod('cheap', { node: 'n1', ready: true, cost: '-10' });
  const normal = pod('normal', { node: 'n2', ready: true });
  assert.ok(comparePodsForDeletion(cheap, normal) < 0);
  const a = pod('a', { node: 'n1', ready: true });
  const b = pod('b', { node: 'n2', ready: true });
  assert.ok(comparePodsForDeletion(a, b, 3, 1) < 0, 'doubled-up pod first');
  const crashy = pod('crashy', { node: 'n1', ready: true, restarts: 5 });
  assert.ok(comparePodsForDeletion(crashy, b) < 0, 'more restarts first');
  const newer = pod('newer', { node: 'n1', ready: true, created: 10 });
  const older = pod('older', { node: 'n1', ready: true, created: 1 });
  assert.ok(comparePodsForDeletion(newer, older) < 0);
  const related = [pod('x', { node: 'n1' }), pod('y', { node: 'n1' }), a, b];
  assert.deepEqual(podsToDelete([a, b], 1, related).map((p) => p.metadata.name), ['a']);
});

test('planReplicas: create the shortfall, delete the best candidates, cap at burst', () => {
  assert.deepEqual(planReplicas(rs(3), [pod('a')]), { action: 'create', count: 2 });
  assert.deepEqual(planReplicas(rs(1000), []), { action: 'create', count: 500 });
  const plan = planReplicas(rs(1), [pod('ready', { node: 'n', ready: true }), pod('notready', { node: 'n' })]);
  assert.equal(plan.action, 'delete');
  assert.deepEqual(plan.action === 'delete' && plan.pods.map((p) => p.metadata.name), ['notready']);
  assert.deepEqual(planReplicas(rs(2), [pod('a'), pod('b')]), { action: 'none' });
});

test('status: counts, fully labeled, availability after minReadySeconds, ReplicaFailure', () => {
  const now = new Date(T0 + 60_000);
  const pods = [
    pod('a', { ready: true, readySince: 0, labels: { app: 'web', tier: 'fe' } }),
    pod('b', { ready: true, readySince: 55 }),
    pod('c'),
  ];
  const s = calculateReplicaSetStatus(rs(4, { minReadySeconds: 10 }), pods, undefined, now);
  assert.deepEqual(s, { replicas: 3, fullyLabeledReplicas: 1, readyReplicas: 2, availableReplicas: 1, observedGeneration: 2 });
  const failed = calculateReplicaSetStatus(rs(4), pods, new Error('quota exceeded'), now);
  assert.equal(failed.conditions?.[0]?.type, 'ReplicaFailure');
  assert.equal(failed.conditions?.[0]?.reason, 'FailedCreate');
  assert.equal(failed.conditions?.[0]?.message, 'quota exceeded');
  const withFailure = { ...rs(4), status: failed };
  assert.equal(calculateReplicaSetStatus(withFailure, pods, undefined, now).conditions, undefined, 'cleared by a clean round');
  assert.ok(replicaSetStatusEqual(s, { ...s }));
  assert.ok(!replicaSetStatusEqual(s, { ...s, readyReplicas: 3 }));
  assert.equal(isPodAvailable(pods[1]!, 10, now), false);
  assert.equal(msUntilAvailable(pods[1]!, 10, now), 5001);
});

test('claim: adopt orphans that match, release own that stopped matching, ignore others', () => {
  const owner = rs(1);
  const matches = selectorFromSpec(owner.spec.selector);
  assert.equal(claimDecision(owner, pod('orphan'), matches), 'adopt');
  assert.equal(claimDecision(owner, pod('mine', { owner: 'rs-uid' }), matches), 'keep');
  assert.equal(claimDecision(owner, pod('moved', { owner: 'rs-uid', labels: { app: 'other' } }), matches), 'release');
  assert.equal(claimDecision(owner, pod('theirs', { owner: 'other' }), matches), 'ignore');
  assert.equal(claimDecision(owner, pod('stranger', { labels: { app: 'db' } }), matches), 'ignore');
  const deleting = { ...owner, metadata: { ...owner.metadata, deletionTimestamp: iso(1) } };
  assert.equal(claimDecision(deleting, pod('orphan'), matches), 'ignore');
  assert.equal(claimDecision(deleting, pod('moved', { owner: 'rs-uid', labels: { app: 'other' } }), matches), 'keep');
  const ref = newControllerRef(owner, 'apps/v1', 'ReplicaSet');
  assert.deepEqual(ref, { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: 'rs-uid', controller: true, blockOwnerDeletion: true });
  assert.deepEqual(adoptPatch(pod('p'), ref), { metadata: { ownerReferences: [ref], uid: 'uid-p' } });
  assert.deepEqual(releasePatch(pod('p'), 'rs-uid'), { metadata: { ownerReferences: [{ $patch: 'delete', uid: 'rs-uid' }], uid: 'uid-p' } });
});

test('podFromTemplate: generateName, labels, owner, copied spec', () => {
  const owner = rs(1);
  const p = podFromTemplate(owner.spec.template, owner, newControllerRef(owner, 'apps/v1', 'ReplicaSet'));
  assert.equal(p.metadata.generateName, 'web-');
  assert.deepEqual(p.metadata.labels, { app: 'web', tier: 'fe' });
  assert.equal(p.metadata.ownerReferences?.[0]?.controller, true);
  assert.notEqual(p.spec, owner.spec.template.spec);
  assert.deepEqual(p.spec, owner.spec.template.spec);
});

test('expectations: satisfied only after creations and deletions are observed, or expiry', () => {
  let now = T0;
  const e = new ControllerExpectations({ now: () => new Date(now) }, 1000);
  assert.ok(e.satisfied('k'));
  e.expectCreations('k', 2);
  assert.ok(!e.satisfied('k'));
  e.creationObserved('k');
  e.lowerCreations('k', 1);
  assert.ok(e.satisfied('k'));
  e.expectDeletions('k', ['ns/a', 'ns/b']);
  e.deletionObserved('k', 'ns/a');
  e.deletionObserved('k', 'ns/a');
  assert.ok(!e.satisfied('k'));
  now += 2000;
  assert.ok(e.satisfied('k'), 'expired');
});

test('slowStartBatch: batches of 1, 2, 4, ... stopping at the first failing batch', async () => {
  const batches: number[] = [];
  let inFlight = 0;
  let calls = 0;
  const r = await slowStartBatch(10, 1, async () => {
    calls++;
    inFlight++;
    await new Promise((res) => setImmediate(res));
    batches.push(inFlight);
    inFlight--;
  });
  assert.deepEqual(r, { successes: 10 });
  assert.equal(calls, 10);
  let n = 0;
  const failing = await slowStartBatch(20, 1, async () => {
    if (++n === 5) throw new Error('boom');
  });
  // batches 1, 2, 4: the 5th call is in the third batch; the rest never run
  assert.equal(n, 7);
  assert.equal(failing.successes, 6);
  assert.equal(failing.error?.message, 'boom');
});
