import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { R } from '../../src/client/resources.js';
import { ServiceAccountsController } from '../../src/controllers/serviceaccount/serviceaccount-controller.js';
import { eventually, startHarness, type Harness } from './cluster-controllers-harness.js';

let h: Harness;

before(async () => {
  h = await startHarness();
  await h.start((deps) => [new ServiceAccountsController(deps)]);
});
after(async () => h?.stop());

test('every namespace gets a default ServiceAccount, recreated when deleted', async () => {
  await eventually(() => h.client.get(R.serviceaccounts, 'kube-system', 'default'), 10_000, 'kube-system default SA');
  await h.client.create(R.namespaces, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'sa-test' } });
  const first = await eventually(() => h.client.get(R.serviceaccounts, 'sa-test', 'default'), 10_000, 'default SA');
  await h.client.delete(R.serviceaccounts, 'sa-test', 'default');
  const second = await eventually(async () => {
    const sa = await h.client.get(R.serviceaccounts, 'sa-test', 'default');
    return sa.metadata.uid !== first.metadata.uid ? sa : undefined;
  }, 10_000, 'recreated SA');
  assert.ok(second.metadata.uid);
});
