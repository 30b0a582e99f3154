// Two servers against one etcd: only one controller manager leads; when its server stops, the
// other takes the Lease over within 15 s and keeps reconciling.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { EtcdCluster } from '../support/etcd-cluster.js';
import { startTestControlPlane, type TestControlPlane } from '../support/control-plane.js';
import { HttpKubeClient } from '../../src/client/http-client.js';
import { R } from '../../src/client/resources.js';

const haveEtcd = existsSync('/usr/bin/etcd');
let etcd: EtcdCluster;
let first: TestControlPlane;
let second: TestControlPlane;

async function holder(client: HttpKubeClient): Promise<string | undefined> {
  try {
    const lease = await client.get(R.leases, 'kube-system', 'kube-controller-manager');
    return (lease as any).spec?.holderIdentity;
  } catch {
    return undefined;
  }
}

async function eventually<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

before(async () => {
  if (!haveEtcd) return;
  etcd = await EtcdCluster.start({ members: 1 });
  const endpoint = `etcd://${etcd.endpoints.join(',')}`;
  first = await startTestControlPlane({ datastoreEndpoint: endpoint, controllers: true });
  // The first server leads before the second one starts, so the test knows whom it stops.
  const c = new HttpKubeClient(await first.clientConfig('admin', ['system:masters']));
  await eventually('the first server to lead', () => holder(c), 20_000);
  c.close();
  second = await startTestControlPlane({ datastoreEndpoint: endpoint, controllers: true });
});

after(async () => {
  await second?.stop();
  await first?.stop().catch(() => undefined);
  await etcd?.close();
});

test('a second server takes over the controller manager Lease within 15 s', { skip: !haveEtcd && 'etcd is not installed' }, async () => {
  const client = new HttpKubeClient(await second.clientConfig('admin', ['system:masters']));
  try {
    const leader = await eventually('a leader', () => holder(client), 5_000);
    await new Promise((r) => setTimeout(r, 3000));
    assert.equal(await holder(client), leader, 'the second server waits while the first leads');
    await first.stop();
    const stoppedAt = Date.now();
    const next = await eventually('a new holder', async () => {
      const h = await holder(client);
      return h && h !== leader ? h : undefined;
    }, 30_000);
    assert.notEqual(next, leader);
    assert.ok(Date.now() - stoppedAt <= 16_000, `took over after ${Date.now() - stoppedAt} ms`);
    // The surviving server's controllers act: a Deployment gets its ReplicaSet.
    await client.create(R.deployments, 'default', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'after-failover' },
      spec: { replicas: 1, selector: { matchLabels: { app: 'x' } }, template: { metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } },
    } as any);
    await eventually('a ReplicaSet', async () => ((await client.list(R.replicasets, 'default')).items.length > 0 ? true : undefined), 20_000);
  } finally {
    client.close();
  }
});
