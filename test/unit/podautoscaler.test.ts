import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../src/api/object.js';
import { resourceReplicas, resourceTargets, type PodMetric } from '../../src/controllers/podautoscaler/replica-calculator.js';
import { normalizeReplicas } from '../../src/controllers/podautoscaler/behavior.js';

const pod = (name: string, cpu = '100m'): KubeObject => ({ metadata: { name, namespace: 'ns' }, spec: { containers: [{ name: 'c', resources: { requests: { cpu, memory: '100Mi' } } }] }, status: { phase: 'Running' } });
const m = (name: string, cpuMillis: number): PodMetric => ({ name, cpuMillis, memoryBytes: 50 * 2 ** 20 });
const cpu50 = { name: 'cpu' as const, type: 'Utilization' as const, averageUtilization: 50 };

test('upstream formula with tolerance', () => {
  const pods = [pod('a'), pod('b')];
  // 100% vs 50% target: double.
  assert.deepEqual(resourceReplicas(2, cpu50, pods, [m('a', 100), m('b', 100)]), { replicas: 4, utilization: 100, averageValue: 100 });
  // 54% is within 10% of 50%: unchanged.
  assert.equal(resourceReplicas(2, cpu50, pods, [m('a', 54), m('b', 54)]).replicas, 2);
  // 20% -> ceil(0.4 * 2) = 1.
  assert.equal(resourceReplicas(2, cpu50, pods, [m('a', 20), m('b', 20)]).replicas, 1);
  // Average value target for memory.
  const mem = { name: 'memory' as const, type: 'AverageValue' as const, averageValue: 25 * 2 ** 20 };
  assert.equal(resourceReplicas(2, mem, pods, [m('a', 0), m('b', 0)]).replicas, 4);
});

test('missing metrics dampen the change; missing requests are an error', () => {
  const pods = [pod('a'), pod('b'), pod('c'), pod('d')];
  // Two pods at 10% of request, two without metrics: scaling down assumes 100% for the missing.
  const r = resourceReplicas(4, cpu50, pods, [m('a', 10), m('b', 10)]);
  assert.equal(r.replicas, 4);
  // Scaling up: missing pods count as 0.
  assert.equal(resourceReplicas(4, cpu50, pods, [m('a', 200), m('b', 200)]).replicas, 8);
  assert.throws(() => resourceReplicas(1, cpu50, [{ metadata: { name: 'x' }, spec: { containers: [{ name: 'c' }] } }], [m('x', 1)]), /missing request for cpu/);
  assert.throws(() => resourceReplicas(1, cpu50, [pod('a')], []), /did not receive metrics/);
});

test('targets: default cpu 80%, AverageValue parsed, unsupported listed', () => {
  assert.deepEqual(resourceTargets({}).targets, [{ name: 'cpu', type: 'Utilization', averageUtilization: 80 }]);
  const t = resourceTargets({ metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'AverageValue', averageValue: '500m' } } }, { type: 'External', external: {} }] });
  assert.deepEqual(t.targets, [{ name: 'cpu', type: 'AverageValue', averageValue: 500 }]);
  assert.deepEqual(t.unsupported, ['External metric']);
});

test('stabilization window holds scale-down; bounds and rate limits give ScalingLimited', () => {
  const base = { minReplicas: 1, maxReplicas: 10, history: [], defaultDownWindowSeconds: 300 };
  let r = normalizeReplicas({ ...base, currentReplicas: 5, proposed: 5, nowMs: 0 });
  r = normalizeReplicas({ ...base, currentReplicas: 5, proposed: 2, nowMs: 60_000, history: r.history });
  assert.equal(r.desired, 5);
  assert.equal(r.ableToScale.reason, 'ScaleDownStabilized');
  r = normalizeReplicas({ ...base, currentReplicas: 5, proposed: 2, nowMs: 301_000, history: r.history });
  assert.equal(r.desired, 2);
  assert.equal(normalizeReplicas({ ...base, currentReplicas: 2, proposed: 2, nowMs: 0, defaultDownWindowSeconds: 0 }).ableToScale.reason, 'ReadyForNewScale');
  const many = normalizeReplicas({ ...base, currentReplicas: 8, proposed: 30, nowMs: 0 });
  assert.deepEqual([many.desired, many.scalingLimited.reason], [10, 'TooManyReplicas']);
  const fast = normalizeReplicas({ ...base, maxReplicas: 100, currentReplicas: 2, proposed: 50, nowMs: 0 });
  assert.deepEqual([fast.desired, fast.scalingLimited.reason], [6, 'ScaleUpLimit']);
  const few = normalizeReplicas({ ...base, minReplicas: 3, currentReplicas: 4, proposed: 1, nowMs: 0, defaultDownWindowSeconds: 0 });
  assert.deepEqual([few.desired, few.scalingLimited.reason], [3, 'TooFewReplicas']);
  assert.equal(normalizeReplicas({ ...base, currentReplicas: 3, proposed: 4, nowMs: 0 }).scalingLimited.reason, 'DesiredWithinRange');
});
