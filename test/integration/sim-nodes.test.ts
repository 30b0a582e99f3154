// Simulated nodes against a real in-process control plane: registration, Lease heartbeats, pods
// going Running/Ready with addresses from the node's range, completion, readiness gates, stops.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import type { KubeObject } from '../../src/api/object.js';
import { HttpKubeClient } from '../../src/client/http-client.js';
import { createSharedInformerFactory } from '../../src/client/informer.js';
import { realClock } from '../../src/client/informer-types.js';
import { R } from '../../src/client/resources.js';
import { SimNodePool } from '../../src/sim/sim-node-pool.js';
import { startTestControlPlane, type TestControlPlane } from '../support/control-plane.js';

let cp: TestControlPlane;
let client: HttpKubeClient;
let simClient: HttpKubeClient;
let pool: SimNodePool;
const ac = new AbortController();
let running: Promise<void>;

before(async () => {
  cp = await startTestControlPlane({ controllers: false });
  const config = await cp.clientConfig('admin', ['system:masters']);
  client = new HttpKubeClient(config);
  simClient = new HttpKubeClient(config);
  const logger = pino({ level: process.env.K8TS_TEST_LOG ?? 'silent' });
  pool = new SimNodePool(
    { client: simClient, informers: createSharedInformerFactory(simClient), clock: realClock, logger },
    { count: 3, heartbeatSeconds: 1, nodeStatusSeconds: 1, completeAfterMs: 500, labels: { 'topology.kubernetes.io/zone': 'sim-a' } },
  );
  running = pool.run(ac.signal);
  await pool.registered;
});

after(async () => {
  ac.abort();
  await running;
  simClient.close();
  client.close();
  await cp.stop();
});

async function eventually<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const renewTime = async (name: string) => ((await client.get(R.leases, 'kube-node-lease', name)).spec as any).renewTime as string;
const cond = (p: KubeObject, type: string) => ((p.status as any)?.conditions ?? []).find((c: any) => c.type === type);

function pod(name: string, nodeName: string, spec: Record<string, unknown> = {}, annotations?: Record<string, string>): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', annotations },
    spec: { nodeName, containers: [{ name: 'app', image: 'registry.k8s.io/pause:3.10' }], ...spec },
  };
}

test('three nodes register with capacity, labels, addresses and Ready', async () => {
  const nodes = await client.list(R.nodes, '');
  const names = nodes.items.map((n) => n.metadata.name).sort();
  assert.deepEqual(names, ['sim-node-0', 'sim-node-1', 'sim-node-2']);
  const n1 = nodes.items.find((n) => n.metadata.name === 'sim-node-1')! as any;
  assert.equal(n1.metadata.labels['kubernetes.io/hostname'], 'sim-node-1');
  assert.equal(n1.metadata.labels['k8ts.io/sim'], 'true');
  assert.equal(n1.metadata.labels['topology.kubernetes.io/zone'], 'sim-a');
  assert.equal(n1.spec.podCIDR, '10.42.1.0/24');
  assert.equal(n1.status.capacity.cpu, '32');
  assert.equal(n1.status.allocatable.pods, '110');
  assert.equal(n1.status.addresses[0].address, '192.0.2.2');
  assert.equal(n1.status.conditions.find((c: any) => c.type === 'Ready').status, 'True');
  assert.equal(n1.status.nodeInfo.kubeletVersion, 'v1.32.4-k8ts-sim');
  const lease = (await client.get(R.leases, 'kube-node-lease', 'sim-node-1')) as any;
  assert.equal(lease.spec.holderIdentity, 'sim-node-1');
  assert.equal(lease.spec.leaseDurationSeconds, 40);
  assert.equal(lease.metadata.ownerReferences[0].uid, n1.metadata.uid);
});

test('Leases renew and node status heartbeats keep the rest of the status', async () => {
  const first = await renewTime('sim-node-0');
  await eventually('a lease renewal', async () => (await renewTime('sim-node-0')) > first);
  const heartbeat = async () => ((await client.get(R.nodes, '', 'sim-node-0')).status as any).conditions.find((c: any) => c.type === 'Ready');
  const before = await heartbeat();
  await eventually('a node status heartbeat', async () => (await heartbeat()).lastHeartbeatTime > before.lastHeartbeatTime);
  const node = (await client.get(R.nodes, '', 'sim-node-0')) as any;
  assert.equal(node.status.capacity.memory, '256Gi');
  assert.equal((await heartbeat()).lastTransitionTime, before.lastTransitionTime);
});

test('a pod bound to a node goes Running and Ready with an address from its range', async () => {
  await client.create(R.pods, 'default', pod('web', 'sim-node-2'));
  const p = await eventually('pod Ready', async () => {
    const p = await client.get(R.pods, 'default', 'web');
    return cond(p, 'Ready')?.status === 'True' && p;
  });
  const s = p.status as any;
  assert.equal(s.phase, 'Running');
  assert.match(s.podIP, /^10\.42\.2\.\d+$/);
  assert.equal(s.hostIP, '192.0.2.3');
  assert.equal(s.containerStatuses[0].ready, true);
  assert.ok(s.startTime);
  const rv = p.metadata.resourceVersion;
  await new Promise((r) => setTimeout(r, 500));
  assert.equal((await client.get(R.pods, 'default', 'web')).metadata.resourceVersion, rv, 'no further writes once settled');

  // The kubelet's part of deletion: a graceful delete is finished at once.
  await client.delete(R.pods, 'default', 'web');
  await eventually('pod gone', async () => {
    try {
      await client.get(R.pods, 'default', 'web');
      return false;
    } catch (err) {
      return (err as any).code === 404;
    }
  });
});

test('a restartPolicy Never pod Succeeds; a failing one Fails', async () => {
  await client.create(R.pods, 'default', pod('job-ok', 'sim-node-0', { restartPolicy: 'Never' }));
  await client.create(R.pods, 'default', pod('job-bad', 'sim-node-0', { restartPolicy: 'Never' }, { 'k8ts.io/sim-exit-code': '2' }));
  const ok = await eventually('Succeeded', async () => {
    const p = await client.get(R.pods, 'default', 'job-ok');
    return (p.status as any).phase === 'Succeeded' && p;
  });
  assert.equal((ok.status as any).containerStatuses[0].state.terminated.reason, 'Completed');
  const bad = await eventually('Failed', async () => {
    const p = await client.get(R.pods, 'default', 'job-bad');
    return (p.status as any).phase === 'Failed' && p;
  });
  assert.equal((bad.status as any).containerStatuses[0].state.terminated.exitCode, 2);
});

test('readiness gates hold Ready until their condition is True', async () => {
  await client.create(R.pods, 'default', pod('gated', 'sim-node-1', { readinessGates: [{ conditionType: 'example.com/ready' }] }));
  const p = await eventually('containers ready', async () => {
    const p = await client.get(R.pods, 'default', 'gated');
    return cond(p, 'ContainersReady')?.status === 'True' && p;
  });
  assert.equal(cond(p, 'Ready').status, 'False');
  assert.equal(cond(p, 'Ready').reason, 'ReadinessGatesNotReady');
  const status = p.status as any;
  await client.update(R.pods, 'default', { ...p, status: { ...status, conditions: [...status.conditions, { type: 'example.com/ready', status: 'True' }] } }, { subresource: 'status' });
  await eventually('Ready after the gate', async () => cond(await client.get(R.pods, 'default', 'gated'), 'Ready')?.status === 'True');
});

test('a stopped node stops renewing its Lease and leaves its pods alone; starting resumes', async () => {
  pool.stopNode('sim-node-1');
  await new Promise((r) => setTimeout(r, 300)); // let an in-flight renewal land
  const frozen = await renewTime('sim-node-1');
  await client.create(R.pods, 'default', pod('orphan', 'sim-node-1'));
  await new Promise((r) => setTimeout(r, 2500));
  assert.equal(await renewTime('sim-node-1'), frozen, 'no renewals while stopped');
  assert.equal(((await client.get(R.pods, 'default', 'orphan')).status as any).phase, 'Pending');
  assert.ok((await renewTime('sim-node-0')) > frozen, 'other nodes keep heartbeating');

  await pool.startNode('sim-node-1');
  assert.ok((await renewTime('sim-node-1')) > frozen);
  await eventually('pod Running after restart', async () => ((await client.get(R.pods, 'default', 'orphan')).status as any).phase === 'Running');
});
