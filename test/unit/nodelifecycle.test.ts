import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../src/api/object.js';
import { observeHealth, unknownConditions } from '../../src/controllers/nodelifecycle/node-health.js';
import { evictionTime, reconcileTaints, tolerates } from '../../src/controllers/nodelifecycle/taints.js';
import { notReadyConditions, orphanedPods } from '../../src/controllers/nodelifecycle/pods.js';

const node = (ready: string | undefined, extra: any = {}): KubeObject => ({
  metadata: { name: 'n1', creationTimestamp: '2024-01-01T00:00:00Z' },
  spec: extra.spec ?? {},
  status: { conditions: ready ? [{ type: 'Ready', status: ready, lastHeartbeatTime: extra.hb ?? 'h1' }] : [] },
});
const lease = (t: string): KubeObject => ({ metadata: { name: 'n1' }, spec: { renewTime: t } });
const G = { monitorGraceMs: 40_000, startupGraceMs: 60_000 };

test('heartbeat changes reset the silence timer', () => {
  let h = observeHealth(undefined, node('True'), lease('t1'), 1000);
  assert.equal(h.probeTimestamp, 1000);
  h = observeHealth(h, node('True'), lease('t1'), 5000);
  assert.equal(h.probeTimestamp, 1000);
  h = observeHealth(h, node('True'), lease('t2'), 6000);
  assert.equal(h.probeTimestamp, 6000);
  h = observeHealth(h, node('True', { hb: 'h2' }), lease('t2'), 7000);
  assert.equal(h.probeTimestamp, 7000);
});

test('silence beyond grace makes kubelet conditions Unknown', () => {
  const h = { probeTimestamp: 0 };
  assert.equal(unknownConditions(node('True'), h, 40_000, G), undefined);
  const conds = unknownConditions(node('True'), h, 40_001, G)!;
  const ready = conds.find((c) => c.type === 'Ready')!;
  assert.equal(ready.status, 'Unknown');
  assert.equal(ready.reason, 'NodeStatusUnknown');
  assert.equal(ready.message, 'Kubelet stopped posting node status.');
  assert.equal(conds.find((c) => c.type === 'MemoryPressure')!.reason, 'NodeStatusNeverUpdated');
  // A node that never posted status gets the startup grace.
  assert.equal(unknownConditions(node(undefined), h, 50_000, G), undefined);
  assert.equal(unknownConditions(node(undefined), h, 60_001, G)!.find((c) => c.type === 'Ready')!.reason, 'NodeStatusNeverUpdated');
  // Already Unknown everywhere: no write.
  assert.equal(unknownConditions({ ...node('True'), status: { conditions: conds } } as KubeObject, h, 90_000, G), undefined);
});

test('taints follow the Ready condition and keep foreign taints', () => {
  const t = reconcileTaints(node('Unknown', { spec: { taints: [{ key: 'x', effect: 'NoSchedule' }] } }), 'T')!;
  assert.deepEqual(t, [
    { key: 'x', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: 'T' },
    { key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule' },
  ]);
  assert.equal(reconcileTaints({ ...node('Unknown'), spec: { taints: t } } as KubeObject, 'T2'), undefined);
  assert.deepEqual(reconcileTaints({ ...node('True'), spec: { taints: t } } as KubeObject, 'T2'), [{ key: 'x', effect: 'NoSchedule' }]);
  const nr = reconcileTaints(node('False'), 'T')!;
  assert.deepEqual(nr.map((x) => `${x.key}:${x.effect}`), ['node.kubernetes.io/not-ready:NoExecute', 'node.kubernetes.io/not-ready:NoSchedule']);
  assert.deepEqual(reconcileTaints(node('True', { spec: { unschedulable: true } }), 'T'), [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }]);
  assert.equal(reconcileTaints(node(undefined), 'T'), undefined);
});

test('eviction time from tolerations', () => {
  const taints = [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' as const, timeAdded: new Date(10_000).toISOString() }];
  const pod = (tolerations: any[]): KubeObject => ({ metadata: { name: 'p' }, spec: { tolerations } });
  assert.equal(evictionTime(pod([]), taints, 20_000), 'now');
  assert.equal(evictionTime(pod([{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }]), taints, 20_000), 310_000);
  assert.equal(evictionTime(pod([{ operator: 'Exists' }]), taints, 20_000), undefined);
  assert.equal(evictionTime(pod([{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', tolerationSeconds: 0 }]), taints, 20_000), 'now');
  assert.equal(evictionTime(pod([]), [{ key: 'a', effect: 'NoSchedule' }], 0), undefined);
  assert.equal(tolerates({ key: 'a', operator: 'Equal', value: 'b' }, { key: 'a', value: 'b', effect: 'NoExecute' }), true);
  assert.equal(tolerates({ key: 'a', value: 'c' }, { key: 'a', value: 'b', effect: 'NoExecute' }), false);
  assert.equal(tolerates({ key: 'a', operator: 'Exists', effect: 'NoSchedule' }, { key: 'a', effect: 'NoExecute' }), false);
});

test('pods: not-ready marking and orphans after quarantine', () => {
  const p = (uid: string, nodeName?: string, ready = 'True'): KubeObject => ({ metadata: { name: uid, uid }, spec: { nodeName }, status: { conditions: [{ type: 'Ready', status: ready }, { type: 'PodScheduled', status: 'True' }] } });
  assert.deepEqual(notReadyConditions(p('a', 'n1'), 'T'), [{ type: 'Ready', status: 'False', lastTransitionTime: 'T' }, { type: 'PodScheduled', status: 'True' }]);
  assert.equal(notReadyConditions(p('a', 'n1', 'False'), 'T'), undefined);
  const pods = [p('a', 'gone'), p('b', 'n1'), p('c')];
  const first = orphanedPods(pods, (n) => n === 'n1', new Map(), 1000, 40_000);
  assert.deepEqual([...first.seen.keys()], ['a']);
  assert.equal(first.due.length, 0);
  const later = orphanedPods(pods, (n) => n === 'n1', first.seen, 41_000, 40_000);
  assert.deepEqual(later.due.map((x) => x.metadata.uid), ['a']);
});
