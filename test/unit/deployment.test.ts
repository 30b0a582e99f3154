import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ReplicaSet } from '../../src/controllers/replicaset/types.js';
import type { Deployment } from '../../src/controllers/deployment/types.js';
import { computeHash, templatesEqualIgnoringHash } from '../../src/controllers/deployment/hash.js';
import { maxSurge, maxUnavailable, resolveFenceposts, scaledValue } from '../../src/controllers/deployment/fenceposts.js';
import { findNewReplicaSet, newRSFromTemplate, newRSNewReplicas } from '../../src/controllers/deployment/replica-sets.js';
import { setNewReplicaSetAnnotations, setDeploymentRevision, maxRevision } from '../../src/controllers/deployment/annotations.js';
import { reconcileRollingUpdate } from '../../src/controllers/deployment/rolling.js';
import { isScalingEvent, planScale } from '../../src/controllers/deployment/scale.js';
import { replicaSetsToCleanUp } from '../../src/controllers/deployment/cleanup.js';
import { oldPodsRunning } from '../../src/controllers/deployment/recreate.js';
import { calculateStatus, pausedCondition, rolloutStatus } from '../../src/controllers/deployment/status.js';

const T0 = Date.parse('2024-01-01T00:00:00Z');
const iso = (s: number) => new Date(T0 + s * 1000).toISOString().replace(/\.\d+Z$/, 'Z');

function deployment(replicas: number, image = 'app:1.0', extra: Partial<Deployment['spec']> = {}): Deployment {
  return {
    metadata: { name: 'web', namespace: 'ns', uid: 'd-uid', generation: 1, annotations: {} },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image }] } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 1 } },
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
      ...extra,
    },
    status: { observedGeneration: 1 },
  };
}

let seq = 0;
function rsFor(d: Deployment, replicas: number, available = replicas, revision?: number): ReplicaSet {
  const rs = newRSFromTemplate(d);
  rs.metadata.uid = `rs-${++seq}`;
  rs.metadata.creationTimestamp = iso(seq);
  rs.spec.replicas = replicas;
  rs.status = { replicas, readyReplicas: available, availableReplicas: available };
  if (revision) rs.metadata.annotations = { 'deployment.kubernetes.io/revision': String(revision) };
  return rs;
}

test('computeHash: stable, template-sensitive, collision-count-sensitive, safe alphabet', () => {
  const a = deployment(1).spec.template;
  const same = JSON.parse(JSON.stringify(a));
  assert.equal(computeHash(a), computeHash(same));
  assert.notEqual(computeHash(a), computeHash(deployment(1, 'app:2.0').spec.template));
  assert.notEqual(computeHash(a), computeHash(a, 1));
  assert.match(computeHash(a), /^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
  // key order does not matter
  assert.equal(computeHash({ spec: { b: 1, a: 2 } }), computeHash({ spec: { a: 2, b: 1 } }));
});

test('templatesEqualIgnoringHash and newRSFromTemplate', () => {
  const d = deployment(3);
  const rs = newRSFromTemplate(d);
  const hash = computeHash(d.spec.template);
  assert.equal(rs.metadata.name, `web-${hash}`);
  assert.equal(rs.spec.template.metadata?.labels?.['pod-template-hash'], hash);
  assert.equal(rs.spec.selector.matchLabels?.['pod-template-hash'], hash);
  assert.equal(rs.metadata.labels?.['pod-template-hash'], hash);
  assert.equal(rs.metadata.ownerReferences?.[0]?.kind, 'Deployment');
  assert.equal(d.spec.template.metadata?.labels?.['pod-template-hash'], undefined, 'deployment untouched');
  assert.ok(templatesEqualIgnoringHash(rs.spec.template, d.spec.template));
  assert.ok(!templatesEqualIgnoringHash(rs.spec.template, deployment(3, 'app:2.0').spec.template));
  // empty and missing are the same
  assert.ok(templatesEqualIgnoringHash({ metadata: { labels: {} }, spec: { volumes: [] } }, { spec: {} }));
  assert.equal(findNewReplicaSet(d, [rsFor(deployment(3, 'x'), 1), rs]), rs);
});

test('fenceposts: percents round surge up and unavailable down; never both zero', () => {
  assert.equal(scaledValue('25%', 10, true), 3);
  assert.equal(scaledValue('25%', 10, false), 2);
  assert.equal(scaledValue(4, 10, false), 4);
  assert.throws(() => scaledValue('4', 10, false));
  assert.deepEqual(resolveFenceposts('25%', '25%', 10), { surge: 3, unavailable: 2 });
  assert.deepEqual(resolveFenceposts(0, '10%', 5), { surge: 0, unavailable: 1 });
  assert.deepEqual(resolveFenceposts('0%', 0, 3), { surge: 0, unavailable: 1 });
  const d = deployment(10);
  assert.equal(maxSurge(d), 1);
  assert.equal(maxUnavailable(d), 1);
  assert.equal(maxUnavailable(deployment(2, 'x', { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 5 } } })), 2);
  const recreate = deployment(3, 'x', { strategy: { type: 'Recreate' } });
  assert.equal(maxSurge(recreate), 0);
  assert.equal(maxUnavailable(recreate), 0);
});

test('revision annotations: copy, raise, rollback records history, replicas annotations on create', () => {
  const d = deployment(3);
  d.metadata.annotations = { 'kubernetes.io/change-cause': 'v2', 'kubectl.kubernetes.io/last-applied-configuration': '{}', 'deployment.kubernetes.io/revision': '1' };
  const rs = newRSFromTemplate(d);
  assert.ok(setNewReplicaSetAnnotations(d, rs, 1, false, 3, 4));
  assert.deepEqual(rs.metadata.annotations, {
    'kubernetes.io/change-cause': 'v2',
    'deployment.kubernetes.io/revision': '1',
    'deployment.kubernetes.io/desired-replicas': '3',
    'deployment.kubernetes.io/max-replicas': '4',
  });
  assert.ok(!setNewReplicaSetAnnotations(d, rs, 1, true, 3, 4), 'nothing to change');
  // rolled back to: becomes revision 3, remembers 1
  assert.ok(setNewReplicaSetAnnotations(d, rs, 3, true, 3, 4));
  assert.equal((rs.metadata.annotations as Record<string, string>)['deployment.kubernetes.io/revision'], '3');
  assert.equal((rs.metadata.annotations as Record<string, string>)['deployment.kubernetes.io/revision-history'], '1');
  setNewReplicaSetAnnotations(d, rs, 5, true, 3, 4);
  assert.equal((rs.metadata.annotations as Record<string, string>)['deployment.kubernetes.io/revision-history'], '1,3');
  assert.equal(maxRevision([rs, rsFor(d, 0, 0, 4)]), 5);
  assert.ok(setDeploymentRevision(d, '5'));
  assert.ok(!setDeploymentRevision(d, '5'));
});

test('newRSNewReplicas: rolling grows within surge; recreate jumps to desired', () => {
  const d = deployment(10);
  const old = rsFor(deployment(10, 'old'), 10);
  const fresh = rsFor(d, 0);
  assert.equal(newRSNewReplicas(d, [old, fresh], fresh), 1);
  assert.equal(newRSNewReplicas(deployment(10, 'x', { strategy: { type: 'Recreate' } }), [old, fresh], fresh), 10);
});

/**
 * The seed's case: 10 replicas, maxSurge 1, maxUnavailable 1, image 1.0 → 2.0. Simulates the
 * deployment controller, the ReplicaSet controller (pods appear not ready, deleted pods vanish)
 * and pods becoming ready one at a time; checks the bounds after every step.
 */
test('rolling update 10 replicas maxSurge 1 maxUnavailable 1 stays within 9..11', () => {
  const d = deployment(10, 'app:2.0');
  const v1 = rsFor(deployment(10, 'app:1.0'), 10, 10, 1);
  const pods = new Map<ReplicaSet, { ready: boolean }[]>([[v1, Array.from({ length: 10 }, () => ({ ready: true }))]]);
  let rss: ReplicaSet[] = [v1];
  const refreshStatus = () => {
    for (const rs of rss) {
      const ps = pods.get(rs) ?? [];
      const ready = ps.filter((p) => p.ready).length;
      rs.status = { replicas: ps.length, readyReplicas: ready, availableReplicas: ready };
    }
  };
  const check = (step: number) => {
    let total = 0;
    let available = 0;
    for (const ps of pods.values()) {
      total += ps.length;
      available += ps.filter((p) => p.ready).length;
    }
    assert.ok(total <= 11, `step ${step}: ${total} pods`);
    assert.ok(available >= 9, `step ${step}: ${available} available`);
    return { total, available };
  };
  let v2: ReplicaSet | undefined;
  let maxTotal = 0;
  for (let step = 0; step < 200; step++) {
    // deployment controller
    if (!v2) {
      v2 = newRSFromTemplate(d);
      v2.metadata.uid = 'v2';
      v2.metadata.creationTimestamp = iso(100);
      v2.spec.replicas = newRSNewReplicas(d, [...rss, v2], v2);
      v2.status = { replicas: 0 };
      rss = [...rss, v2];
      pods.set(v2, []);
    } else {
      const plan = reconcileRollingUpdate(d, v2, rss.filter((r) => r !== v2));
      for (const a of plan.actions) a.rs.spec.replicas = a.replicas;
    }
    // replicaset controller: deletes not-ready pods first, creates not-ready pods
    for (const rs of rss) {
      const ps = pods.get(rs)!;
      const want = rs.spec.replicas ?? 0;
      while (ps.length > want) {
        const i = ps.findIndex((p) => !p.ready);
        ps.splice(i >= 0 ? i : ps.length - 1, 1);
      }
      while (ps.length < want) ps.push({ ready: false });
    }
    refreshStatus();
    maxTotal = Math.max(maxTotal, check(step).total);
    // one pod becomes ready
    const pending = pods.get(v2)!.find((p) => !p.ready);
    if (pending) pending.ready = true;
    refreshStatus();
    check(step);
    const done = pods.get(v2)!.filter((p) => p.ready).length === 10 && pods.get(v1)!.length === 0;
    if (done) break;
  }
  assert.equal(v2!.spec.replicas, 10);
  assert.equal(v1.spec.replicas, 0);
  assert.equal(pods.get(v2!)!.filter((p) => p.ready).length, 10);
  assert.equal(maxTotal, 11, 'surge used');
});

test('rolling update: unhealthy old replicas are scaled down first', () => {
  const d = deployment(10, 'new');
  const old = rsFor(deployment(10, 'old'), 10, 6);
  const fresh = rsFor(d, 1, 0);
  const plan = reconcileRollingUpdate(d, fresh, [old]);
  // all 11, minAvailable 9, new unavailable 1 → may remove 1 (an unhealthy one)
  assert.deepEqual(plan.actions.map((a) => [a.rs.metadata.uid, a.replicas]), [[old.metadata.uid, 9]]);
  assert.equal(plan.phase, 'scaled-down');
});

test('rolling update: new replica set scales down when above desired', () => {
  const d = deployment(3);
  const fresh = rsFor(d, 5);
  const plan = reconcileRollingUpdate(d, fresh, []);
  assert.deepEqual(plan.actions.map((a) => a.replicas), [3]);
});

test('proportional scaling during a rollout', () => {
  // upstream scale test: 10 → 20 replicas with two active sets (3 new, 8 old), maxSurge 3
  const d = deployment(20, 'new', { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 3, maxUnavailable: 2 } } });
  const prev = deployment(10, 'new', { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 3, maxUnavailable: 2 } } });
  const fresh = rsFor(d, 5, 0);
  const old = rsFor(deployment(10, 'old'), 8, 8);
  for (const rs of [fresh, old]) rs.metadata.annotations = { 'deployment.kubernetes.io/desired-replicas': '10', 'deployment.kubernetes.io/max-replicas': '13' };
  assert.ok(isScalingEvent(d, fresh, [old]));
  assert.ok(!isScalingEvent(prev, fresh, [old]));
  const actions = planScale(d, fresh, [old]);
  const sizes = Object.fromEntries(actions.map((a) => [a.rs.metadata.uid, a.replicas]));
  // allowed 23, currently 13 → +10 split 5:8 of 13 → new +4 (rounded 9.. ) and old +6
  assert.equal(sizes[fresh.metadata.uid!]! + sizes[old.metadata.uid!]!, 23);
  assert.equal(sizes[old.metadata.uid!], 14);
  assert.equal(sizes[fresh.metadata.uid!], 9);
});

test('scaling a single active replica set sets it to desired', () => {
  const d = deployment(5);
  const only = rsFor(d, 3);
  assert.deepEqual(planScale(d, only, [rsFor(deployment(1, 'old'), 0)]).map((a) => a.replicas), [5]);
});

test('revisionHistoryLimit cleanup: oldest revisions, only when scaled down and settled', () => {
  const d = deployment(1, 'x', { revisionHistoryLimit: 1 });
  const r1 = rsFor(deployment(1, 'a'), 0, 0, 1);
  const r2 = rsFor(deployment(1, 'b'), 0, 0, 2);
  const r3 = rsFor(deployment(1, 'c'), 0, 0, 3);
  r1.status = { replicas: 0, observedGeneration: 0 };
  r2.status = { replicas: 1, observedGeneration: 0 };
  r3.status = { replicas: 0, observedGeneration: 0 };
  assert.deepEqual(replicaSetsToCleanUp(d, [r3, r2, r1]).map((r) => r.metadata.uid), [r1.metadata.uid]);
  assert.deepEqual(replicaSetsToCleanUp(deployment(1, 'x', { revisionHistoryLimit: 5 }), [r3, r2, r1]), []);
});

test('Recreate waits for old pods to finish', () => {
  const old = rsFor(deployment(1, 'old'), 0, 0);
  old.status = { replicas: 0 };
  const pod = (phase: string) => ({ metadata: { name: 'p', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'x', uid: old.metadata.uid!, controller: true }] }, status: { phase } }) as any;
  assert.ok(oldPodsRunning(undefined, [old], [pod('Running')]));
  assert.ok(!oldPodsRunning(undefined, [old], [pod('Succeeded')]));
  assert.ok(oldPodsRunning(undefined, [{ ...old, status: { replicas: 1 } }], []));
});

test('status: counts and the Available condition', () => {
  const d = deployment(10);
  const now = new Date(T0);
  const s = calculateStatus(d, [rsFor(deployment(10, 'old'), 2, 2), rsFor(d, 9, 7)], undefined, now);
  assert.equal(s.replicas, 11);
  assert.equal(s.availableReplicas, 9);
  assert.equal(s.unavailableReplicas, 2);
  assert.equal(s.updatedReplicas, 0);
  assert.deepEqual(s.conditions?.map((c) => [c.type, c.status, c.reason]), [['Available', 'True', 'MinimumReplicasAvailable']]);
  const low = calculateStatus(d, [rsFor(d, 10, 5)], undefined, now);
  assert.deepEqual(low.conditions?.map((c) => [c.type, c.status, c.reason]), [['Available', 'False', 'MinimumReplicasUnavailable']]);
});

test('rollout status: progressing, complete, and progress deadline exceeded', () => {
  const d = deployment(3, 'x', { progressDeadlineSeconds: 60 });
  const fresh = rsFor(d, 3, 1);
  const t = new Date(T0);
  const r1 = rolloutStatus(d, [fresh], fresh, t);
  const prog = r1.status.conditions!.find((c) => c.type === 'Progressing')!;
  assert.equal(prog.reason, 'ReplicaSetUpdated');
  assert.equal(prog.message, `ReplicaSet "${fresh.metadata.name}" is progressing.`);
  // no progress for longer than the deadline
  d.status = r1.status;
  const stuck = rolloutStatus(d, [fresh], fresh, new Date(T0 + 30_000));
  assert.equal(stuck.changed, false);
  assert.ok(stuck.requeueAfterMs! > 30_000 && stuck.requeueAfterMs! <= 31_000);
  const late = rolloutStatus(d, [fresh], fresh, new Date(T0 + 61_000));
  const timedOut = late.status.conditions!.find((c) => c.type === 'Progressing')!;
  assert.deepEqual([timedOut.status, timedOut.reason], ['False', 'ProgressDeadlineExceeded']);
  assert.equal(timedOut.message, `ReplicaSet "${fresh.metadata.name}" has timed out progressing.`);
  // completes
  const done = rsFor(d, 3, 3);
  d.status = r1.status;
  const ok = rolloutStatus(d, [done], done, t);
  assert.equal(ok.status.conditions!.find((c) => c.type === 'Progressing')!.reason, 'NewReplicaSetAvailable');
  assert.equal(ok.status.updatedReplicas, 3);
  assert.equal(ok.status.availableReplicas, 3);
});

test('paused and resumed conditions', () => {
  const d = deployment(1, 'x', { paused: true });
  const c = pausedCondition(d, new Date(T0))!;
  assert.deepEqual([c.type, c.status, c.reason, c.message], ['Progressing', 'Unknown', 'DeploymentPaused', 'Deployment is paused']);
  d.status = { conditions: [c] };
  assert.equal(pausedCondition(d, new Date(T0)), undefined);
  d.spec.paused = false;
  assert.equal(pausedCondition(d, new Date(T0))?.reason, 'DeploymentResumed');
});
