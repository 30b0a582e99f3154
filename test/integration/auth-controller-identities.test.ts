// Least privilege for controllers: each runs as its own ServiceAccount bound to
// system:controller:<name>, and still gets its work done through the same authn + RBAC chain.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { HttpKubeClient } from '../../src/client/http-client.js';
import { R } from '../../src/client/resources.js';
import { CONTROLLER_SERVICE_ACCOUNTS } from '../../src/auth/authz/index.js';
import { allControllers } from '../../src/controllers/index.js';
import { startTestControlPlane, type TestControlPlane } from '../support/control-plane.js';

let cp: TestControlPlane;
let admin: HttpKubeClient;

before(async () => {
  cp = await startTestControlPlane({ controllers: true });
  admin = new HttpKubeClient(await cp.clientConfig('admin', ['system:masters']));
});
after(async () => {
  admin?.close();
  await cp?.stop();
});

async function allowed(user: string, groups: string[], attrs: Record<string, string>): Promise<boolean> {
  const review: any = await admin.create({ group: 'authorization.k8s.io', version: 'v1', resource: 'subjectaccessreviews' }, '', {
    metadata: {},
    spec: { user, groups, resourceAttributes: attrs },
  } as any);
  return review.status.allowed === true;
}

async function eventually<T>(what: string, f: () => Promise<T | undefined>, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const SA_GROUPS = ['system:serviceaccounts', 'system:serviceaccounts:kube-system'];
const sa = (name: string) => `system:serviceaccount:kube-system:${name}`;

describe('controller identities', () => {
  it('every controller the manager runs has its own ServiceAccount', () => {
    for (const d of allControllers) assert.ok(CONTROLLER_SERVICE_ACCOUNTS[d.name], `no identity for controller ${d.name}`);
  });

  it('a controller may do its own work and nothing else; the manager identity no longer writes pods', async () => {
    await eventually('RBAC to allow the replicaset controller', async () => ((await allowed(sa('replicaset-controller'), SA_GROUPS, { verb: 'create', resource: 'pods', namespace: 'default' })) ? true : undefined));
    assert.equal(await allowed(sa('replicaset-controller'), SA_GROUPS, { verb: 'get', resource: 'secrets', namespace: 'default' }), false);
    assert.equal(await allowed(sa('replicaset-controller'), SA_GROUPS, { verb: 'create', group: 'apps', resource: 'deployments', namespace: 'default' }), false);
    assert.equal(await allowed(sa('deployment-controller'), SA_GROUPS, { verb: 'create', resource: 'pods', namespace: 'default' }), false);
    assert.equal(await allowed(sa('deployment-controller'), SA_GROUPS, { verb: 'create', group: 'apps', resource: 'replicasets', namespace: 'default' }), true);
    assert.equal(await allowed('system:kube-controller-manager', [], { verb: 'create', resource: 'pods', namespace: 'default' }), false);
    assert.equal(await allowed('system:kube-controller-manager', [], { verb: 'watch', group: 'apps', resource: 'deployments' }), true);
  });

  it('a Deployment still becomes a ReplicaSet and pods, and the default ServiceAccount appears', async () => {
    await admin.create(R.namespaces, '', { metadata: { name: 'ids' } });
    await eventually('the default ServiceAccount', async () => (await admin.list(R.serviceaccounts, 'ids')).items.find((s) => s.metadata.name === 'default'));
    await eventually('kube-root-ca.crt', async () => (await admin.list(R.configmaps, 'ids')).items.find((s) => s.metadata.name === 'kube-root-ca.crt'));
    await admin.create(R.deployments, 'ids', {
      metadata: { name: 'web' },
      spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
    } as any);
    const pods = await eventually('2 pods', async () => {
      const items = (await admin.list(R.pods, 'ids')).items;
      return items.length === 2 ? items : undefined;
    });
    assert.ok(pods.every((p: any) => p.metadata.ownerReferences?.[0]?.kind === 'ReplicaSet'));
    const status: any = await eventually('deployment status', async () => {
      const d: any = await admin.get(R.deployments, 'ids', 'web');
      return d.status?.replicas === 2 ? d.status : undefined;
    });
    assert.equal(status.replicas, 2);
    // Events from the replicaset controller were accepted under its own identity.
    await eventually('a SuccessfulCreate event', async () => (await admin.list(R.events, 'ids')).items.find((e: any) => e.reason === 'SuccessfulCreate'));
  });
});
