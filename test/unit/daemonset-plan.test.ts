import { test } from 'node:test';
import assert from 'node:assert/strict';
import { daemonPodTolerations, nodeShouldRunDaemonPod, targetNodeName, withNodeAffinity, type Node } from '../../src/controllers/daemonset/node-eligibility.js';
import { computeDaemonSetStatus, planDaemonSet, type DaemonSet, type Pod } from '../../src/controllers/daemonset/daemon-set-plan.js';

const now = new Date('2026-01-01T00:00:00Z');
const node = (name: string, labels: Record<string, string> = {}, taints: Node['spec'] extends infer S ? any : never = []): Node => ({ metadata: { name, labels }, spec: { taints } });

function ds(over: Partial<DaemonSet['spec']> = {}): DaemonSet {
  return { metadata: { name: 'agent', namespace: 'ns', uid: 'ds', generation: 1 }, spec: { selector: { matchLabels: { app: 'a' } }, template: { metadata: { labels: { app: 'a' } }, spec: {} }, ...over } };
}

let seq = 0;
function pod(nodeName: string, hash: string, opts: { ready?: boolean; phase?: string } = {}): Pod {
  seq++;
  return {
    metadata: { name: `p${seq}`, creationTimestamp: new Date(now.getTime() + seq * 1000).toISOString(), labels: { 'controller-revision-hash': hash } },
    spec: withNodeAffinity({}, nodeName),
    status: { phase: opts.phase ?? 'Running', conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True' }] },
  };
}

test('eligibility: nodeSelector, required affinity and taints', () => {
  assert.equal(nodeShouldRunDaemonPod(node('n1', { disk: 'ssd' }), { nodeSelector: { disk: 'ssd' } }).shouldRun, true);
  assert.equal(nodeShouldRunDaemonPod(node('n1'), { nodeSelector: { disk: 'ssd' } }).shouldRun, false);
  const affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a', 'b'] }] }] } } };
  assert.equal(nodeShouldRunDaemonPod(node('n1', { zone: 'b' }), { affinity }).shouldRun, true);
  assert.equal(nodeShouldRunDaemonPod(node('n1', { zone: 'c' }), { affinity }).shouldRun, false);
  const noSchedule = node('n1', {}, [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }]);
  assert.deepEqual(nodeShouldRunDaemonPod(noSchedule, {}), { shouldRun: false, shouldContinueRunning: true });
  assert.equal(nodeShouldRunDaemonPod(noSchedule, { tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }] }).shouldRun, true);
  const noExecute = node('n1', {}, [{ key: 'x', effect: 'NoExecute' }]);
  assert.deepEqual(nodeShouldRunDaemonPod(noExecute, {}), { shouldRun: false, shouldContinueRunning: false });
});

test('daemon pods tolerate not-ready, unreachable, pressure and cordon taints automatically', () => {
  for (const key of ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable']) {
    assert.equal(nodeShouldRunDaemonPod(node('n1', {}, [{ key, effect: 'NoExecute' }]), {}).shouldRun, true);
  }
  for (const key of ['node.kubernetes.io/disk-pressure', 'node.kubernetes.io/memory-pressure', 'node.kubernetes.io/pid-pressure', 'node.kubernetes.io/unschedulable']) {
    assert.equal(nodeShouldRunDaemonPod(node('n1', {}, [{ key, effect: 'NoSchedule' }]), {}).shouldRun, true);
  }
  const net = node('n1', {}, [{ key: 'node.kubernetes.io/network-unavailable', effect: 'NoSchedule' }]);
  assert.equal(nodeShouldRunDaemonPod(net, {}).shouldRun, false);
  assert.equal(nodeShouldRunDaemonPod(net, { hostNetwork: true }).shouldRun, true);
  assert.equal(daemonPodTolerations({ hostNetwork: true }).length, 7);
});

test('pods are pinned with a metadata.name matchFields term', () => {
  const spec = withNodeAffinity({ nodeSelector: { a: 'b' } }, 'n7');
  assert.deepEqual(spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution, { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n7'] }] }] });
  assert.equal(targetNodeName({ metadata: {}, spec }), 'n7');
});

test('one pod per eligible node; pods on ineligible or vanished nodes go', () => {
  const nodes = [node('n1'), node('n2', {}, [{ key: 'x', effect: 'NoExecute' }]), node('n3')];
  const onN2 = pod('n2', 'h1');
  const onGone = pod('gone', 'h1');
  const onN1 = pod('n1', 'h1');
  const dup = pod('n1', 'h1');
  const plan = planDaemonSet(ds(), nodes, [onN1, dup, onN2, onGone], 'h1', now);
  assert.deepEqual(plan.create, ['n3']);
  assert.deepEqual(plan.delete.sort(), [dup.metadata.name, onN2.metadata.name, onGone.metadata.name].sort());
});

test('failed pods are replaced', () => {
  const failed = pod('n1', 'h1', { phase: 'Failed' });
  const plan = planDaemonSet(ds(), [node('n1')], [failed], 'h1', now);
  assert.deepEqual(plan.delete, [failed.metadata.name]);
  assert.deepEqual(plan.failed, [failed.metadata.name]);
  assert.deepEqual(plan.create, ['n1']);
});

test('rolling update with maxUnavailable deletes old pods within budget', () => {
  const nodes = [node('n1'), node('n2'), node('n3')];
  const pods = [pod('n1', 'old'), pod('n2', 'old'), pod('n3', 'old')];
  const s = ds({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } } });
  assert.equal(planDaemonSet(s, nodes, pods, 'new', now).delete.length, 1);
  const two = ds({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '66%', maxSurge: 0 } } });
  assert.equal(planDaemonSet(two, nodes, pods, 'new', now).delete.length, 2);
  // One node already down: the budget is used up, but unavailable old pods are always replaced.
  const down = [pod('n1', 'old', { ready: false }), pod('n2', 'old'), pod('n3', 'old')];
  assert.deepEqual(planDaemonSet(s, nodes, down, 'new', now).delete, [down[0]!.metadata.name]);
  assert.deepEqual(planDaemonSet(ds({ updateStrategy: { type: 'OnDelete' } }), nodes, pods, 'new', now).delete, []);
});

test('rolling update with maxSurge creates first and deletes old once the new one is available', () => {
  const s = ds({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } } });
  const nodes = [node('n1'), node('n2')];
  const pods = [pod('n1', 'old'), pod('n2', 'old')];
  const first = planDaemonSet(s, nodes, pods, 'new', now);
  assert.deepEqual(first.create, ['n1']);
  assert.deepEqual(first.delete, []);
  const surged = [...pods, pod('n1', 'new')];
  const second = planDaemonSet(s, nodes, surged, 'new', now);
  assert.deepEqual(second.delete, [pods[0]!.metadata.name]);
  assert.deepEqual(second.create, []);
});

test('status counts', () => {
  const nodes = [node('n1'), node('n2'), node('n3', {}, [{ key: 'x', effect: 'NoSchedule' }])];
  const pods = [pod('n1', 'new'), pod('n2', 'old', { ready: false }), pod('n3', 'new')];
  assert.deepEqual(computeDaemonSetStatus(ds(), nodes, pods, 'new', now), {
    desiredNumberScheduled: 2,
    currentNumberScheduled: 2,
    numberMisscheduled: 1,
    numberReady: 1,
    numberAvailable: 1,
    numberUnavailable: 1,
    updatedNumberScheduled: 1,
  });
});
