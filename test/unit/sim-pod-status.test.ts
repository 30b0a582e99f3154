import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../src/api/object.js';
import { simulatePodStatus, jsonEqual } from '../../src/sim/pod-status.js';

const T0 = Date.parse('2025-01-01T00:00:00Z');
const env = (nowMs: number) => ({ nowMs, hostIP: '192.0.2.1', podIP: '10.42.0.2', completeAfterMs: 1000 });

function pod(spec: Record<string, unknown> = {}, annotations?: Record<string, string>): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'default', uid: 'u1', annotations },
    spec: { nodeName: 'sim-node-0', containers: [{ name: 'app', image: 'nginx:1.25' }], ...spec },
    status: { phase: 'Pending', qosClass: 'BestEffort' },
  };
}

const cond = (s: any, type: string) => s.conditions.find((c: any) => c.type === type);

test('a pending pod goes Running and Ready with addresses, in one step', () => {
  const r = simulatePodStatus(pod(), env(T0));
  const s = r.status as any;
  assert.equal(r.changed, true);
  assert.equal(s.phase, 'Running');
  assert.equal(s.qosClass, 'BestEffort', 'fields the kubelet does not own are kept');
  assert.equal(s.podIP, '10.42.0.2');
  assert.deepEqual(s.podIPs, [{ ip: '10.42.0.2' }]);
  assert.equal(s.hostIP, '192.0.2.1');
  assert.equal(s.startTime, '2025-01-01T00:00:00Z');
  assert.equal(s.containerStatuses[0].ready, true);
  assert.equal(s.containerStatuses[0].started, true);
  assert.match(s.containerStatuses[0].containerID, /^sim:\/\/[0-9a-f]{64}$/);
  assert.deepEqual(s.containerStatuses[0].state, { running: { startedAt: '2025-01-01T00:00:00Z' } });
  assert.deepEqual(s.conditions.map((c: any) => c.type), ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled']);
  assert.ok(s.conditions.every((c: any) => c.status === 'True'));
  assert.equal(r.recheckAtMs, undefined);
});

test('computing again later changes nothing (level-triggered, timestamps kept)', () => {
  const first = simulatePodStatus(pod(), env(T0)).status;
  const p = { ...pod(), status: first };
  const again = simulatePodStatus(p, env(T0 + 60_000));
  assert.equal(again.changed, false);
});

test('null and missing fields compare equal', () => {
  assert.ok(jsonEqual({ a: 1, b: null }, { a: 1 }));
  assert.ok(!jsonEqual({ a: [1, 2] }, { a: [2, 1] }));
});

test('hostNetwork pods report the host address', () => {
  const s = simulatePodStatus(pod({ hostNetwork: true }), env(T0)).status as any;
  assert.equal(s.podIP, '192.0.2.1');
});

test('readiness gates hold Ready until their condition is True', () => {
  const gated = pod({ readinessGates: [{ conditionType: 'example.com/lb' }] });
  let s = simulatePodStatus(gated, env(T0)).status as any;
  assert.equal(cond(s, 'ContainersReady').status, 'True');
  assert.equal(cond(s, 'Ready').status, 'False');
  assert.equal(cond(s, 'Ready').reason, 'ReadinessGatesNotReady');
  assert.equal(cond(s, 'Ready').message, 'corresponding condition of pod readiness gate "example.com/lb" does not exist.');

  s = { ...s, conditions: [...s.conditions, { type: 'example.com/lb', status: 'False' }] };
  s = simulatePodStatus({ ...gated, status: s }, env(T0 + 1000)).status;
  assert.equal(cond(s, 'Ready').message, 'the status of pod readiness gate "example.com/lb" is not "True", but False');

  s = { ...s, conditions: s.conditions.map((c: any) => (c.type === 'example.com/lb' ? { ...c, status: 'True' } : c)) };
  const r = simulatePodStatus({ ...gated, status: s }, env(T0 + 2000));
  assert.equal(r.changed, true);
  assert.equal(cond(r.status, 'Ready').status, 'True');
  assert.equal(cond(r.status, 'Ready').lastTransitionTime, '2025-01-01T00:00:02Z');
  assert.equal(cond(r.status, 'example.com/lb').status, 'True', 'the gate condition is kept');
});

test('a readiness probe delay keeps the container unready until it passes', () => {
  const p = pod({ containers: [{ name: 'app', image: 'x', readinessProbe: { initialDelaySeconds: 5 } }] });
  const r = simulatePodStatus(p, env(T0));
  assert.equal((r.status as any).containerStatuses[0].ready, false);
  assert.equal(cond(r.status, 'Ready').message, 'containers with unready status: [app]');
  assert.equal(r.recheckAtMs, T0 + 5000);
  const later = simulatePodStatus({ ...p, status: r.status }, env(T0 + 5000));
  assert.equal(cond(later.status, 'Ready').status, 'True');
});

test('the k8ts.io/sim-ready=false annotation keeps the pod unready', () => {
  const r = simulatePodStatus(pod({}, { 'k8ts.io/sim-ready': 'false' }), env(T0));
  assert.equal((r.status as any).phase, 'Running');
  assert.equal(cond(r.status, 'Ready').status, 'False');
  assert.equal(r.recheckAtMs, undefined);
});

test('a Never pod runs for completeAfterMs, then Succeeds', () => {
  const p = pod({ restartPolicy: 'Never' });
  const r = simulatePodStatus(p, env(T0));
  assert.equal((r.status as any).phase, 'Running');
  assert.equal(r.recheckAtMs, T0 + 1000);
  const done = simulatePodStatus({ ...p, status: r.status }, env(T0 + 1000));
  const s = done.status as any;
  assert.equal(s.phase, 'Succeeded');
  assert.equal(s.containerStatuses[0].state.terminated.exitCode, 0);
  assert.equal(s.containerStatuses[0].state.terminated.reason, 'Completed');
  assert.equal(s.containerStatuses[0].ready, false);
  assert.equal(cond(s, 'Ready').reason, 'PodCompleted');
  assert.equal(cond(s, 'PodReadyToStartContainers').status, 'False');
  assert.equal(simulatePodStatus({ ...p, status: s }, env(T0 + 9000)).changed, false, 'terminal pods stay as they are');
});

test('annotations set the duration and a failing exit code', () => {
  const p = pod({ restartPolicy: 'Never' }, { 'k8ts.io/sim-duration-ms': '0', 'k8ts.io/sim-exit-code': '3' });
  const s = simulatePodStatus(p, env(T0)).status as any;
  assert.equal(s.phase, 'Failed');
  assert.equal(s.containerStatuses[0].state.terminated.exitCode, 3);
  assert.equal(s.containerStatuses[0].state.terminated.reason, 'Error');
  assert.equal(cond(s, 'Ready').reason, 'PodFailed');
});

test('OnFailure with a failing exit code restarts the container instead', () => {
  const p = pod({ restartPolicy: 'OnFailure' }, { 'k8ts.io/sim-exit-code': '1' });
  const first = simulatePodStatus(p, env(T0)).status;
  const r = simulatePodStatus({ ...p, status: first }, env(T0 + 2500));
  const cs = (r.status as any).containerStatuses[0];
  assert.equal((r.status as any).phase, 'Running');
  assert.equal(cs.restartCount, 2);
  assert.equal(cs.lastState.terminated.exitCode, 1);
  assert.equal(cs.state.running.startedAt, '2025-01-01T00:00:02Z');
  assert.equal(r.recheckAtMs, T0 + 3000);
});

test('init containers are reported completed; sidecars running', () => {
  const p = pod({ initContainers: [{ name: 'init', image: 'busybox' }, { name: 'side', image: 'envoy', restartPolicy: 'Always' }] });
  const s = simulatePodStatus(p, env(T0)).status as any;
  assert.equal(s.initContainerStatuses[0].state.terminated.reason, 'Completed');
  assert.ok(s.initContainerStatuses[1].state.running);
  assert.equal(cond(s, 'Initialized').status, 'True');
});

test('an existing PodScheduled condition from the scheduler is kept', () => {
  const p = pod();
  (p.status as any).conditions = [{ type: 'PodScheduled', status: 'True', lastTransitionTime: '2024-12-31T00:00:00Z', lastProbeTime: null }];
  const s = simulatePodStatus(p, env(T0)).status as any;
  assert.equal(cond(s, 'PodScheduled').lastTransitionTime, '2024-12-31T00:00:00Z');
});
