import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { R } from '../../src/client/resources.js';
import { ResourceQuotaController } from '../../src/controllers/resourcequota/resourcequota-controller.js';
import { eventually, startHarness, type Harness } from './cluster-controllers-harness.js';

let h: Harness;
const NS = 'default';

before(async () => {
  h = await startHarness();
  await h.start((deps) => [new ResourceQuotaController(deps)]);
});
after(async () => h?.stop());

const usedOf = async () => ((await h.client.get(R.resourcequotas, NS, 'q')) as any).status?.used;

test('ResourceQuota status tracks counts and compute usage', async () => {
  await h.client.create(R.resourcequotas, NS, {
    apiVersion: 'v1',
    kind: 'ResourceQuota',
    metadata: { name: 'q', namespace: NS },
    spec: { hard: { pods: '10', 'requests.cpu': '2', 'limits.memory': '1Gi', configmaps: '5', 'count/deployments.apps': '2' } },
  });
  const first = await eventually(async () => (await usedOf()) ?? undefined, 10_000, 'initial status');
  assert.equal(first.pods, '0');
  assert.equal(first['requests.cpu'], '0');
  const q = (await h.client.get(R.resourcequotas, NS, 'q')) as any;
  assert.deepEqual(q.status.hard, { pods: '10', 'requests.cpu': '2', 'limits.memory': '1Gi', configmaps: '5', 'count/deployments.apps': '2' });

  for (const [name, cpu] of [['a', '250m'], ['b', '500m']] as const) {
    await h.client.create(R.pods, NS, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: NS },
      spec: { containers: [{ name: 'c', image: 'nginx', resources: { requests: { cpu }, limits: { cpu: '1', memory: '128Mi' } } }] },
    });
  }
  await h.client.create(R.configmaps, NS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm1', namespace: NS } });
  const used = await eventually(async () => {
    const u = await usedOf();
    return u?.pods === '2' && u.configmaps !== '0' ? u : undefined;
  }, 10_000, 'usage counted');
  assert.equal(used['requests.cpu'], '750m');
  assert.equal(used['limits.memory'], '256Mi');
  assert.equal(used['count/deployments.apps'], '0');
  assert.ok(Number(used.configmaps) >= 1);

  await h.client.delete(R.pods, NS, 'a', { gracePeriodSeconds: 0 });
  await eventually(async () => (await usedOf())?.pods === '1', 10_000, 'pod deletion counted');
  assert.equal((await usedOf())['requests.cpu'], '500m');
});
