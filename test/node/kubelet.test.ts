// The kubelet core against real containers: a control plane in the test process, the agent with
// its own containerd, and pods exercising the lifecycle: run to completion with logs on disk,
// init container ordering, crash back-off, env from ConfigMaps and Secrets, static pods with
// mirror pods, and deletion removing every runtime piece. Needs root and containerd.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import pino from 'pino';
import type { KubeObject } from '../../src/api/object.js';
import { startAgent, type RunningAgent } from '../../src/agent/agent.js';
import { HttpKubeClient } from '../../src/client/http-client.js';
import { R } from '../../src/client/resources.js';
import { startTestControlPlane, type TestControlPlane } from '../support/control-plane.js';
import { startImageRegistry, type ImageRegistry } from '../support/image-registry.js';
import { nodeRuntimeUnavailable, testNodeNetwork, unmountBelow } from '../support/node-runtime.js';

const skip = nodeRuntimeUnavailable();
const NODE = `k8ts-kl-${process.pid}`;
const NS = 'default';
const net = testNodeNetwork('k8tsk');
const { podCIDR } = net;
let cp: TestControlPlane;
let registry: ImageRegistry;
let client: HttpKubeClient;
let agent: RunningAgent;
let dataDir: string;
const ac = new AbortController();

type Obj = Record<string, any>;

before(async () => {
  if (skip) return;
  registry = await startImageRegistry();
  cp = await startTestControlPlane({ controllers: true, serviceCidr: net.serviceCIDR });
  client = new HttpKubeClient(await cp.clientConfig('admin', ['system:masters']));
  dataDir = await mkdtemp(join(tmpdir(), 'k8ts-kl-'));
  await writeFile(join(dataDir, 'registries.yaml'), registry.registriesYaml());
  await mkdir(join(dataDir, 'manifests'), { recursive: true });
  await writeFile(
    join(dataDir, 'manifests', 'static-web.yaml'),
    'apiVersion: v1\nkind: Pod\nmetadata:\n  name: static-web\n  namespace: default\nspec:\n  containers:\n  - name: c\n    image: busybox\n    command: ["sleep", "3600"]\n',
  );
  agent = await startAgent(
    {
      dataDir,
      nodeName: NODE,
      nodeIP: '127.0.0.1',
      serverClientConfig: await cp.clientConfig(`system:node:${NODE}`, ['system:nodes']),
      podCIDR,
      clusterCIDR: net.clusterCIDR,
      serviceCIDR: net.serviceCIDR,
      cniBridge: net.bridge,
      removePodsOnStop: true,
      logger: pino({ level: process.env.K8TS_TEST_LOG ?? 'silent' }),
    },
    ac.signal,
  );
});

after(async () => {
  if (skip) return;
  ac.abort();
  await agent?.done;
  client?.close();
  await cp?.stop();
  await registry?.stop();
  await net.cleanup();
  if (dataDir) {
    await unmountBelow(dataDir);
    await rm(dataDir, { recursive: true, force: true });
  }
});

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    const v = await fn().catch((e: unknown) => {
      last = e;
      return undefined;
    });
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const pod = (name: string, spec: Obj): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: NS }, spec: { nodeName: NODE, terminationGracePeriodSeconds: 1, ...spec } });

const getPod = (name: string) => client.get(R.pods, NS, name) as Promise<Obj & KubeObject>;

async function podWhere(name: string, ok: (p: Obj) => boolean, timeoutMs = 60_000): Promise<Obj> {
  return waitFor(`${name}`, async () => {
    const p = await getPod(name);
    return ok(p) ? p : undefined;
  }, timeoutMs);
}

async function deleteAndWait(name: string): Promise<void> {
  await client.delete(R.pods, NS, name).catch(() => undefined);
  await waitFor(`${name} gone`, async () => {
    try {
      await getPod(name);
      return undefined;
    } catch {
      return true;
    }
  });
}

test('the node registers with capacity, nodeInfo and a lease', { skip }, async () => {
  await agent.registered;
  const node = await waitFor('Ready node', async () => {
    const n = (await client.get(R.nodes, '', NODE)) as Obj;
    return n.status?.conditions?.some((c: Obj) => c.type === 'Ready' && c.status === 'True') ? n : undefined;
  });
  assert.ok(Number(node.status.capacity.cpu) >= 1);
  assert.match(node.status.capacity.memory, /Ki$/);
  assert.equal(node.status.capacity.pods, '110');
  assert.match(node.status.nodeInfo.containerRuntimeVersion, /^containerd:\/\//);
  assert.equal(node.status.nodeInfo.kubeletVersion, 'v1.32.4-k8ts');
  assert.deepEqual(node.status.addresses[0], { type: 'InternalIP', address: '127.0.0.1' });
  await client.get(R.leases, 'kube-node-lease', NODE);
});

test('a pod that echoes and exits: Succeeded, Completed, log on disk', { skip }, async () => {
  await client.create(R.pods, NS, pod('echo', { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox', command: ['sh', '-c', 'echo hello from k8ts'] }] }));
  const p = await podWhere('echo', (x) => x.status?.phase === 'Succeeded');
  const cs = p.status.containerStatuses[0];
  assert.equal(cs.state.terminated.reason, 'Completed');
  assert.match(cs.containerID, /^containerd:\/\//);
  const log = await readFile(join(dataDir, 'agent', 'pods', `${NS}_echo_${p.metadata.uid}`, 'c', '0.log'), 'utf8');
  assert.match(log, /stdout F hello from k8ts/);
  await deleteAndWait('echo');
});

test('init containers run in order before the app container', { skip }, async () => {
  await client.create(R.pods, NS, pod('inits', {
    restartPolicy: 'Never',
    volumes: [{ name: 'w', emptyDir: {} }],
    initContainers: [
      { name: 'one', image: 'busybox', command: ['sh', '-c', 'echo one >> /w/order'], volumeMounts: [{ name: 'w', mountPath: '/w' }] },
      { name: 'two', image: 'busybox', command: ['sh', '-c', 'echo two >> /w/order'], volumeMounts: [{ name: 'w', mountPath: '/w' }] },
    ],
    containers: [{ name: 'main', image: 'busybox', command: ['sh', '-c', 'echo main >> /w/order; cat /w/order'], volumeMounts: [{ name: 'w', mountPath: '/w' }] }],
  }));
  const p = await podWhere('inits', (x) => x.status?.phase === 'Succeeded' || x.status?.phase === 'Failed');
  assert.equal(p.status.phase, 'Succeeded');
  assert.deepEqual(p.status.initContainerStatuses.map((s: Obj) => s.state.terminated?.reason), ['Completed', 'Completed']);
  const log = await readFile(join(dataDir, 'agent', 'pods', `${NS}_inits_${p.metadata.uid}`, 'main', '0.log'), 'utf8');
  assert.deepEqual([...log.matchAll(/stdout F (\w+)/g)].map((m) => m[1]), ['one', 'two', 'main']);
  await deleteAndWait('inits');
});

test('a sidecar starts before the main container and stops after it', { skip }, async () => {
  await client.create(R.pods, NS, pod('sidecar', {
    restartPolicy: 'Never',
    initContainers: [{ name: 'side', image: 'busybox', restartPolicy: 'Always', command: ['sh', '-c', 'echo up > /tmp/up; sleep 3600'] }],
    containers: [{ name: 'main', image: 'busybox', command: ['sh', '-c', 'echo main done'] }],
  }));
  const p = await podWhere('sidecar', (x) => x.status?.phase === 'Succeeded' && !!x.status.initContainerStatuses?.[0]?.state?.terminated);
  assert.equal(p.status.containerStatuses[0].state.terminated.reason, 'Completed');
  await deleteAndWait('sidecar');
});

test('a crashing container backs off: CrashLoopBackOff, restart count', { skip }, async () => {
  await client.create(R.pods, NS, pod('crash', { containers: [{ name: 'c', image: 'busybox', command: ['sh', '-c', 'exit 3'] }] }));
  const p = await podWhere('crash', (x) => x.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'CrashLoopBackOff', 60_000);
  const cs = p.status.containerStatuses[0];
  assert.ok(cs.restartCount >= 1);
  assert.equal(cs.lastState.terminated.exitCode, 3);
  assert.equal(cs.lastState.terminated.reason, 'Error');
  await deleteAndWait('crash');
});

test('termination messages: the file the container wrote, or its log on error', { skip }, async () => {
  await client.create(R.pods, NS, pod('tmsg', {
    restartPolicy: 'Never',
    containers: [
      { name: 'file', image: 'busybox', command: ['sh', '-c', 'echo -n goodbye > /dev/termination-log; exit 2'] },
      { name: 'logs', image: 'busybox', terminationMessagePolicy: 'FallbackToLogsOnError', command: ['sh', '-c', 'echo it broke; exit 1'] },
    ],
  }));
  const p = await podWhere('tmsg', (x) => x.status?.phase === 'Failed');
  const by = Object.fromEntries(p.status.containerStatuses.map((s: Obj) => [s.name, s.state.terminated]));
  assert.equal(by.file.message, 'goodbye');
  assert.equal(by.file.exitCode, 2);
  assert.equal(by.logs.message, 'it broke\n');
  await deleteAndWait('tmsg');
});

test('env from a ConfigMap and a Secret, with $(VAR) expansion', { skip }, async () => {
  await client.create(R.configmaps, NS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kl-cfg' }, data: { COLOR: 'blue' } });
  await client.create(R.secrets, NS, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'kl-sec' }, data: { token: Buffer.from('s3cr3t').toString('base64') } });
  await client.create(R.pods, NS, pod('envs', {
    restartPolicy: 'Never',
    containers: [{
      name: 'c', image: 'busybox',
      command: ['sh', '-c', 'echo color=$(COLOR) token=$TOKEN pod=$(POD)'],
      envFrom: [{ configMapRef: { name: 'kl-cfg' } }],
      env: [
        { name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'kl-sec', key: 'token' } } },
        { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      ],
    }],
  }));
  const p = await podWhere('envs', (x) => x.status?.phase === 'Succeeded' || x.status?.phase === 'Failed');
  assert.equal(p.status.phase, 'Succeeded');
  const log = await readFile(join(dataDir, 'agent', 'pods', `${NS}_envs_${p.metadata.uid}`, 'c', '0.log'), 'utf8');
  assert.match(log, /color=blue token=s3cr3t pod=envs/);
  await deleteAndWait('envs');
  await client.delete(R.configmaps, NS, 'kl-cfg');
  await client.delete(R.secrets, NS, 'kl-sec');
});

test('a static pod runs with a mirror pod in the API', { skip }, async () => {
  const mirror = await podWhere(`static-web-${NODE}`, (x) => x.status?.phase === 'Running', 60_000);
  assert.ok(mirror.metadata.annotations['kubernetes.io/config.mirror']);
  assert.ok(mirror.status.podIP);
  // A deleted mirror pod comes back; the static pod itself keeps running.
  await client.delete(R.pods, NS, `static-web-${NODE}`);
  const again = await podWhere(`static-web-${NODE}`, (x) => x.metadata.uid !== mirror.metadata.uid && !x.metadata.deletionTimestamp && x.status?.phase === 'Running', 60_000);
  assert.equal(again.status.podIP, mirror.status.podIP);
});

test('deleting a running pod removes its containers, sandbox and directory', { skip }, async () => {
  await client.create(R.pods, NS, pod('doomed', { containers: [{ name: 'c', image: 'busybox', command: ['sleep', '3600'] }] }));
  const p = await podWhere('doomed', (x) => x.status?.phase === 'Running');
  const uid = p.metadata.uid;
  await deleteAndWait('doomed');
  const { CriClient } = await import('../../src/kubelet/cri/cri-client.js');
  const cri = new CriClient(agent.criSocket);
  try {
    const sb = await cri.runtime.listPodSandbox({ filter: { label_selector: { 'io.kubernetes.pod.uid': uid } } });
    const cs = await cri.runtime.listContainers({ filter: { label_selector: { 'io.kubernetes.pod.uid': uid } } });
    assert.equal(sb.items.length, 0);
    assert.equal(cs.containers.length, 0);
  } finally {
    cri.close();
  }
  assert.equal(existsSync(join(dataDir, 'agent', 'pods', `${NS}_doomed_${uid}`)), false);
});
