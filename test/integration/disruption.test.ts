import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../src/api/object.js';
import { R } from '../../src/client/resources.js';
import { DisruptionController } from '../../src/controllers/disruption/disruption-controller.js';
import { eventually, runningPod, startHarness, type Harness } from './cluster-controllers-harness.js';

let h: Harness;
const NS = 'default';

before(async () => {
  h = await startHarness();
  await h.start((deps) => [new DisruptionController(deps)]);
});
after(async () => h?.stop());

const template = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } };
const ctl = (o: KubeObject, kind: string) => [{ apiVersion: 'apps/v1', kind, name: o.metadata.name!, uid: o.metadata.uid!, controller: true, blockOwnerDeletion: true }];

test('PDB status follows pods and the Deployment scale', async () => {
  const d = await h.client.create(R.deployments, NS, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: NS }, spec: { replicas: 4, selector: { matchLabels: { app: 'web' } }, template } });
  const rs = await h.client.create(R.replicasets, NS, { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'web-1', namespace: NS, ownerReferences: ctl(d, 'Deployment') }, spec: { replicas: 4, selector: { matchLabels: { app: 'web' } }, template } });
  for (let i = 0; i < 3; i++) {
    const p = await runningPod(h, NS, `web-1-${i}`, `10.42.2.${i + 1}`, true);
    await h.client.patch(R.pods, NS, p.metadata.name!, 'merge', { metadata: { ownerReferences: ctl(rs, 'ReplicaSet') } });
  }
  await h.client.create(R.poddisruptionbudgets, NS, { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'web', namespace: NS }, spec: { maxUnavailable: 1, selector: { matchLabels: { app: 'web' } } } });
  const status = await eventually(async () => {
    const s = ((await h.client.get(R.poddisruptionbudgets, NS, 'web')) as any).status;
    return s?.expectedPods === 4 ? s : undefined;
  }, 10_000, 'pdb status');
  assert.deepEqual([status.currentHealthy, status.desiredHealthy, status.disruptionsAllowed], [3, 3, 0]);
  assert.equal(status.conditions[0].reason, 'InsufficientPods');
  assert.equal(status.observedGeneration, 1);

  await h.client.patch(R.deployments, NS, 'web', 'merge', { spec: { replicas: 3 } });
  const after = await eventually(async () => {
    const s = ((await h.client.get(R.poddisruptionbudgets, NS, 'web')) as any).status;
    return s?.expectedPods === 3 ? s : undefined;
  }, 10_000, 'pdb follows scale');
  assert.deepEqual([after.desiredHealthy, after.disruptionsAllowed], [2, 1]);
  assert.equal(after.conditions[0].status, 'True');
});
