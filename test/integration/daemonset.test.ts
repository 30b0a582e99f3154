// DaemonSet controller against a real API server: one pod per eligible node (pinned by
// node affinity), new nodes get one, and a RollingUpdate replaces them within maxUnavailable.
// The test creates Node objects and plays kubelet by writing pod status.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../src/api/object.js';
import { R } from '../../src/client/resources.js';
import { DaemonSetController } from '../../src/controllers/daemonset/daemonset-controller.js';
import { targetNodeName } from '../../src/controllers/daemonset/node-eligibility.js';
import { eventually, startHarness, type Harness } from './cluster-controllers-harness.js';

const NS = 'default';
let h: Harness;

before(async () => {
  h = await startHarness();
  await h.start((deps) => [new DaemonSetController(deps)]);
});
after(async () => h.stop());

const node = (name: string, labels: Record<string, string>, taints: unknown[] = []): KubeObject => ({ apiVersion: 'v1', kind: 'Node', metadata: { name, labels }, spec: { taints } });

async function livePods(): Promise<KubeObject[]> {
  return (await h.client.list(R.pods, NS, { labelSelector: 'app=agent' })).items.filter((p) => !p.metadata.deletionTimestamp);
}
const nodesOf = (pods: KubeObject[]): string[] => pods.map((p) => targetNodeName(p as never)!).sort();

async function markAllReady(): Promise<void> {
  for (const p of await livePods()) {
    if ((p.status as { phase?: string } | undefined)?.phase === 'Running') continue;
    await h.client.update(R.pods, NS, { ...p, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } }, { subresource: 'status' }).catch(() => undefined);
  }
}

test('one pod per eligible node, and new nodes get one', async () => {
  await h.client.create(R.nodes, '', node('n1', { role: 'worker' }));
  await h.client.create(R.nodes, '', node('n2', { role: 'worker' }, [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }]));
  await h.client.create(R.nodes, '', node('n3', { role: 'control' }));
  await h.client.create(R.nodes, '', node('n4', { role: 'worker' }, [{ key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' }]));
  await h.client.create(R.daemonsets, NS, {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'agent', namespace: NS },
    spec: {
      selector: { matchLabels: { app: 'agent' } },
      template: { metadata: { labels: { app: 'agent' } }, spec: { nodeSelector: { role: 'worker' }, containers: [{ name: 'a', image: 'agent:1' }] } },
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } },
    },
  });
  await eventually(async () => nodesOf(await livePods()).join() === 'n1,n4', 10_000, 'pods on n1 and n4');
  const [p] = await livePods();
  const spec = p!.spec as { nodeName?: string; tolerations: { key: string }[] };
  assert.equal(spec.nodeName, undefined, 'left to the scheduler');
  assert.ok(spec.tolerations.some((t) => t.key === 'node.kubernetes.io/unreachable'));
  assert.equal(p!.metadata.ownerReferences?.[0]?.kind, 'DaemonSet');
  assert.ok(p!.metadata.labels!['controller-revision-hash']);

  await h.client.create(R.nodes, '', node('n5', { role: 'worker' }));
  await eventually(async () => nodesOf(await livePods()).join() === 'n1,n4,n5', 10_000, 'pod on new node n5');
  await markAllReady();
  const status = await eventually(async () => {
    const s = (await h.client.get(R.daemonsets, NS, 'agent')).status as Record<string, number>;
    return s?.numberReady === 3 ? s : undefined;
  }, 10_000, 'numberReady 3');
  assert.equal(status.desiredNumberScheduled, 3);
  assert.equal(status.currentNumberScheduled, 3);
  assert.equal(status.updatedNumberScheduled, 3);
  assert.equal(status.numberMisscheduled, 0);
});

test('rolling update never has more than maxUnavailable pods down', async () => {
  const oldHash = (await livePods())[0]!.metadata.labels!['controller-revision-hash'];
  await h.client.patch(R.daemonsets, NS, 'agent', 'strategic', { spec: { template: { spec: { containers: [{ name: 'a', image: 'agent:2' }] } } } });
  const deadline = Date.now() + 30_000;
  for (;;) {
    const pods = await livePods();
    const oldReady = pods.filter((p) => p.metadata.labels!['controller-revision-hash'] === oldHash).length;
    const newPods = pods.filter((p) => p.metadata.labels!['controller-revision-hash'] !== oldHash);
    const newReady = newPods.filter((p) => (p.status as { phase?: string })?.phase === 'Running').length;
    assert.ok(oldReady + newReady >= 2, `at most one node without an available pod (old ${oldReady}, new ready ${newReady})`);
    if (newReady === 3 && oldReady === 0) break;
    assert.ok(Date.now() < deadline, 'rollout finishes');
    await markAllReady();
    await new Promise((r) => setTimeout(r, 100));
  }
  const revs = (await h.client.list(R.controllerrevisions, NS)).items as (KubeObject & { revision: number })[];
  assert.deepEqual(revs.map((r) => r.revision).sort(), [1, 2]);
});
