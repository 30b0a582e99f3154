import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backoffDuration, SchedulingQueue } from '../../src/scheduler/queue.js';
import { pod } from './scheduler-fixtures.js';

function q() {
  let now = 1_000_000;
  const queue = new SchedulingQueue({ now: () => now });
  return { queue, tick: (ms: number) => (now += ms) };
}

test('activeQ pops by priority, then FIFO', () => {
  const { queue, tick } = q();
  queue.add(pod('low1', { priority: 0 }));
  tick(1);
  queue.add(pod('high', { priority: 100 }));
  tick(1);
  queue.add(pod('low2', { priority: 0 }));
  assert.deepEqual([queue.tryPop()!.key, queue.tryPop()!.key, queue.tryPop()!.key], ['default/high', 'default/low1', 'default/low2']);
  assert.equal(queue.tryPop(), undefined);
});

test('back-off doubles from 1 s to at most 10 s', () => {
  assert.deepEqual([1, 2, 3, 4, 5, 6].map((a) => backoffDuration(a, 1000, 10_000)), [1000, 2000, 4000, 8000, 10_000, 10_000]);
});

test('unschedulable pods wait for a helpful event, then back off before activeQ', () => {
  const { queue, tick } = q();
  queue.add(pod('p'));
  const qpi = queue.tryPop()!;
  qpi.unschedulablePlugins = new Set(['NodeResourcesFit']);
  queue.addUnschedulable(qpi, queue.schedulingCycle);
  assert.equal(queue.stats().unschedulable, 1);
  queue.moveAllToActiveOrBackoff('AssignedPodAdd'); // does not help a resource shortage
  assert.equal(queue.stats().unschedulable, 1);
  queue.moveAllToActiveOrBackoff('AssignedPodDelete');
  assert.equal(queue.stats().backoff, 1);
  queue.flushBackoffCompleted();
  assert.equal(queue.tryPop(), undefined);
  tick(1000);
  queue.flushBackoffCompleted();
  assert.equal(queue.tryPop()!.key, 'default/p');
});

test('a move request during the cycle sends the failure to backoffQ; leftovers flush after 60 s', () => {
  const { queue, tick } = q();
  queue.add(pod('a'));
  queue.add(pod('b'));
  const a = queue.tryPop()!;
  const cycleA = queue.schedulingCycle;
  queue.moveAllToActiveOrBackoff('NodeAdd');
  queue.addUnschedulable(a, cycleA);
  assert.equal(queue.stats().backoff, 1);
  const b = queue.tryPop()!;
  queue.addUnschedulable(b, queue.schedulingCycle);
  assert.equal(queue.stats().unschedulable, 1);
  tick(59_000);
  queue.flushUnschedulableLeftover();
  assert.equal(queue.stats().unschedulable, 1);
  tick(1_000);
  queue.flushUnschedulableLeftover();
  assert.equal(queue.stats().unschedulable, 0);
});

test('status-only updates keep a pod unschedulable; spec/label updates retry it; gated pods wait', () => {
  const { queue, tick } = q();
  const p = pod('p');
  queue.add(p);
  queue.addUnschedulable(queue.tryPop()!, queue.schedulingCycle);
  queue.update(p, { ...p, status: { conditions: [{ type: 'PodScheduled', status: 'False' }] } });
  assert.equal(queue.stats().unschedulable, 1);
  tick(5000);
  queue.update(p, { ...p, metadata: { ...p.metadata, labels: { x: 'y' } } });
  assert.equal(queue.stats().active, 1);
  const g = pod('g', { schedulingGates: [{ name: 'wait' }] });
  queue.add(g);
  assert.equal(queue.stats().gated, 1);
  queue.update(g, { ...g, spec: { ...g.spec, schedulingGates: [] } });
  assert.equal(queue.stats().active, 2);
  queue.delete(g);
  assert.equal(queue.stats().active, 1);
});
