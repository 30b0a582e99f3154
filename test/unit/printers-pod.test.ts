import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildTable, columnsFor, rowCells } from '../../src/api/printers/index.js';
import type { KubeObject } from '../../src/api/object.js';

const NOW = new Date('2024-06-01T12:00:00Z');
const ago = (seconds: number) => new Date(NOW.getTime() - seconds * 1000).toISOString().replace('.000Z', 'Z');

function pod(spec: Record<string, unknown>, status: Record<string, unknown>, meta: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web-0', namespace: 'default', creationTimestamp: ago(300), ...meta },
    spec: { containers: [{ name: 'app', image: 'nginx' }], ...spec },
    status,
  };
}

const running = { running: { startedAt: ago(290) } };
const cells = (p: KubeObject) => rowCells('', 'Pod', p, NOW);

test('pod columns are upstream names in order, wide ones at priority 1', () => {
  const cols = columnsFor('', 'Pod');
  assert.deepEqual(
    cols.map((c) => [c.name, c.type, c.priority]),
    [
      ['Name', 'string', 0],
      ['Ready', 'string', 0],
      ['Status', 'string', 0],
      ['Restarts', 'string', 0],
      ['Age', 'string', 0],
      ['IP', 'string', 1],
      ['Node', 'string', 1],
      ['Nominated Node', 'string', 1],
      ['Readiness Gates', 'string', 1],
    ],
  );
  assert.equal(cols[0]!.format, 'name');
});

test('running pod: all cells including wide ones', () => {
  const p = pod(
    { nodeName: 'node-1', readinessGates: [{ conditionType: 'example.com/lb' }] },
    {
      phase: 'Running',
      podIPs: [{ ip: '10.42.0.5' }],
      conditions: [
        { type: 'Ready', status: 'True' },
        { type: 'example.com/lb', status: 'True' },
      ],
      containerStatuses: [{ name: 'app', ready: true, restartCount: 0, state: running }],
    },
  );
  assert.deepEqual(cells(p), ['web-0', '1/1', 'Running', '0', '5m', '10.42.0.5', 'node-1', '<none>', '1/1']);
});

test('pending pods: no status, ContainerCreating, SchedulingGated', () => {
  assert.deepEqual(cells(pod({}, { phase: 'Pending' })).slice(0, 9), ['web-0', '0/1', 'Pending', '0', '5m', '<none>', '<none>', '<none>', '<none>']);
  const creating = pod(
    { nodeName: 'n1' },
    { phase: 'Pending', containerStatuses: [{ name: 'app', ready: false, restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } } }] },
  );
  assert.equal(cells(creating)[2], 'ContainerCreating');
  const gated = pod({}, { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }] });
  assert.equal(cells(gated)[2], 'SchedulingGated');
});

test('init containers: Init:N/M, Init:<reason>, Init:ExitCode, Init:Signal', () => {
  const spec = { initContainers: [{ name: 'a', image: 'busybox' }, { name: 'b', image: 'busybox' }] };
  const done = { name: 'a', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } };
  const runningInit = { name: 'b', ready: false, restartCount: 0, state: running };
  assert.equal(cells(pod(spec, { phase: 'Pending', initContainerStatuses: [done, runningInit] }))[2], 'Init:1/2');
  const crash = {
    name: 'b',
    ready: false,
    restartCount: 3,
    state: { waiting: { reason: 'CrashLoopBackOff' } },
    lastState: { terminated: { exitCode: 1, reason: 'Error', finishedAt: ago(90) } },
  };
  const r = cells(pod(spec, { phase: 'Pending', initContainerStatuses: [done, crash] }));
  assert.equal(r[2], 'Init:CrashLoopBackOff');
  assert.equal(r[3], '3 (90s ago)');
  const exit = { name: 'a', restartCount: 0, state: { terminated: { exitCode: 2 } } };
  assert.equal(cells(pod(spec, { phase: 'Pending', initContainerStatuses: [exit] }))[2], 'Init:ExitCode:2');
  const sig = { name: 'a', restartCount: 0, state: { terminated: { exitCode: 137, signal: 9 } } };
  assert.equal(cells(pod(spec, { phase: 'Pending', initContainerStatuses: [sig] }))[2], 'Init:Signal:9');
  const initializing = { name: 'a', restartCount: 0, state: { waiting: { reason: 'PodInitializing' } } };
  assert.equal(cells(pod(spec, { phase: 'Pending', initContainerStatuses: [initializing] }))[2], 'Init:0/2');
});

test('sidecar (restartable init) containers count towards READY', () => {
  const p = pod(
    { initContainers: [{ name: 'proxy', image: 'envoy', restartPolicy: 'Always' }] },
    {
      phase: 'Running',
      conditions: [{ type: 'Initialized', status: 'True' }, { type: 'Ready', status: 'True' }],
      initContainerStatuses: [{ name: 'proxy', ready: true, started: true, restartCount: 1, state: running, lastState: { terminated: { exitCode: 1, finishedAt: ago(600) } } }],
      containerStatuses: [{ name: 'app', ready: true, restartCount: 0, state: running }],
    },
  );
  const r = cells(p);
  assert.equal(r[1], '2/2');
  assert.equal(r[2], 'Running');
  assert.equal(r[3], '1 (10m ago)');
});

test('CrashLoopBackOff with restarts and last restart age', () => {
  const p = pod(
    {},
    {
      phase: 'Running',
      containerStatuses: [
        {
          name: 'app',
          ready: false,
          restartCount: 5,
          state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off' } },
          lastState: { terminated: { exitCode: 1, reason: 'Error', finishedAt: ago(150) } },
        },
      ],
    },
  );
  assert.deepEqual(cells(p).slice(0, 5), ['web-0', '0/1', 'CrashLoopBackOff', '5 (2m30s ago)', '5m']);
});

test('the lowest-index container with a reason wins; restarts sum over containers', () => {
  const p = pod(
    { containers: [{ name: 'a' }, { name: 'b' }, { name: 'c' }] },
    {
      phase: 'Running',
      containerStatuses: [
        { name: 'a', ready: false, restartCount: 1, state: { waiting: { reason: 'ImagePullBackOff' } } },
        { name: 'b', ready: true, restartCount: 0, state: running },
        { name: 'c', ready: false, restartCount: 2, state: { waiting: { reason: 'CrashLoopBackOff' } } },
      ],
    },
  );
  const r = cells(p);
  assert.equal(r[1], '1/3');
  assert.equal(r[2], 'ImagePullBackOff');
  assert.equal(r[3], '3');
});

test('terminated containers: Completed, Error, ExitCode:N, Signal:N', () => {
  const succeeded = pod({}, { phase: 'Succeeded', containerStatuses: [{ name: 'app', restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } }] });
  assert.deepEqual(cells(succeeded).slice(0, 3), ['web-0', '0/1', 'Completed']);
  const failed = pod({}, { phase: 'Failed', containerStatuses: [{ name: 'app', restartCount: 0, state: { terminated: { exitCode: 1, reason: 'Error' } } }] });
  assert.equal(cells(failed)[2], 'Error');
  const exit = pod({}, { phase: 'Failed', containerStatuses: [{ name: 'app', restartCount: 0, state: { terminated: { exitCode: 3 } } }] });
  assert.equal(cells(exit)[2], 'ExitCode:3');
  const sig = pod({}, { phase: 'Failed', containerStatuses: [{ name: 'app', restartCount: 0, state: { terminated: { exitCode: 143, signal: 15 } } }] });
  assert.equal(cells(sig)[2], 'Signal:15');
  const evicted = pod({}, { phase: 'Failed', reason: 'Evicted' });
  assert.equal(cells(evicted)[2], 'Evicted');
});

test('Completed with a still-running container becomes Running or NotReady', () => {
  const status = (ready: boolean) => ({
    phase: 'Running',
    conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
    containerStatuses: [
      { name: 'a', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } },
      { name: 'b', ready: true, restartCount: 0, state: running },
    ],
  });
  const spec = { containers: [{ name: 'a' }, { name: 'b' }] };
  assert.equal(cells(pod(spec, status(true)))[2], 'Running');
  assert.equal(cells(pod(spec, status(false)))[2], 'NotReady');
});

test('Terminating and Unknown (node lost) while being deleted', () => {
  const running1 = { phase: 'Running', containerStatuses: [{ name: 'app', ready: true, restartCount: 0, state: running }] };
  assert.equal(cells(pod({}, running1, { deletionTimestamp: ago(1) }))[2], 'Terminating');
  assert.equal(cells(pod({}, { ...running1, reason: 'NodeLost' }, { deletionTimestamp: ago(1) }))[2], 'Unknown');
  const done = { phase: 'Succeeded', containerStatuses: [{ name: 'app', restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } }] };
  assert.equal(cells(pod({}, done, { deletionTimestamp: ago(1) }))[2], 'Completed');
});

test('Succeeded and Failed rows carry the Completed condition', () => {
  const t = buildTable({
    group: '',
    kind: 'Pod',
    now: NOW,
    objects: [pod({}, { phase: 'Succeeded' }), pod({}, { phase: 'Failed' }), pod({}, { phase: 'Running' })],
  });
  assert.deepEqual(t.rows[0]!.conditions, [{ type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' }]);
  assert.equal(t.rows[1]!.conditions?.[0]?.reason, 'Failed');
  assert.equal(t.rows[2]!.conditions, undefined);
  assert.equal('conditions' in t.rows[2]!, false);
});
