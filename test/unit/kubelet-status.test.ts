import assert from 'node:assert/strict';
import { test } from 'node:test';
import { computePodStatus, podPhase, qosClass, type RuntimeContainer, type RuntimePod } from '../../src/kubelet/pods/status.js';
import type { Pod } from '../../src/kubelet/pods/types.js';

const NOW = Date.parse('2026-01-01T00:00:10Z');

function pod(spec: Record<string, unknown>, status?: Record<string, unknown>): Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ns', uid: 'u1' }, spec, ...(status ? { status } : {}) };
}

function rc(name: string, state: RuntimeContainer['state'], extra: Partial<RuntimeContainer> = {}): RuntimeContainer {
  return {
    id: `${name}-${extra.attempt ?? 0}`, name, attempt: 0, state, createdAtMs: NOW - 5000, startedAtMs: state === 'CONTAINER_CREATED' ? 0 : NOW - 4000,
    finishedAtMs: state === 'CONTAINER_EXITED' ? NOW - 1000 : 0, exitCode: 0, reason: '', message: '', image: 'docker.io/library/busybox:latest', imageRef: 'docker.io/library/busybox@sha256:abc', ...extra,
  };
}

function runtime(containers: RuntimeContainer[], ready = true): RuntimePod {
  const m = new Map<string, RuntimeContainer[]>();
  for (const c of containers) m.set(c.name, [...(m.get(c.name) ?? []), c].sort((a, b) => b.attempt - a.attempt));
  return { sandbox: { id: 'sb', ready, ips: ['10.42.0.5'] }, containers: m };
}

const inputs = (waiting: Record<string, [string, string]> = {}) => ({
  nowMs: NOW,
  hostIP: '127.0.0.1',
  waiting: new Map(Object.entries(waiting).map(([k, [reason, message]]) => [k, { reason, message }])),
  isReady: () => true,
  isStarted: () => true,
});

test('a container that echoed and exited 0 under restartPolicy Never: Succeeded, Completed', () => {
  const p = pod({ restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] });
  const s = computePodStatus(p, runtime([rc('c', 'CONTAINER_EXITED')]), inputs());
  assert.equal(s.phase, 'Succeeded');
  const cs = s.containerStatuses[0];
  assert.equal(cs.state.terminated.reason, 'Completed');
  assert.equal(cs.state.terminated.exitCode, 0);
  assert.equal(cs.containerID, 'containerd://c-0');
  assert.equal(cs.imageID, 'docker.io/library/busybox@sha256:abc');
  assert.equal(s.podIP, '10.42.0.5');
  assert.deepEqual(s.hostIPs, [{ ip: '127.0.0.1' }]);
  assert.equal(s.qosClass, 'BestEffort');
  const ready = s.conditions.find((c: { type: string }) => c.type === 'Ready');
  assert.equal(ready.status, 'False');
  assert.equal(ready.reason, 'PodCompleted');
});

test('running container: Running, ready, started, conditions true', () => {
  const p = pod({ containers: [{ name: 'c', image: 'busybox' }] });
  const s = computePodStatus(p, runtime([rc('c', 'CONTAINER_RUNNING')]), inputs());
  assert.equal(s.phase, 'Running');
  assert.equal(s.containerStatuses[0].ready, true);
  assert.equal(s.containerStatuses[0].started, true);
  assert.ok(s.containerStatuses[0].state.running.startedAt);
  for (const t of ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady']) {
    assert.equal(s.conditions.find((c: { type: string }) => c.type === t).status, 'True', t);
  }
});

test('no container yet: Pending with ContainerCreating; with init containers PodInitializing', () => {
  const p = pod({ containers: [{ name: 'c', image: 'busybox' }] });
  const s = computePodStatus(p, runtime([]), inputs());
  assert.equal(s.phase, 'Pending');
  assert.equal(s.containerStatuses[0].state.waiting.reason, 'ContainerCreating');
  const withInit = pod({ initContainers: [{ name: 'i', image: 'busybox' }], containers: [{ name: 'c', image: 'busybox' }] });
  const s2 = computePodStatus(withInit, runtime([rc('i', 'CONTAINER_RUNNING')]), inputs());
  assert.equal(s2.phase, 'Pending');
  assert.equal(s2.containerStatuses[0].state.waiting.reason, 'PodInitializing');
  assert.equal(s2.initContainerStatuses[0].state.running !== undefined, true);
  const init = s2.conditions.find((c: { type: string }) => c.type === 'Initialized');
  assert.equal(init.status, 'False');
  assert.equal(init.reason, 'ContainersNotInitialized');
  assert.equal(init.message, 'containers with incomplete status: [i]');
});

test('finished init container is ready and lets the pod initialize', () => {
  const p = pod({ initContainers: [{ name: 'i', image: 'busybox' }], containers: [{ name: 'c', image: 'busybox' }] });
  const s = computePodStatus(p, runtime([rc('i', 'CONTAINER_EXITED'), rc('c', 'CONTAINER_RUNNING')]), inputs());
  assert.equal(s.phase, 'Running');
  assert.equal(s.initContainerStatuses[0].ready, true);
  assert.equal(s.initContainerStatuses[0].state.terminated.reason, 'Completed');
  assert.equal(s.conditions.find((c: { type: string }) => c.type === 'Initialized').status, 'True');
});

test('failed init container under Never fails the pod', () => {
  const p = pod({ restartPolicy: 'Never', initContainers: [{ name: 'i', image: 'busybox' }], containers: [{ name: 'c', image: 'busybox' }] });
  assert.equal(podPhase(p, runtime([rc('i', 'CONTAINER_EXITED', { exitCode: 1 })]), () => true), 'Failed');
});

test('sidecar (restartable init container) running counts as initialized and must be ready', () => {
  const p = pod({ initContainers: [{ name: 's', image: 'busybox', restartPolicy: 'Always' }], containers: [{ name: 'c', image: 'busybox' }] });
  const s = computePodStatus(p, runtime([rc('s', 'CONTAINER_RUNNING'), rc('c', 'CONTAINER_RUNNING')]), inputs());
  assert.equal(s.phase, 'Running');
  assert.equal(s.initContainerStatuses[0].started, true);
  assert.equal(s.initContainerStatuses[0].ready, true);
  assert.equal(s.conditions.find((c: { type: string }) => c.type === 'Ready').status, 'True');
});

test('crash loop: waiting CrashLoopBackOff with the last termination, restart count', () => {
  const p = pod({ containers: [{ name: 'c', image: 'busybox' }] });
  const rt = runtime([rc('c', 'CONTAINER_EXITED', { attempt: 2, exitCode: 1 }), rc('c', 'CONTAINER_EXITED', { attempt: 1, exitCode: 1 })]);
  const s = computePodStatus(p, rt, inputs({ c: ['CrashLoopBackOff', 'back-off 20s restarting failed container=c pod=p_ns(u1)'] }));
  const cs = s.containerStatuses[0];
  assert.equal(s.phase, 'Running');
  assert.equal(cs.restartCount, 2);
  assert.equal(cs.state.waiting.reason, 'CrashLoopBackOff');
  assert.equal(cs.lastState.terminated.exitCode, 1);
  assert.equal(cs.lastState.terminated.reason, 'Error');
  assert.equal(cs.ready, false);
});

test('OOMKilled reason from the runtime is kept; Never + failure = Failed', () => {
  const p = pod({ restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] });
  const s = computePodStatus(p, runtime([rc('c', 'CONTAINER_EXITED', { exitCode: 137, reason: 'OOMKilled' })]), inputs());
  assert.equal(s.phase, 'Failed');
  assert.equal(s.containerStatuses[0].state.terminated.reason, 'OOMKilled');
});

test('OnFailure: success finishes, failure keeps Running', () => {
  const p = pod({ restartPolicy: 'OnFailure', containers: [{ name: 'c', image: 'busybox' }] });
  assert.equal(podPhase(p, runtime([rc('c', 'CONTAINER_EXITED')]), () => true), 'Succeeded');
  assert.equal(podPhase(p, runtime([rc('c', 'CONTAINER_EXITED', { exitCode: 2 })]), () => true), 'Running');
});

test('image pull failure shows ErrImagePull waiting', () => {
  const p = pod({ containers: [{ name: 'c', image: 'nope' }] });
  const s = computePodStatus(p, runtime([]), inputs({ c: ['ErrImagePull', 'Failed to pull image "nope"'] }));
  assert.equal(s.containerStatuses[0].state.waiting.reason, 'ErrImagePull');
  assert.equal(s.phase, 'Pending');
});

test('readiness probe gates Ready; timestamps kept when unchanged', () => {
  const p = pod({ containers: [{ name: 'c', image: 'busybox', readinessProbe: { exec: { command: ['true'] } } }] });
  const rt = runtime([rc('c', 'CONTAINER_RUNNING')]);
  const s = computePodStatus(p, rt, { ...inputs(), isReady: () => false });
  assert.equal(s.containerStatuses[0].ready, false);
  const ready = s.conditions.find((c: { type: string }) => c.type === 'Ready');
  assert.equal(ready.status, 'False');
  assert.equal(ready.message, 'containers with unready status: [c]');
  const again = computePodStatus({ ...p, status: s }, rt, { ...inputs(), nowMs: NOW + 5000, isReady: () => false });
  assert.deepEqual(again, s);
});

test('terminal phase is kept even if the runtime forgot the containers', () => {
  const p = pod({ restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] }, { phase: 'Succeeded' });
  assert.equal(computePodStatus(p, { containers: new Map() }, inputs()).phase, 'Succeeded');
});

test('qosClass', () => {
  assert.equal(qosClass(pod({ containers: [{ name: 'c', resources: { limits: { cpu: '1', memory: '1Gi' } } }] })), 'Guaranteed');
  assert.equal(qosClass(pod({ containers: [{ name: 'c', resources: { requests: { cpu: '100m' } } }] })), 'Burstable');
  assert.equal(qosClass(pod({ containers: [{ name: 'c' }] })), 'BestEffort');
});
