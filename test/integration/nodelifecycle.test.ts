import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../src/api/object.js';
import { R } from '../../src/client/resources.js';
import { isNotFound } from '../../src/client/types.js';
import { NodeLifecycleController } from '../../src/controllers/nodelifecycle/nodelifecycle-controller.js';
import { eventually, startHarness, type Harness } from './cluster-controllers-harness.js';

let h: Harness;
const now = () => new Date().toISOString();

before(async () => {
  h = await startHarness();
  await h.start((deps) => [new NodeLifecycleController(deps, { monitorPeriodMs: 100, monitorGraceMs: 1_000, startupGraceMs: 1_000, orphanQuarantineMs: 500 })]);
});
after(async () => h?.stop());

async function heartbeat(name: string, status: 'True' | 'False' = 'True'): Promise<void> {
  const node = await h.client.get(R.nodes, '', name);
  const conditions = [{ type: 'Ready', status, reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: now(), lastTransitionTime: now() }];
  await h.client.update(R.nodes, '', { ...node, status: { ...(node as any).status, conditions } }, { subresource: 'status' });
}

const pod = (name: string, nodeName: string, tolerations: unknown[]): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default' },
  spec: { nodeName, tolerations, containers: [{ name: 'c', image: 'busybox' }] },
});

const deletedOrTerminating = (name: string) => async () => {
  try {
    return !!(await h.client.get(R.pods, 'default', name)).metadata.deletionTimestamp;
  } catch (err) {
    return isNotFound(err);
  }
};

test('silent node goes Unknown and tainted, intolerant pods are evicted, recovery removes taints', async () => {
  await h.client.create(R.nodes, '', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } });
  await heartbeat('n1');
  const unreachable = { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' };
  await h.client.create(R.pods, 'default', pod('evict-now', 'n1', [{ ...unreachable, tolerationSeconds: 0 }]));
  await h.client.create(R.pods, 'default', pod('evict-later', 'n1', [{ ...unreachable, tolerationSeconds: 2 }]));
  await h.client.create(R.pods, 'default', pod('stays', 'n1', [unreachable]));

  const node = await eventually(async () => {
    const n = await h.client.get(R.nodes, '', 'n1');
    const ready = (n as any).status.conditions.find((c: any) => c.type === 'Ready');
    return ready.status === 'Unknown' && ((n as any).spec.taints ?? []).length === 2 ? n : undefined;
  }, 10_000, 'node Unknown and tainted');
  assert.equal((node as any).status.conditions.find((c: any) => c.type === 'Ready').reason, 'NodeStatusUnknown');
  assert.deepEqual((node as any).spec.taints.map((t: any) => `${t.key}:${t.effect}`).sort(), ['node.kubernetes.io/unreachable:NoExecute', 'node.kubernetes.io/unreachable:NoSchedule']);

  await eventually(deletedOrTerminating('evict-now'), 5_000, 'evict-now evicted');
  assert.equal(await deletedOrTerminating('evict-later')(), false);
  await eventually(deletedOrTerminating('evict-later'), 8_000, 'evict-later evicted');
  assert.equal(await deletedOrTerminating('stays')(), false);
  assert.ok(h.events.some((e) => e.reason === 'TaintManagerEviction'));

  await heartbeat('n1');
  await eventually(async () => ((await h.client.get(R.nodes, '', 'n1')) as any).spec.taints === undefined, 5_000, 'taints removed');
});

test('Ready=False gives not-ready taints', async () => {
  await h.client.create(R.nodes, '', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n2' } });
  await heartbeat('n2', 'False');
  await eventually(async () => {
    const taints = ((await h.client.get(R.nodes, '', 'n2')) as any).spec.taints ?? [];
    return taints.some((t: any) => t.key === 'node.kubernetes.io/not-ready' && t.effect === 'NoExecute');
  }, 5_000, 'not-ready taint');
});

test('pods bound to a node that does not exist are force-deleted after the quarantine', async () => {
  await h.client.create(R.pods, 'default', pod('orphan', 'ghost-node', []));
  await eventually(async () => {
    try {
      await h.client.get(R.pods, 'default', 'orphan');
      return false;
    } catch (err) {
      return isNotFound(err);
    }
  }, 5_000, 'orphan gone');
});

test('with simulated nodes: a stopped node loses its pods to eviction, which stay Terminating until it returns', async () => {
  const { startSimNodes } = await import('../../src/sim/start-sim-nodes.js');
  const pino = (await import('pino')).default;
  const ac = new AbortController();
  const pool = startSimNodes(await h.cp.clientConfig('system:k8ts-sim', ['system:nodes']), 2, pino({ level: 'silent' }), ac.signal, { namePrefix: 'lc-', heartbeatSeconds: 0.2, nodeStatusSeconds: 0.5 });
  try {
    await eventually(async () => {
      const n = await h.client.get(R.nodes, '', 'lc-0');
      return (n as any).status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True');
    }, 10_000, 'sim node ready');
    const unreachable = { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 1 };
    await h.client.create(R.pods, 'default', pod('lc-pod', 'lc-0', [unreachable]));
    await eventually(async () => ((await h.client.get(R.pods, 'default', 'lc-pod')) as any).status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True'), 10_000, 'pod ready');

    pool.stopNode('lc-0');
    await eventually(async () => ((await h.client.get(R.pods, 'default', 'lc-pod')) as any).status.conditions.some((c: any) => c.type === 'Ready' && c.status === 'False'), 10_000, 'pod marked not ready');
    await eventually(async () => !!(await h.client.get(R.pods, 'default', 'lc-pod')).metadata.deletionTimestamp, 10_000, 'pod evicted');
    // The other node is untouched.
    assert.equal(((await h.client.get(R.nodes, '', 'lc-1')) as any).spec.taints, undefined);

    await pool.startNode('lc-0');
    await eventually(async () => {
      try {
        await h.client.get(R.pods, 'default', 'lc-pod');
        return false;
      } catch (err) {
        return isNotFound(err);
      }
    }, 10_000, 'kubelet finished the deletion');
    await eventually(async () => ((await h.client.get(R.nodes, '', 'lc-0')) as any).spec.taints === undefined, 10_000, 'taints removed');
  } finally {
    ac.abort();
  }
});
