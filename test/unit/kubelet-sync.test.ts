// The pod sync against an in-memory CRI: sandbox and container lifecycle, init ordering, crash
// back-off, config errors, status writes and teardown, without containerd.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import pino from 'pino';
import { ApiError, type KubeClient } from '../../src/client/types.js';
import type { CriPort } from '../../src/kubelet/pods/cri-port.js';
import { PodSyncer } from '../../src/kubelet/pods/pod-sync.js';
import type { Pod } from '../../src/kubelet/pods/types.js';

const dataDir = mkdtempSync(path.join(tmpdir(), 'k8ts-kubelet-sync-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));

type State = 'CONTAINER_CREATED' | 'CONTAINER_RUNNING' | 'CONTAINER_EXITED';

/** An in-memory runtime: containers whose command is ["exit", "N"] exit with N as soon as they start. */
function fakeCri(now: () => number) {
  let seq = 0;
  const sandboxes = new Map<string, any>();
  const containers = new Map<string, any>();
  const calls: string[] = [];
  const images = new Set<string>(['busybox']);
  const runtime = {
    async version() { return { version: '0.1.0', runtime_name: 'fake', runtime_version: '1', runtime_api_version: 'v1' }; },
    async runPodSandbox({ config }: any) {
      const id = `sb${++seq}`;
      calls.push(`runPodSandbox ${config.metadata.name}`);
      sandboxes.set(id, { id, metadata: config.metadata, state: 'SANDBOX_READY', created_at: now() * 1e6 + seq, labels: config.labels, annotations: {}, runtime_handler: '' });
      return { pod_sandbox_id: id };
    },
    async stopPodSandbox({ pod_sandbox_id }: any) {
      calls.push(`stopPodSandbox ${pod_sandbox_id}`);
      const s = sandboxes.get(pod_sandbox_id);
      if (s) s.state = 'SANDBOX_NOTREADY';
      for (const c of containers.values()) if (c.sandbox === pod_sandbox_id && c.state === 'CONTAINER_RUNNING') exit(c, 137);
      return {};
    },
    async removePodSandbox({ pod_sandbox_id }: any) { calls.push(`removePodSandbox ${pod_sandbox_id}`); sandboxes.delete(pod_sandbox_id); return {}; },
    async podSandboxStatus({ pod_sandbox_id }: any) {
      const s = sandboxes.get(pod_sandbox_id);
      return { status: s ? { ...s, network: { ip: '10.42.0.9', additional_ips: [] }, linux: null } : null, info: {}, containers_statuses: [], timestamp: 0 };
    },
    async listPodSandbox({ filter }: any = {}) {
      return { items: [...sandboxes.values()].filter((s) => matches(s.labels, filter?.label_selector)) };
    },
    async createContainer({ pod_sandbox_id, config }: any) {
      const id = `c${++seq}`;
      calls.push(`createContainer ${config.metadata.name}#${config.metadata.attempt}`);
      containers.set(id, { id, sandbox: pod_sandbox_id, config, state: 'CONTAINER_CREATED' as State, created: now(), started: 0, finished: 0, exit: 0, reason: '' });
      return { container_id: id };
    },
    async startContainer({ container_id }: any) {
      const c = containers.get(container_id);
      calls.push(`startContainer ${c.config.metadata.name}`);
      c.state = 'CONTAINER_RUNNING';
      c.started = now();
      if (c.config.command[0] === 'exit') exit(c, Number(c.config.command[1]));
      return {};
    },
    async stopContainer({ container_id }: any) {
      const c = containers.get(container_id);
      calls.push(`stopContainer ${c?.config.metadata.name}`);
      if (c?.state === 'CONTAINER_RUNNING') exit(c, 143);
      return {};
    },
    async removeContainer({ container_id }: any) { containers.delete(container_id); return {}; },
    async listContainers({ filter }: any = {}) {
      return { containers: [...containers.values()].filter((c) => matches(c.config.labels, filter?.label_selector)).map((c) => ({ id: c.id, pod_sandbox_id: c.sandbox, metadata: c.config.metadata, image: null, image_ref: '', state: c.state, created_at: c.created * 1e6, labels: c.config.labels, annotations: {}, image_id: '' })) };
    },
    async containerStatus({ container_id }: any) {
      const c = containers.get(container_id);
      if (!c) return { status: null, info: {} };
      return { info: {}, status: { id: c.id, metadata: c.config.metadata, state: c.state, created_at: c.created * 1e6, started_at: c.started * 1e6, finished_at: c.finished * 1e6, exit_code: c.exit, image: { image: c.config.image.image }, image_ref: 'sha256:img', reason: c.reason, message: '', labels: c.config.labels, annotations: {}, mounts: [], log_path: '', resources: null, image_id: '' } };
    },
    async execSync() { return { stdout: Buffer.alloc(0), stderr: Buffer.alloc(0), exit_code: 0 }; },
  };
  function exit(c: any, code: number): void {
    c.state = 'CONTAINER_EXITED';
    c.exit = code;
    c.finished = now();
    c.reason = code === 0 ? 'Completed' : 'Error';
  }
  const image = {
    async listImages() { return { images: [] }; },
    async imageStatus({ image }: any) { return { image: images.has(image.image) ? { id: 'sha256:img', repo_tags: [], repo_digests: [], size: 1, uid: null, username: '', spec: null, pinned: false } : null, info: {} }; },
    async pullImage({ image: i }: any) {
      calls.push(`pullImage ${i.image}`);
      if (i.image.startsWith('missing')) throw new Error('not found');
      images.add(i.image);
      return { image_ref: 'sha256:img' };
    },
  };
  return { cri: { runtime, image } as unknown as CriPort, calls, sandboxes, containers, exit };
}

function matches(labels: Record<string, string>, sel?: Record<string, string>): boolean {
  return !sel || Object.entries(sel).every(([k, v]) => labels?.[k] === v);
}

function fakeClient(objects: Record<string, any> = {}) {
  const writes: { verb: string; obj?: any; name?: string; opts?: any }[] = [];
  const client = {
    async get(gvr: any, ns: string, name: string) {
      const o = objects[`${gvr.resource}/${ns}/${name}`];
      if (!o) throw new ApiError(404, 'NotFound', `${gvr.resource} "${name}" not found`);
      return o;
    },
    async update(_gvr: any, _ns: string, obj: any, opts: any) { writes.push({ verb: 'update', obj, opts }); return obj; },
    async delete(_gvr: any, _ns: string, name: string, opts: any) { writes.push({ verb: 'delete', name, opts }); return undefined; },
  };
  return { client: client as unknown as KubeClient, writes };
}

function setup(objects: Record<string, any> = {}) {
  let t = Date.parse('2026-01-01T00:00:00Z');
  const clock = { now: () => new Date(t) };
  const cri = fakeCri(() => t);
  const api = fakeClient(objects);
  const events: string[] = [];
  const torn: string[] = [];
  const syncer = new PodSyncer({
    client: api.client, cri: cri.cri, clock, logger: pino({ level: 'silent' }),
    recorder: { event: (_o, _type, reason, message) => events.push(`${reason}: ${message}`) },
    volumes: { setUp: async () => {}, mountsFor: () => [], tearDown: async (p) => { torn.push(p.metadata.name!); } },
    nodeName: 'n1', hostIP: '127.0.0.1', dataDir, clusterDNS: ['10.43.0.10'], clusterDomain: 'cluster.local',
    services: () => [], nodeAllocatable: () => ({ cpu: '2', memory: '2Gi' }),
  });
  return { syncer, cri, api, events, torn, advance: (ms: number) => (t += ms) };
}

let uidSeq = 0;
function pod(spec: Record<string, unknown>): Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: `p${++uidSeq}`, namespace: 'ns', uid: `uid-${uidSeq}` }, spec: { nodeName: 'n1', ...spec } };
}

const lastStatus = (api: ReturnType<typeof fakeClient>) => [...api.writes].reverse().find((w) => w.verb === 'update')!.obj.status;

test('a pod that echoes and exits: Succeeded, Completed, sandbox stopped', async () => {
  const { syncer, cri, api, events } = setup();
  const p = pod({ restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox', imagePullPolicy: 'IfNotPresent', command: ['exit', '0'] }] });
  await syncer.sync(p);
  const s = lastStatus(api);
  assert.equal(s.phase, 'Succeeded');
  assert.equal(s.containerStatuses[0].state.terminated.reason, 'Completed');
  assert.equal(s.podIP, '10.42.0.9');
  assert.ok(cri.calls.some((c) => c.startsWith('stopPodSandbox')));
  assert.ok(events.includes('Created: Created container c') && events.includes('Started: Started container c'));
  // Nothing more happens on the next sync of the finished pod.
  const before = cri.calls.length;
  await syncer.sync({ ...p, status: s });
  assert.equal(cri.calls.filter((c) => c.startsWith('createContainer')).length, 1);
  assert.ok(cri.calls.length - before <= 1);
});

test('init containers run one at a time, in order, before the app container', async () => {
  const { syncer, cri, api } = setup();
  const p = pod({
    initContainers: [
      { name: 'i1', image: 'busybox', imagePullPolicy: 'IfNotPresent', command: ['sleep'] },
      { name: 'i2', image: 'busybox', imagePullPolicy: 'IfNotPresent', command: ['exit', '0'] },
    ],
    containers: [{ name: 'app', image: 'busybox', imagePullPolicy: 'IfNotPresent', command: ['sleep'] }],
  });
  await syncer.sync(p);
  assert.deepEqual(cri.calls.filter((c) => c.startsWith('startContainer')), ['startContainer i1']);
  assert.equal(lastStatus(api).phase, 'Pending');
  await syncer.sync(p);
  assert.deepEqual(cri.calls.filter((c) => c.startsWith('startContainer')), ['startContainer i1'], 'i2 waits while i1 runs');
  for (const c of cri.containers.values()) if (c.config.metadata.name === 'i1') cri.exit(c, 0);
  await syncer.sync(p);
  await syncer.sync(p);
  assert.deepEqual(cri.calls.filter((c) => c.startsWith('startContainer')), ['startContainer i1', 'startContainer i2', 'startContainer app']);
  const s = lastStatus(api);
  assert.equal(s.phase, 'Running');
  assert.equal(s.initContainerStatuses.length, 2);
});

test('sidecars start before the app container and stay running', async () => {
  const { syncer, cri, api } = setup();
  const p = pod({
    initContainers: [{ name: 'side', image: 'busybox', imagePullPolicy: 'IfNotPresent', restartPolicy: 'Always', command: ['sleep'] }],
    containers: [{ name: 'app', image: 'busybox', imagePullPolicy: 'IfNotPresent', command: ['sleep'] }],
  });
  await syncer.sync(p);
  assert.deepEqual(cri.calls.filter((c) => c.startsWith('startContainer')), ['startContainer side', 'startContainer app']);
  const s = lastStatus(api);
  assert.equal(s.phase, 'Running');
  assert.ok(s.initContainerStatuses[0].state.running);
});

test('a crashing container restarts with back-off: CrashLoopBackOff, restart count', async () => {
  const { syncer, cri, api, advance, events } = setup();
  const p = pod({ containers: [{ name: 'c', image: 'busybox', imagePullPolicy: 'IfNotPresent', command: ['exit', '1'] }] });
  await syncer.sync(p); // attempt 0 starts and exits
  const requeue = await syncer.sync(p); // first restart (no back-off yet), attempt 1 exits
  assert.deepEqual(cri.calls.filter((c) => c.startsWith('createContainer')), ['createContainer c#0', 'createContainer c#1']);
  assert.equal(requeue, undefined);
  const wait = await syncer.sync(p); // in back-off now
  assert.ok(wait !== undefined && wait > 9_000 && wait <= 10_001, String(wait));
  let s = lastStatus(api);
  assert.equal(s.containerStatuses[0].state.waiting.reason, 'CrashLoopBackOff');
  assert.equal(s.containerStatuses[0].restartCount, 1);
  assert.equal(s.containerStatuses[0].lastState.terminated.exitCode, 1);
  assert.ok(events.some((e) => e.startsWith('BackOff: Back-off restarting failed container c')));
  advance(10_001);
  await syncer.sync(p);
  assert.equal(cri.calls.filter((c) => c.startsWith('createContainer')).length, 3);
  // The next window is twice as long.
  const wait2 = await syncer.sync(p);
  assert.ok(wait2 !== undefined && wait2 > 19_000, String(wait2));
  s = lastStatus(api);
  assert.equal(s.containerStatuses[0].restartCount, 2);
  // Old attempts beyond the previous one are removed.
  assert.ok([...cri.containers.values()].length <= 2);
});

test('env from a missing ConfigMap: CreateContainerConfigError; then it starts with the values', async () => {
  const objects: Record<string, any> = {};
  const { syncer, cri, api } = setup(objects);
  const p = pod({ containers: [{ name: 'c', image: 'busybox', imagePullPolicy: 'IfNotPresent', command: ['sleep'], env: [{ name: 'A', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'a' } } }] }] });
  assert.equal(await syncer.sync(p), 2_000);
  assert.equal(lastStatus(api).containerStatuses[0].state.waiting.reason, 'CreateContainerConfigError');
  assert.equal(lastStatus(api).containerStatuses[0].state.waiting.message, 'configmap "cfg" not found');
  objects['configmaps/ns/cfg'] = { metadata: { name: 'cfg' }, data: { a: 'one' } };
  await syncer.sync(p);
  const created = [...cri.containers.values()][0];
  assert.deepEqual(created.config.envs, [{ key: 'A', value: 'one' }]);
  assert.equal(lastStatus(api).phase, 'Running');
});

test('image pull failures: ErrImagePull then ImagePullBackOff; Never without the image: ErrImageNeverPull', async () => {
  const { syncer, api, events, advance } = setup();
  const p = pod({ containers: [{ name: 'c', image: 'missing/x' }] });
  const pulls = () => events.filter((e) => e.startsWith('Pulling:')).length;
  await syncer.sync(p);
  assert.equal(lastStatus(api).containerStatuses[0].state.waiting.reason, 'ErrImagePull');
  // A sync right after (its own status write) keeps showing the failure, as upstream's 10 s worker back-off does.
  await syncer.sync(p);
  assert.equal(lastStatus(api).containerStatuses[0].state.waiting.reason, 'ErrImagePull');
  assert.equal(pulls(), 1);
  // The 10 s back-off is over: pulled again, failed again, back-off now 20 s.
  advance(10_001);
  const next = await syncer.sync(p);
  assert.equal(pulls(), 2);
  assert.equal(lastStatus(api).containerStatuses[0].state.waiting.reason, 'ErrImagePull');
  assert.ok(next !== undefined && next <= 10_001, `the sync that shows the back-off is due within 10 s, not at the end of the 20 s back-off (${next})`);
  advance(10_001);
  await syncer.sync(p);
  assert.equal(pulls(), 2);
  assert.equal(lastStatus(api).containerStatuses[0].state.waiting.reason, 'ImagePullBackOff');
  const never = pod({ containers: [{ name: 'c', image: 'other', imagePullPolicy: 'Never' }] });
  await syncer.sync(never);
  assert.equal(lastStatus(api).containerStatuses[0].state.waiting.reason, 'ErrImageNeverPull');
});

test('termination stops containers, removes the sandbox and tears the volumes down', async () => {
  const { syncer, cri, torn } = setup();
  const p = pod({ containers: [{ name: 'c', image: 'busybox', imagePullPolicy: 'IfNotPresent', command: ['sleep'] }] });
  await syncer.sync(p);
  await syncer.terminate({ ...p, metadata: { ...p.metadata, deletionTimestamp: '2026-01-01T00:00:00Z', deletionGracePeriodSeconds: 1 } }, 1);
  assert.ok(cri.calls.includes('stopContainer c'));
  assert.equal(cri.sandboxes.size, 0);
  assert.equal(cri.containers.size, 0);
  assert.deepEqual(torn, [p.metadata.name]);
});

test('a liveness kill restarts the container under restartPolicy Always', async () => {
  const { syncer, cri, events } = setup();
  const p = pod({ containers: [{ name: 'c', image: 'busybox', imagePullPolicy: 'IfNotPresent', command: ['sleep'] }] });
  await syncer.sync(p);
  syncer.requestKill(p.metadata.uid!, 'c', 'Container c failed liveness probe, will be restarted');
  await syncer.sync(p);
  assert.deepEqual(cri.calls.filter((c) => c.startsWith('createContainer')), ['createContainer c#0', 'createContainer c#1']);
  assert.ok(events.includes('Killing: Container c failed liveness probe, will be restarted'));
});

test('activeDeadlineSeconds: past it the pod is killed and Failed with DeadlineExceeded', async () => {
  const { syncer, api, advance } = setup();
  const p = pod({ activeDeadlineSeconds: 5, containers: [{ name: 'c', image: 'busybox', imagePullPolicy: 'IfNotPresent', command: ['sleep'] }] });
  const requeue = await syncer.sync(p);
  assert.ok(requeue !== undefined && requeue <= 5_001);
  advance(6_000);
  await syncer.sync(p);
  const s = lastStatus(api);
  assert.equal(s.phase, 'Failed');
  assert.equal(s.reason, 'DeadlineExceeded');
  assert.equal(s.containerStatuses[0].state.terminated.exitCode, 143);
  assert.equal(s.conditions.find((c: any) => c.type === 'Ready').reason, 'PodFailed');
});

test('a sidecar is stopped once the main container completes, and reported terminated', async () => {
  const { syncer, cri, api } = setup();
  const p = pod({
    restartPolicy: 'Never',
    initContainers: [{ name: 'side', image: 'busybox', imagePullPolicy: 'IfNotPresent', restartPolicy: 'Always', command: ['sleep'] }],
    containers: [{ name: 'main', image: 'busybox', imagePullPolicy: 'IfNotPresent', command: ['exit', '0'] }],
  });
  await syncer.sync(p);
  const s = lastStatus(api);
  assert.equal(s.phase, 'Succeeded');
  assert.ok(s.initContainerStatuses[0].state.terminated, JSON.stringify(s.initContainerStatuses[0].state));
  assert.ok(cri.calls.includes('stopContainer side'));
});
