import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '../../src/scheduler/api-types.js';
import { CycleState } from '../../src/scheduler/framework.js';
import { PodInfo } from '../../src/scheduler/node-info.js';
import { defaultFramework } from '../../src/scheduler/profile.js';
import { numFeasibleNodesToFind, schedulePod } from '../../src/scheduler/schedule-one.js';
import { ImageLocality } from '../../src/scheduler/plugins/ImageLocality.js';
import { NodeAffinity } from '../../src/scheduler/plugins/NodeAffinity.js';
import { NodePorts } from '../../src/scheduler/plugins/NodePorts.js';
import { balancedAllocationScore } from '../../src/scheduler/plugins/NodeResourcesBalancedAllocation.js';
import { insufficientResources, leastAllocatedScore } from '../../src/scheduler/plugins/NodeResourcesFit.js';
import { NodeUnschedulable } from '../../src/scheduler/plugins/NodeUnschedulable.js';
import { TaintToleration } from '../../src/scheduler/plugins/TaintToleration.js';
import { cacheWith, node, pod } from './scheduler-fixtures.js';

const fw = defaultFramework();
const decide = (p: Pod, cache: ReturnType<typeof cacheWith>) => schedulePod(fw, new PodInfo(p), cache, { nextStartNodeIndex: 0, random: () => 0.5 }).result;
const placedOn = (p: Pod, cache: ReturnType<typeof cacheWith>) => {
  const r = decide(p, cache);
  assert.equal(r.kind, 'scheduled', r.kind === 'unschedulable' ? r.message : '');
  return r.kind === 'scheduled' ? r.node : '';
};
const st = new CycleState();

test('NodeResourcesFit: requests vs allocatable and pod count, upstream reasons', () => {
  const c = cacheWith([node('n', { cpu: '1', memory: '1Gi', pods: '2' })], [[pod('a', { cpu: '600m' }), 'n']]);
  const n = c.get('n')!;
  assert.deepEqual(insufficientResources(new PodInfo(pod('x', { cpu: '500m', memory: '2Gi' })), n), ['Insufficient cpu', 'Insufficient memory']);
  assert.equal(insufficientResources(new PodInfo(pod('y', { cpu: '400m' })), n), null);
  c.addOrUpdatePod({ ...pod('b'), spec: { ...pod('b').spec, nodeName: 'n' } });
  assert.deepEqual(insufficientResources(new PodInfo(pod('z')), n), ['Too many pods']);
});

test('LeastAllocated and BalancedAllocation scores', () => {
  const c = cacheWith([node('n', { cpu: '4', memory: '4Gi' })]);
  const n = c.get('n')!;
  // cpu (4000-1000)/4000=75, mem (4-2)/4=50 → 62
  assert.equal(leastAllocatedScore(new PodInfo(pod('p', { cpu: '1', memory: '2Gi' })), n), 62);
  // fractions .25 and .5 → std .125 → 87
  assert.equal(balancedAllocationScore(new PodInfo(pod('p', { cpu: '1', memory: '2Gi' })), n), 87);
});

test('NodeUnschedulable and TaintToleration filters with upstream reasons', () => {
  const c = cacheWith([node('cordoned', { unschedulable: true }), node('tainted', { taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }] })]);
  const p = new PodInfo(pod('p'));
  assert.deepEqual(new NodeUnschedulable().filter(st, p, c.get('cordoned')!)?.reasons, ['node(s) were unschedulable']);
  const tolerant = new PodInfo(pod('t', { tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }] }));
  assert.equal(new NodeUnschedulable().filter(st, tolerant, c.get('cordoned')!), null);
  const tt = new TaintToleration();
  assert.deepEqual(tt.filter(st, p, c.get('tainted')!)?.reasons, ['node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }']);
  assert.equal(tt.filter(st, new PodInfo(pod('t', { tolerations: [{ operator: 'Exists' }] })), c.get('tainted')!), null);
});

test('TaintToleration prefers nodes without untolerated PreferNoSchedule taints', () => {
  const c = cacheWith([node('a', { taints: [{ key: 'k', value: 'v', effect: 'PreferNoSchedule' }] }), node('b')]);
  assert.equal(placedOn(pod('p'), c), 'b');
  void TaintToleration;
});

test('NodeAffinity: nodeSelector, required terms (In/NotIn/Gt/matchFields) and preferred weights', () => {
  const c = cacheWith([node('a', { labels: { disk: 'ssd', gen: '5' } }), node('b', { labels: { disk: 'hdd', gen: '3' } })]);
  const na = new NodeAffinity();
  const sel = new PodInfo(pod('p', { nodeSelector: { disk: 'ssd' } }));
  const s = new CycleState();
  na.preFilter(s, sel);
  assert.equal(na.filter(s, sel, c.get('a')!), null);
  assert.deepEqual(na.filter(s, sel, c.get('b')!)?.reasons, ["node(s) didn't match Pod's node affinity/selector"]);
  const gt = pod('g', { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'gen', operator: 'Gt', values: ['4'] }] }] } } } });
  assert.equal(placedOn(gt, c), 'a');
  const byName = pod('f', { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['b'] }] }] } } } });
  assert.equal(placedOn(byName, c), 'b');
  const pref = pod('q', { affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 50, preference: { matchExpressions: [{ key: 'disk', operator: 'NotIn', values: ['ssd'] }] } }] } } });
  assert.equal(placedOn(pref, c), 'b');
});

test('NodePorts: conflicting hostPorts', () => {
  const withPort = (name: string, hostPort: number, hostIP?: string) => {
    const p = pod(name);
    p.spec.containers[0]!.ports = [{ containerPort: 80, hostPort, hostIP }];
    return p;
  };
  const c = cacheWith([node('n')], [[withPort('a', 8080), 'n']]);
  const np = new NodePorts();
  assert.deepEqual(np.filter(st, new PodInfo(withPort('b', 8080, '10.0.0.1')), c.get('n')!)?.reasons, ["node(s) didn't have free ports for the requested pod ports"]);
  assert.equal(np.filter(st, new PodInfo(withPort('c', 8081)), c.get('n')!), null);
});

test('InterPodAffinity: required affinity, anti-affinity and existing pods anti-affinity', () => {
  const zone = (z: string) => ({ 'topology.kubernetes.io/zone': z });
  const c = cacheWith(
    [node('a1', { labels: zone('a') }), node('a2', { labels: zone('a') }), node('b1', { labels: zone('b') })],
    [[pod('db', { labels: { app: 'db' } }), 'a1']],
  );
  const term = (app: string, key = 'topology.kubernetes.io/zone') => [{ labelSelector: { matchLabels: { app } }, topologyKey: key }];
  const near = pod('web', { labels: { app: 'web' }, affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: term('db') } } });
  assert.match(placedOn(near, c), /^a/);
  const far = pod('cache', { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: term('db') } } });
  assert.equal(placedOn(far, c), 'b1');
  // An existing pod repels pods matching its anti-affinity.
  c.addOrUpdatePod({ ...pod('loner', { labels: { app: 'loner' }, affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: term('x', 'kubernetes.io/hostname') } } }), spec: { ...pod('loner').spec, nodeName: 'b1', affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: term('x', 'kubernetes.io/hostname') } } } });
  const x = pod('x', { labels: { app: 'x' }, nodeSelector: { 'kubernetes.io/hostname': 'b1' } });
  const r = decide(x, c);
  assert.equal(r.kind, 'unschedulable');
  // Self-affinity: the first pod of a group may go anywhere.
  const self = pod('s', { labels: { app: 'grp' }, affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: term('grp') } } });
  assert.equal(decide(self, c).kind, 'scheduled');
  const unmatched = pod('u', { labels: { app: 'other' }, affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: term('nothing') } } });
  const ru = decide(unmatched, c);
  assert.equal(ru.kind === 'unschedulable' && ru.message.startsWith("0/3 nodes are available: 3 node(s) didn't match pod affinity rules."), true);
});

test('InterPodAffinity preferred anti-affinity spreads replicas', () => {
  const c = cacheWith([node('a'), node('b')], [[pod('r1', { labels: { app: 'r' } }), 'a']]);
  const r2 = pod('r2', { labels: { app: 'r' }, affinity: { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: { labelSelector: { matchLabels: { app: 'r' } }, topologyKey: 'kubernetes.io/hostname' } }] } } });
  assert.equal(placedOn(r2, c), 'b');
});

test('PodTopologySpread: DoNotSchedule maxSkew and missing label', () => {
  const zone = (z: string) => ({ 'topology.kubernetes.io/zone': z });
  const c = cacheWith(
    [node('a1', { labels: zone('a') }), node('b1', { labels: zone('b') }), node('nolabel')],
    [[pod('p1', { labels: { app: 's' } }), 'a1']],
  );
  const spread = (name: string) =>
    pod(name, { labels: { app: 's' }, topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 's' } } }] });
  assert.equal(placedOn(spread('p2'), c), 'b1');
  const r = decide(spread('p3'), cacheWith([node('a1', { labels: zone('a') }), node('b1', { labels: zone('b') })], [[pod('x1', { labels: { app: 's' } }), 'a1'], [pod('x2', { labels: { app: 's' } }), 'a1']]));
  assert.equal(r.kind === 'scheduled' && r.node, 'b1');
  const blocked = decide(spread('p4'), cacheWith([node('a1', { labels: zone('a') }), node('nolabel')], []));
  assert.equal(blocked.kind, 'scheduled');
  const onlyNoLabel = decide(spread('p5'), cacheWith([node('nolabel')]));
  assert.equal(onlyNoLabel.kind === 'unschedulable' && onlyNoLabel.message.startsWith("0/1 nodes are available: 1 node(s) didn't match pod topology spread constraints (missing required label)."), true);
});

test('PodTopologySpread: ScheduleAnyway and system defaults prefer emptier domains', () => {
  const c = cacheWith([node('a'), node('b')], [[pod('r1', { labels: { app: 'r' } }), 'a'], [pod('r2', { labels: { app: 'r' } }), 'a']]);
  c.setLookups({ namespaceLabels: () => undefined, ownerSelectors: (p) => (p.labels?.app === 'r' ? [(l) => l?.app === 'r'] : []) });
  assert.equal(placedOn(pod('r3', { labels: { app: 'r' } }), c), 'b');
});

test('ImageLocality prefers nodes holding large images', () => {
  const big = [{ names: ['docker.io/library/big:1.0', 'big:1.0'], sizeBytes: 800 * 2 ** 20 }];
  const c = cacheWith([node('a'), node('b', { images: big })]);
  const il = new ImageLocality();
  const s = new CycleState();
  const p = new PodInfo(pod('p', { image: 'big:1.0' }));
  il.preScore(s, p, [], c);
  assert.equal(il.score(s, p, c.get('a')!), 0);
  assert.ok(il.score(s, p, c.get('b')!) > 0);
  assert.equal(placedOn(pod('p', { image: 'big:1.0' }), c), 'b');
});

test('FitError message: histogram sorted, preemption explained, as upstream', () => {
  const c = cacheWith(
    [
      node('cp', { taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }] }),
      node('w1', { cpu: '1' }),
      node('w2', { cpu: '1' }),
    ],
  );
  const r = decide(pod('big', { cpu: '2' }), c);
  assert.equal(r.kind, 'unschedulable');
  assert.equal(
    r.kind === 'unschedulable' && r.message,
    '0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 Insufficient cpu. ' +
      'preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.',
  );
  assert.equal(decide(pod('p'), cacheWith([])).kind === 'unschedulable', true);
});

test('DefaultPreemption picks lower-priority victims', () => {
  const c = cacheWith([node('n', { cpu: '1' })], [[pod('low', { cpu: '800m', priority: 0 }), 'n']]);
  const r = decide(pod('high', { cpu: '500m', priority: 1000 }), c);
  assert.equal(r.kind, 'unschedulable');
  if (r.kind === 'unschedulable') {
    assert.equal(r.postFilter?.nominatedNodeName, 'n');
    assert.deepEqual(r.postFilter?.victims?.map((v) => v.key), ['default/low']);
    assert.equal(r.message, '0/1 nodes are available: 1 Insufficient cpu.');
  }
  assert.equal(c.get('n')!.pods.length, 1);
});

test('percentageOfNodesToScore adaptive formula', () => {
  assert.equal(numFeasibleNodesToFind(0, 50), 50);
  assert.equal(numFeasibleNodesToFind(0, 1000), 420);
  assert.equal(numFeasibleNodesToFind(0, 5000), 500);
  assert.equal(numFeasibleNodesToFind(0, 100_000), 5000);
  assert.equal(numFeasibleNodesToFind(0, 150), 100);
});

test('assumed pods are counted until forgotten', () => {
  const c = cacheWith([node('n', { cpu: '1' })]);
  const p = pod('a', { cpu: '800m' });
  c.assumePod(new PodInfo({ ...p, spec: { ...p.spec, nodeName: 'n' } }), 'n');
  assert.equal(decide(pod('b', { cpu: '500m' }), c).kind, 'unschedulable');
  c.forgetPod('default/a');
  assert.equal(decide(pod('b', { cpu: '500m' }), c).kind, 'scheduled');
});
