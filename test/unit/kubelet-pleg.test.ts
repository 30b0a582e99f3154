// The pod lifecycle event generator against a fake runtime: events wake the right pod worker
// (only once the CRI view shows the exit), exec exits do not, unknown ids cause a relist, and
// the relist slows to 10 s while events stream and speeds up to 1 s when they stop.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import pino from 'pino';
import { decodeTaskEvent, encodeTaskPayload, type TaskEvent } from '../../src/kubelet/pleg/containerd-events.js';
import { fromCriEvent, fromTaskEvent } from '../../src/kubelet/pleg/lifecycle-events.js';
import { PLEG } from '../../src/kubelet/pleg/pleg.js';
import { ownersOf } from '../../src/kubelet/pleg/relist.js';
import type { CriContainer, PodSandbox, RuntimePort } from '../../src/kubelet/pods/cri-port.js';

const logger = pino({ level: 'silent' });
const UID = 'io.kubernetes.pod.uid';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function fakeRuntime() {
  const sandboxes: PodSandbox[] = [];
  const containers: CriContainer[] = [];
  let lists = 0;
  const runtime = {
    async listPodSandbox() {
      lists++;
      return { items: sandboxes.map((s) => ({ ...s })) };
    },
    async listContainers() {
      return { containers: containers.map((c) => ({ ...c })) };
    },
    async containerStatus({ container_id }: { container_id: string }) {
      const c = containers.find((x) => x.id === container_id);
      if (!c) throw Object.assign(new Error('not found'), { code: 5 });
      return { status: { id: c.id, state: c.state } };
    },
    async podSandboxStatus({ pod_sandbox_id }: { pod_sandbox_id: string }) {
      const s = sandboxes.find((x) => x.id === pod_sandbox_id);
      return { status: { id: pod_sandbox_id, state: s?.state ?? 'SANDBOX_NOTREADY' } };
    },
  } as unknown as RuntimePort;
  return {
    runtime,
    sandboxes,
    containers,
    lists: () => lists,
    addPod(uid: string, sandboxId: string, containerId: string) {
      sandboxes.push({ id: sandboxId, state: 'SANDBOX_READY', labels: { [UID]: uid }, metadata: { uid } } as unknown as PodSandbox);
      containers.push({ id: containerId, state: 'CONTAINER_RUNNING', labels: { [UID]: uid } } as unknown as CriContainer);
    },
    setState(containerId: string, state: string) {
      const c = containers.find((x) => x.id === containerId)!;
      (c as { state: string }).state = state;
    },
  };
}

/** An event stream the test pushes into; fail() ends it with a gRPC error code. */
function fakeEvents() {
  let push: (() => void) | undefined;
  let fail: ((err: Error) => void) | undefined;
  const queue: TaskEvent[] = [];
  let subscriptions = 0;
  return {
    subscriptions: () => subscriptions,
    emit(e: Omit<TaskEvent, 'timestampMs'>) {
      queue.push({ ...e, timestampMs: Date.now() });
      push?.();
    },
    fail(code: number) {
      fail?.(Object.assign(new Error('stream broke'), { code }));
    },
    async *subscribe(signal: AbortSignal): AsyncGenerator<TaskEvent> {
      subscriptions++;
      while (!signal.aborted) {
        const next = queue.shift();
        if (next) {
          yield next;
          continue;
        }
        await new Promise<void>((resolve, reject) => {
          push = resolve;
          fail = reject;
          signal.addEventListener('abort', () => resolve(), { once: true });
        });
        push = undefined;
      }
    },
  };
}

function collect() {
  const woken: string[] = [];
  return { woken, onChange: (uid: string) => woken.push(uid) };
}

async function until(what: string, ok: () => boolean, ms = 2000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await sleep(5);
  }
}

test('a container exit wakes its pod worker once the CRI view shows it exited, not before', async () => {
  const rt = fakeRuntime();
  rt.addPod('pod-a', 'sb-a', 'c-a');
  rt.addPod('pod-b', 'sb-b', 'c-b');
  const ev = fakeEvents();
  const { woken, onChange } = collect();
  const pleg = new PLEG({ runtime: rt.runtime, containerdEvents: ev, onChange, logger }, { eventedRelistMs: 60_000, settlePollMs: 5 });
  const ac = new AbortController();
  const running = pleg.run(ac.signal);
  await until('first relist', () => woken.length === 2);
  woken.length = 0;

  ev.emit({ topic: '/tasks/exit', containerId: 'c-a', processId: 'c-a', exitStatus: 1 });
  await sleep(50);
  assert.deepEqual(woken, [], 'the CRI view still says running: no sync yet');
  rt.setState('c-a', 'CONTAINER_EXITED');
  await until('pod-a woken', () => woken.length > 0);
  assert.deepEqual(woken, ['pod-a']);

  // A probe's exec process exiting is not the container exiting.
  woken.length = 0;
  ev.emit({ topic: '/tasks/exit', containerId: 'c-b', processId: 'exec-123', exitStatus: 0 });
  // The sandbox's pause process exiting is a pod change too.
  rt.sandboxes.find((s) => s.id === 'sb-b')!.state = 'SANDBOX_NOTREADY';
  ev.emit({ topic: '/tasks/exit', containerId: 'sb-b', processId: 'sb-b', exitStatus: 137 });
  await until('pod-b woken', () => woken.length > 0);
  await sleep(30);
  assert.deepEqual(woken, ['pod-b']);
  ac.abort();
  await running;
});

test('an exit of a container not yet listed makes the PLEG relist at once', async () => {
  const rt = fakeRuntime();
  const ev = fakeEvents();
  const { woken, onChange } = collect();
  const pleg = new PLEG({ runtime: rt.runtime, containerdEvents: ev, onChange, logger }, { eventedRelistMs: 60_000 });
  const ac = new AbortController();
  const running = pleg.run(ac.signal);
  await until('subscribed and listed', () => ev.subscriptions() === 1 && rt.lists() >= 1);
  const before = rt.lists();
  rt.addPod('pod-new', 'sb-n', 'c-n');
  rt.setState('c-n', 'CONTAINER_EXITED');
  ev.emit({ topic: '/tasks/exit', containerId: 'c-n', processId: 'c-n', exitStatus: 0 });
  await until('pod-new woken', () => woken.includes('pod-new'), 1000);
  assert.ok(rt.lists() > before);
  ac.abort();
  await running;
});

test('an unknown container still running at the relist wakes its pod again once the exit shows', async () => {
  const rt = fakeRuntime();
  const ev = fakeEvents();
  const { woken, onChange } = collect();
  const pleg = new PLEG({ runtime: rt.runtime, containerdEvents: ev, onChange, logger }, { eventedRelistMs: 60_000, settlePollMs: 5 });
  const ac = new AbortController();
  const running = pleg.run(ac.signal);
  await until('subscribed and listed', () => ev.subscriptions() === 1 && rt.lists() >= 1);
  rt.addPod('pod-race', 'sb-r', 'c-r'); // the CRI plugin has not recorded the exit yet
  ev.emit({ topic: '/tasks/exit', containerId: 'c-r', processId: 'c-r', exitStatus: 0 });
  await until('woken by the relist', () => woken.includes('pod-race'));
  await sleep(30);
  assert.equal(woken.filter((u) => u === 'pod-race').length, 1);
  rt.setState('c-r', 'CONTAINER_EXITED');
  await until('woken again once exited', () => woken.filter((u) => u === 'pod-race').length === 2);
  ac.abort();
  await running;
});

test('relist every 10 s while events stream; every 1 s when the stream fails; back after re-subscribing', async () => {
  const rt = fakeRuntime();
  const ev = fakeEvents();
  const { onChange } = collect();
  const pleg = new PLEG({ runtime: rt.runtime, containerdEvents: ev, onChange, logger }, { relistMs: 20, eventedRelistMs: 10_000, resubscribeMs: 150 });
  const ac = new AbortController();
  const running = pleg.run(ac.signal);
  await until('subscribed', () => ev.subscriptions() === 1);
  assert.equal(pleg.eventSource(), 'containerd');
  assert.equal(pleg.relistPeriodMs(), 10_000);
  await sleep(50);
  const quiet = rt.lists();
  await sleep(100);
  assert.ok(rt.lists() - quiet <= 1, `no fast relists while events stream (got ${rt.lists() - quiet})`);

  ev.fail(14); // UNAVAILABLE: containerd restarted
  await until('fallback', () => pleg.eventSource() === 'none');
  assert.equal(pleg.relistPeriodMs(), 20);
  const t = rt.lists();
  await sleep(100);
  assert.ok(rt.lists() - t >= 3, `relists every 20 ms meanwhile (got ${rt.lists() - t})`);
  await until('re-subscribed', () => ev.subscriptions() === 2, 1000);
  assert.equal(pleg.relistPeriodMs(), 10_000);
  ac.abort();
  await running;
});

test('CRI container events are used when the runtime has them; UNIMPLEMENTED falls back to containerd events', async () => {
  const rt = fakeRuntime();
  rt.addPod('pod-a', 'sb-a', 'c-a');
  const ev = fakeEvents();
  const { woken, onChange } = collect();
  let criCalls = 0;
  const unimplemented = {
    ...rt.runtime,
    async *getContainerEvents(): AsyncGenerator<never> {
      criCalls++;
      throw Object.assign(new Error('unknown method GetContainerEvents'), { code: 12 });
    },
  };
  const pleg = new PLEG({ runtime: unimplemented as never, containerdEvents: ev, onChange, logger }, { eventedRelistMs: 60_000 });
  const ac = new AbortController();
  const running = pleg.run(ac.signal);
  await until('containerd subscribed', () => ev.subscriptions() === 1);
  assert.equal(criCalls, 1);
  assert.equal(pleg.eventSource(), 'containerd');
  ac.abort();
  await running;

  // A runtime with CRI events: a stop event names the pod, no settling wait needed.
  woken.length = 0;
  const stopped = {
    container_id: 'c-a',
    container_event_type: 'CONTAINER_STOPPED_EVENT',
    created_at: 0,
    pod_sandbox_status: { metadata: { uid: 'pod-a' } },
    containers_statuses: [],
  };
  const withCri = {
    ...rt.runtime,
    async *getContainerEvents(signal: AbortSignal) {
      yield stopped;
      await new Promise((r) => signal.addEventListener('abort', r, { once: true }));
    },
  };
  const ac2 = new AbortController();
  const pleg2 = new PLEG({ runtime: withCri as never, onChange, logger }, { eventedRelistMs: 60_000 });
  const running2 = pleg2.run(ac2.signal);
  await until('woken by CRI event', () => woken.filter((u) => u === 'pod-a').length >= 2); // relist + event
  assert.equal(pleg2.eventSource(), 'cri');
  ac2.abort();
  await running2;
});

test('containerd envelopes decode to task events; other namespaces and exec exits are told apart', () => {
  const exit = encodeTaskPayload('/tasks/exit', { container_id: 'abc', id: 'abc', pid: 42, exit_status: 3 });
  const env = { namespace: 'k8s.io', topic: '/tasks/exit', timestamp: { seconds: 10, nanos: 5_000_000 }, event: { type_url: 'containerd.events.TaskExit', value: exit } };
  assert.deepEqual(decodeTaskEvent(env), { topic: '/tasks/exit', containerId: 'abc', processId: 'abc', exitStatus: 3, timestampMs: 10_005 });
  assert.equal(decodeTaskEvent({ ...env, namespace: 'moby' }), undefined);
  assert.equal(decodeTaskEvent({ ...env, topic: '/images/update' }), undefined);
  const execExit = decodeTaskEvent({ ...env, event: { value: encodeTaskPayload('/tasks/exit', { container_id: 'abc', id: 'exec-1', exit_status: 0 }) } })!;
  assert.equal(fromTaskEvent(execExit), undefined);
  assert.deepEqual(fromTaskEvent(decodeTaskEvent(env)!), { type: 'ContainerDied', id: 'abc', settled: false });
  const oom = decodeTaskEvent({ ...env, topic: '/tasks/oom', event: { value: encodeTaskPayload('/tasks/oom', { container_id: 'abc' }) } })!;
  assert.equal(fromTaskEvent(oom)?.type, 'ContainerDied');
  assert.equal(fromCriEvent({ container_id: 'x', container_event_type: 'CONTAINER_CREATED_EVENT', created_at: 0, pod_sandbox_status: null, containers_statuses: [] }), undefined);
});

test('runtime ids map to their pod and kind', () => {
  const owners = ownersOf(
    [{ id: 's1', state: 'SANDBOX_READY', metadata: { uid: 'A' }, labels: {} } as unknown as PodSandbox],
    [{ id: 'c1', state: 'CONTAINER_RUNNING', labels: { [UID]: 'A' } } as unknown as CriContainer, { id: 'c2', state: 'CONTAINER_RUNNING', labels: {} } as unknown as CriContainer],
  );
  assert.deepEqual([...owners], [['s1', { podUID: 'A', kind: 'sandbox' }], ['c1', { podUID: 'A', kind: 'container' }]]);
});
