import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gvrPath, listQuery, writeQuery } from '../../src/client/request-path.js';
import { R } from '../../src/client/resources.js';
import { TokenBucket } from '../../src/client/token-bucket.js';

test('paths of core, group, namespaced, cluster-scoped and namespaces resources', () => {
  assert.equal(gvrPath(R.pods, 'default'), '/api/v1/namespaces/default/pods');
  assert.equal(gvrPath(R.pods, ''), '/api/v1/pods');
  assert.equal(gvrPath(R.pods, 'ns', 'p', 'status'), '/api/v1/namespaces/ns/pods/p/status');
  assert.equal(gvrPath(R.deployments, 'ns', 'd', 'scale'), '/apis/apps/v1/namespaces/ns/deployments/d/scale');
  assert.equal(gvrPath(R.nodes, '', 'n1'), '/api/v1/nodes/n1');
  assert.equal(gvrPath(R.namespaces, ''), '/api/v1/namespaces');
  assert.equal(gvrPath(R.namespaces, '', 'kube-system', 'finalize'), '/api/v1/namespaces/kube-system/finalize');
  assert.equal(gvrPath(R.namespaces, 'x', 'kube-system'), '/api/v1/namespaces/kube-system');
  assert.equal(gvrPath(R.clusterroles, '', 'system:node'), '/apis/rbac.authorization.k8s.io/v1/clusterroles/system%3Anode');
});

test('list and watch query strings', () => {
  assert.equal(listQuery(undefined, false), '');
  assert.equal(listQuery({ labelSelector: 'a=b,c in (d)', limit: 500 }, false), '?labelSelector=a%3Db%2Cc%20in%20(d)&limit=500');
  assert.equal(
    listQuery({ resourceVersion: '12', allowWatchBookmarks: true, timeoutSeconds: 300, fieldSelector: 'spec.nodeName=n', signal: new AbortController().signal }, true),
    '?watch=true&fieldSelector=spec.nodeName%3Dn&resourceVersion=12&allowWatchBookmarks=true&timeoutSeconds=300',
  );
  assert.equal(listQuery({ continue: 'tok', resourceVersion: '0' }, false), '?continue=tok&resourceVersion=0');
});

test('write query strings', () => {
  assert.equal(writeQuery(undefined), '');
  assert.equal(writeQuery({ fieldManager: 'kube-controller-manager', dryRun: true }, true), '?fieldManager=kube-controller-manager&dryRun=All&force=true');
});

test('token bucket: burst at once, then qps', async () => {
  const b = new TokenBucket(50, 3);
  const t0 = performance.now();
  assert.equal(b.take(), undefined);
  assert.equal(b.take(), undefined);
  assert.equal(b.take(), undefined);
  const waits = [b.take(), b.take(), b.take()];
  assert.ok(waits.every((w) => w instanceof Promise));
  await Promise.all(waits);
  const ms = performance.now() - t0;
  assert.ok(ms >= 50 && ms < 2000, `3 tokens at 50/s took ${ms} ms`);
});
