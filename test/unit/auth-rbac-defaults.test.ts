import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../src/api/object.js';
import {
  RBACAuthorizer, UnionAuthorizer, defaultClusterRoleBindings, defaultClusterRoles, indexFrom, reconcileBinding, reconcileDefaultRBAC, reconcileRole,
  type BindingObject, type RBACKind, type RBACWriter, type RoleObject,
} from '../../src/auth/authz/index.js';
import { aggregatedRules, rulesEqual } from '../../src/controllers/clusterroleaggregation/clusterroleaggregation-controller.js';
import type { AuthorizationAttributes, UserInfo } from '../../src/auth/types.js';

/** Runs aggregation to a fixed point, as the controller does through its requeues. */
function aggregate(roles: RoleObject[]): RoleObject[] {
  let cur = roles.map((r) => structuredClone(r));
  for (let round = 0; round < 10; round++) {
    let changed = false;
    cur = cur.map((r) => {
      if (!r.aggregationRule) return r;
      const rules = aggregatedRules(r, cur);
      if (rulesEqual(r.rules, rules)) return r;
      changed = true;
      return { ...r, rules };
    });
    if (!changed) return cur;
  }
  throw new Error('aggregation did not settle');
}

const names = (xs: KubeObject[]) => xs.map((x) => x.metadata.name);
const a = (user: UserInfo, verb: string, resource: string, o: Partial<AuthorizationAttributes> = {}): AuthorizationAttributes =>
  ({ user, verb, isResourceRequest: true, apiGroup: '', apiVersion: 'v1', resource, subresource: '', namespace: '', name: '', path: '', ...o });

test('default roles and bindings are present, labelled and annotated', () => {
  const roles = defaultClusterRoles();
  for (const n of ['cluster-admin', 'admin', 'edit', 'view', 'system:basic-user', 'system:discovery', 'system:public-info-viewer', 'system:node', 'system:node-proxier',
    'system:kube-scheduler', 'system:kube-controller-manager', 'system:monitoring', 'system:controller:deployment-controller', 'system:controller:clusterrole-aggregation-controller']) {
    assert.ok(names(roles).includes(n), n);
  }
  for (const r of roles) {
    assert.equal(r.metadata.labels?.['kubernetes.io/bootstrapping'], 'rbac-defaults');
    assert.equal(r.metadata.annotations?.['rbac.authorization.kubernetes.io/autoupdate'], 'true');
  }
  assert.equal(new Set(names(roles)).size, roles.length);
  assert.deepEqual(roles.find((r) => r.metadata.name === 'view')!.aggregationRule, { clusterRoleSelectors: [{ matchLabels: { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' } }] });
  const bindings = defaultClusterRoleBindings({ controllerManagerUser: 'system:kube-controller-manager' });
  const by = (n: string) => bindings.find((b) => b.metadata.name === n)!;
  assert.deepEqual(by('cluster-admin').subjects, [{ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'system:masters' }]);
  assert.deepEqual(by('system:public-info-viewer').subjects!.map((s) => s.name), ['system:authenticated', 'system:unauthenticated']);
  assert.deepEqual(by('system:kube-scheduler').subjects!.map((s) => s.name), ['system:kube-scheduler']);
  assert.deepEqual(by('system:controller:job-controller').subjects, [
    { kind: 'ServiceAccount', name: 'job-controller', namespace: 'kube-system' },
    { kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'system:kube-controller-manager' },
  ]);
  for (const b of bindings) assert.ok(names(roles).includes(b.roleRef.name), b.roleRef.name);
});

test('aggregation fills admin, edit and view; the default policy authorizes as upstream', async () => {
  const roles = aggregate(defaultClusterRoles());
  const view = roles.find((r) => r.metadata.name === 'view')!;
  const edit = roles.find((r) => r.metadata.name === 'edit')!;
  const admin = roles.find((r) => r.metadata.name === 'admin')!;
  assert.ok(view.rules!.length > 5 && edit.rules!.length > view.rules!.length && admin.rules!.length > edit.rules!.length);

  const idx = indexFrom({ clusterRoles: roles, clusterRoleBindings: defaultClusterRoleBindings({ controllerManagerUser: 'system:kube-controller-manager' }) });
  const chain = new UnionAuthorizer([new RBACAuthorizer(idx)]);
  const ok = async (x: AuthorizationAttributes) => (await chain.authorize(x)).decision === 'allow';
  const anyone: UserInfo = { username: 'sky', groups: ['system:authenticated'] };
  assert.ok(await ok({ ...a(anyone, 'get', ''), isResourceRequest: false, path: '/apis/apps/v1' }));
  assert.ok(await ok({ ...a({ username: 'system:anonymous', groups: ['system:unauthenticated'] }, 'get', ''), isResourceRequest: false, path: '/version' }));
  assert.ok(!(await ok({ ...a({ username: 'system:anonymous', groups: ['system:unauthenticated'] }, 'get', ''), isResourceRequest: false, path: '/api' })));
  assert.ok(await ok(a(anyone, 'create', 'selfsubjectaccessreviews', { apiGroup: 'authorization.k8s.io' })));
  assert.ok(!(await ok(a(anyone, 'list', 'pods', { namespace: 'default' }))));

  const idx2 = indexFrom({ clusterRoles: roles, roleBindings: [
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'v', namespace: 'team' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' }, subjects: [{ kind: 'User', name: 'viewer' }] },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'e', namespace: 'team' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' }, subjects: [{ kind: 'User', name: 'editor' }] },
  ] });
  const chain2 = new UnionAuthorizer([new RBACAuthorizer(idx2)]);
  const ok2 = async (x: AuthorizationAttributes) => (await chain2.authorize(x)).decision === 'allow';
  const viewer: UserInfo = { username: 'viewer', groups: [] };
  const editor: UserInfo = { username: 'editor', groups: [] };
  assert.ok(await ok2(a(viewer, 'list', 'deployments', { apiGroup: 'apps', namespace: 'team' })));
  assert.ok(!(await ok2(a(viewer, 'get', 'secrets', { namespace: 'team', name: 's' }))));
  assert.ok(!(await ok2(a(viewer, 'create', 'pods', { namespace: 'team' }))));
  assert.ok(await ok2(a(editor, 'create', 'pods', { namespace: 'team' })));
  assert.ok(await ok2(a(editor, 'get', 'secrets', { namespace: 'team', name: 's' })));
  assert.ok(!(await ok2(a(editor, 'create', 'rolebindings', { apiGroup: 'rbac.authorization.k8s.io', namespace: 'team' }))));

  // The single controller-manager identity can do what its controllers need.
  const cm: UserInfo = { username: 'system:kube-controller-manager', groups: ['system:authenticated'] };
  assert.ok(await ok(a(cm, 'create', 'pods', { namespace: 'x' })));
  assert.ok(await ok(a(cm, 'update', 'deployments', { apiGroup: 'apps', subresource: 'status', namespace: 'x', name: 'd' })));
  assert.ok(await ok(a(cm, 'update', 'leases', { apiGroup: 'coordination.k8s.io', namespace: 'kube-system', name: 'kube-controller-manager' })));
  assert.ok(!(await ok(a(cm, 'create', 'clusterrolebindings', { apiGroup: 'rbac.authorization.k8s.io' }))));
  const sched: UserInfo = { username: 'system:kube-scheduler', groups: ['system:authenticated'] };
  assert.ok(await ok(a(sched, 'create', 'pods', { subresource: 'binding', namespace: 'x', name: 'p' })));
  assert.ok(!(await ok(a(sched, 'create', 'pods', { namespace: 'x' }))));
});

test('reconcileRole and reconcileBinding top up without removing', () => {
  const want = defaultClusterRoles().find((r) => r.metadata.name === 'system:discovery')!;
  assert.equal(reconcileRole(structuredClone(want), want), undefined);
  const custom: RoleObject = { ...structuredClone(want), rules: [{ verbs: ['get'], nonResourceURLs: ['/custom'] }] };
  const next = reconcileRole(custom, want)!;
  assert.deepEqual(next.rules![0], { verbs: ['get'], nonResourceURLs: ['/custom'] });
  assert.equal(next.rules!.length, 2);
  const optOut: RoleObject = { ...custom, metadata: { ...custom.metadata, annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'false' } } };
  assert.equal(reconcileRole(optOut, want), undefined);
  const wantB = defaultClusterRoleBindings().find((b) => b.metadata.name === 'system:discovery')!;
  const moreSubjects: BindingObject = { ...structuredClone(wantB), subjects: [{ kind: 'User', name: 'extra' }] };
  assert.deepEqual(((reconcileBinding(moreSubjects, wantB)) as BindingObject).subjects!.map((s) => s.name), ['extra', 'system:authenticated']);
  assert.equal(reconcileBinding({ ...wantB, roleRef: { ...wantB.roleRef, name: 'other' } }, wantB), 'recreate');
});

test('reconcileDefaultRBAC creates everything once, then nothing', async () => {
  const store = new Map<string, KubeObject>();
  const key = (k: RBACKind, n: string) => `${k}/${n}`;
  const writer: RBACWriter = {
    get: async (k, n) => structuredClone(store.get(key(k, n))),
    create: async (k, o) => { store.set(key(k, o.metadata.name!), structuredClone(o)); },
    update: async (k, o) => { store.set(key(k, o.metadata.name!), structuredClone(o)); },
    delete: async (k, n) => { store.delete(key(k, n)); },
  };
  const first = await reconcileDefaultRBAC(writer);
  assert.equal(first.created.length, defaultClusterRoles().length + defaultClusterRoleBindings().length);
  const second = await reconcileDefaultRBAC(writer);
  assert.deepEqual(second, { created: [], updated: [] });
  const third = await reconcileDefaultRBAC(writer, { controllerManagerUser: 'system:kube-controller-manager' });
  assert.ok(third.updated.includes('clusterrolebinding/system:controller:replicaset-controller'));
});
