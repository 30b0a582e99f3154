// RBAC against a real control plane: default policy reconciliation, ClusterRole aggregation,
// the authorizer stack fed by informers, and (once the server is wired) kubectl-visible 403s.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { KubeObject } from '../../src/api/object.js';
import { StatusError } from '../../src/api/errors.js';
import type { ResourceInfo } from '../../src/api/registry/types.js';
import { HttpKubeClient } from '../../src/client/http-client.js';
import { createSharedInformerFactory } from '../../src/client/informer.js';
import { R } from '../../src/client/resources.js';
import { ApiError } from '../../src/client/types.js';
import { createAuthorization, reconcileDefaultRBAC, type RoleObject } from '../../src/auth/authz/index.js';
import type { AuthorizationAttributes, UserInfo } from '../../src/auth/types.js';
import { ClusterRoleAggregationController } from '../../src/controllers/clusterroleaggregation/clusterroleaggregation-controller.js';
import { eventually, startHarness, type Harness } from './cluster-controllers-harness.js';

const seed = (f: string) => parse(readFileSync(new URL(`../fixtures/seed/${f}`, import.meta.url), 'utf8')) as KubeObject;
const sky: UserInfo = { username: 'sky', groups: ['system:authenticated'] };
const attrs = (verb: string, resource: string, o: Partial<AuthorizationAttributes> = {}): AuthorizationAttributes =>
  ({ user: sky, verb, isResourceRequest: true, apiGroup: '', apiVersion: 'v1', resource, subresource: '', namespace: '', name: '', path: '', ...o });

let h: Harness;
const ac = new AbortController();

before(async () => {
  h = await startHarness();
  await h.start((deps) => [new ClusterRoleAggregationController(deps)]);
  await h.client.create(R.namespaces, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shield' } });
  await h.client.create(R.roles, 'shield', seed('47-role-read-deployments.yaml'));
  await h.client.create(R.rolebindings, 'shield', seed('48-rolebinding-read-deployments.yaml'));
});
after(async () => {
  ac.abort();
  await h?.stop();
});

test('default RBAC is reconciled and aggregated roles get their rules', async () => {
  // The server may already have reconciled at start; either way a second pass finds nothing to do.
  await reconcileDefaultRBAC(h.client, { controllerManagerUser: 'system:kube-controller-manager' });
  assert.deepEqual(await reconcileDefaultRBAC(h.client, { controllerManagerUser: 'system:kube-controller-manager' }), { created: [], updated: [] });
  const crb = await h.client.get(R.clusterrolebindings, '', 'cluster-admin');
  assert.equal((crb as any).subjects[0].name, 'system:masters');
  const view = await eventually(async () => {
    const v = await h.client.get<RoleObject>(R.clusterroles, '', 'view');
    return v.rules?.length ? v : undefined;
  }, 15_000, 'view aggregated');
  assert.ok(view.rules!.some((r) => r.resources?.includes('deployments') && r.apiGroups?.includes('apps')));
  const admin = await eventually(async () => {
    const v = await h.client.get<RoleObject>(R.clusterroles, '', 'admin');
    return v.rules?.some((r) => r.resources?.includes('rolebindings')) && v.rules.some((r) => r.resources?.includes('deployments')) ? v : undefined;
  }, 15_000, 'admin aggregated');
  assert.ok(admin.rules!.length > view.rules!.length);
  // A new role labelled aggregate-to-view flows into view.
  await h.client.create(R.clusterroles, '', { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'crontabs-view', labels: { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' } },
    rules: [{ verbs: ['get'], apiGroups: ['stable.example.com'], resources: ['crontabs'] }] } as RoleObject);
  await eventually(async () => (await h.client.get<RoleObject>(R.clusterroles, '', 'view')).rules?.some((r) => r.resources?.includes('crontabs')), 15_000, 'crontabs in view');
});

test('the authorizer stack on informers decides the seed example', async () => {
  const informers = createSharedInformerFactory(h.client);
  const authz = createAuthorization(informers);
  informers.start(ac.signal);
  await informers.waitForSync(ac.signal);
  const allowed = async (a: AuthorizationAttributes) => (await authz.authorizer.authorize(a)).decision === 'allow';
  await eventually(() => allowed(attrs('list', 'deployments', { apiGroup: 'apps', namespace: 'shield' })), 10_000, 'sky allowed');
  assert.ok(await allowed(attrs('watch', 'deployments', { apiGroup: 'apps', namespace: 'shield' })));
  assert.ok(!(await allowed(attrs('create', 'deployments', { apiGroup: 'apps', namespace: 'shield' }))));
  assert.ok(!(await allowed(attrs('list', 'deployments', { apiGroup: 'apps', namespace: 'default' }))));
  assert.ok(!(await allowed(attrs('get', 'secrets', { namespace: 'shield', name: 'x' }))));
  // sky cannot write himself a bigger role.
  const info = { group: 'rbac.authorization.k8s.io', version: 'v1', plural: 'roles', kind: 'Role', namespaced: true } as unknown as ResourceInfo;
  const role = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'more', namespace: 'shield' }, rules: [{ verbs: ['create'], apiGroups: ['apps'], resources: ['deployments'] }] } as RoleObject;
  await assert.rejects(authz.escalation.validate!({ operation: 'CREATE', info, subresource: '', namespace: 'shield', name: 'more', object: role, user: sky, dryRun: false }),
    (e: unknown) => e instanceof StatusError && e.code === 403 && e.message.includes('{APIGroups:["apps"], Resources:["deployments"], Verbs:["create"]}'));
  // Removing the binding revokes access.
  await h.client.delete(R.rolebindings, 'shield', 'read-deployments');
  await eventually(async () => !(await allowed(attrs('list', 'deployments', { apiGroup: 'apps', namespace: 'shield' }))), 10_000, 'revoked');
  await h.client.create(R.rolebindings, 'shield', seed('48-rolebinding-read-deployments.yaml'));
});

async function status(p: Promise<unknown>): Promise<number> {
  try {
    await p;
    return 200;
  } catch (err) {
    if (err instanceof ApiError) return err.code;
    throw err;
  }
}

test('sky over HTTPS: deployments in shield only', async () => {
  const skyClient = new HttpKubeClient(await h.cp.clientConfig('sky'));
  try {
    assert.equal(await status(skyClient.list(R.deployments, 'shield')), 200);
    assert.equal(await status(skyClient.get(R.deployments, 'shield', 'missing')), 404);
    const deploy = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x' }, spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } } };
    const refused = await skyClient.create(R.deployments, 'shield', deploy as KubeObject).then(() => undefined, (e: unknown) => e);
    assert.ok(refused instanceof ApiError, 'create was allowed');
    assert.equal(refused.code, 403);
    assert.equal(refused.message, 'deployments.apps is forbidden: User "sky" cannot create resource "deployments" in API group "apps" in the namespace "shield"');
    assert.equal(await status(skyClient.list(R.deployments, 'default')), 403);
    assert.equal(await status(skyClient.list(R.secrets, 'shield')), 403);
    assert.equal(await status(skyClient.create(R.roles, 'shield', { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'r' }, rules: [] } as KubeObject)), 403);
  } finally {
    skyClient.close();
  }
});

test('kubectl auth can-i answers through SelfSubjectAccessReview', async () => {
  const skyClient = new HttpKubeClient(await h.cp.clientConfig('sky'));
  const gvr = { group: 'authorization.k8s.io', version: 'v1', resource: 'selfsubjectaccessreviews' };
  const ask = async (verb: string, resource: string, group: string, namespace: string) =>
    ((await skyClient.create(gvr, '', { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', metadata: {}, spec: { resourceAttributes: { verb, resource, group, namespace } } } as KubeObject)) as any).status;
  try {
    assert.equal((await ask('list', 'deployments', 'apps', 'shield')).allowed, true);
    assert.equal((await ask('create', 'deployments', 'apps', 'shield')).allowed, false);
    assert.equal((await ask('get', 'secrets', '', 'shield')).allowed, false);
    const rules = ((await skyClient.create({ group: 'authorization.k8s.io', version: 'v1', resource: 'selfsubjectrulesreviews' }, '',
      { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectRulesReview', metadata: {}, spec: { namespace: 'shield' } } as KubeObject)) as any).status;
    assert.ok(rules.resourceRules.some((r: any) => r.resources.includes('deployments')));
    assert.ok(!rules.resourceRules.some((r: any) => r.resources.includes('*')));
  } finally {
    skyClient.close();
  }
});

test('a namespace admin cannot bind a role they do not hold', async () => {
  await h.client.create(R.namespaces, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } });
  await h.client.create(R.rolebindings, 'team', { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'lead-admin' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'admin' }, subjects: [{ kind: 'User', name: 'lead', apiGroup: 'rbac.authorization.k8s.io' }] } as KubeObject);
  await eventually(async () => (await h.client.get<RoleObject>(R.clusterroles, '', 'admin')).rules?.some((r) => r.resources?.includes('rolebindings')), 15_000, 'admin aggregated');
  const lead = new HttpKubeClient(await h.cp.clientConfig('lead'));
  const bindTo = (name: string, role: string) => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role }, subjects: [{ kind: 'User', name: 'eve', apiGroup: 'rbac.authorization.k8s.io' }] }) as KubeObject;
  try {
    await eventually(() => lead.create(R.rolebindings, 'team', bindTo('eve-view', 'view')), 10_000, 'lead binds view');
    const refused = await lead.create(R.rolebindings, 'team', bindTo('eve-root', 'cluster-admin')).then(() => undefined, (e: unknown) => e);
    assert.ok(refused instanceof ApiError, 'binding cluster-admin was allowed');
    assert.equal(refused.code, 403);
    assert.match(refused.message, /^rolebindings\.rbac\.authorization\.k8s\.io "eve-root" is forbidden: user "lead" \(groups=\["system:authenticated"\]\) is attempting to grant RBAC permissions not currently held:\n/);
    const role = await lead.create(R.roles, 'team', { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'nodes' }, rules: [{ verbs: ['get'], apiGroups: [''], resources: ['nodes'] }] } as KubeObject).then(() => undefined, (e: unknown) => e);
    assert.ok(role instanceof ApiError && role.code === 403, 'granting nodes access was allowed');
  } finally {
    lead.close();
  }
});
