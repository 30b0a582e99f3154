import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StatusError } from '../../src/api/errors.js';
import type { ResourceInfo } from '../../src/api/registry/types.js';
import {
  RBACAuthorizer, UnionAuthorizer, checkEscalation, compactString, covers, escalationMessage, indexFrom, rbacEscalationPlugin,
  type BindingObject, type RoleObject,
} from '../../src/auth/authz/index.js';
import type { AdmissionAttributes, UserInfo } from '../../src/auth/types.js';

const G = 'rbac.authorization.k8s.io';
const info = (plural: string, namespaced: boolean): ResourceInfo => ({ group: G, version: 'v1', plural, namespaced } as unknown as ResourceInfo);
const role = (name: string, rules: RoleObject['rules'], namespace?: string): RoleObject => ({ apiVersion: `${G}/v1`, kind: namespace ? 'Role' : 'ClusterRole', metadata: { name, ...(namespace ? { namespace } : {}) }, rules });
const binding = (name: string, roleRef: { kind: string; name: string }, subjects: BindingObject['subjects'], namespace?: string): BindingObject => ({
  apiVersion: `${G}/v1`, kind: namespace ? 'RoleBinding' : 'ClusterRoleBinding', metadata: { name, ...(namespace ? { namespace } : {}) }, roleRef: { apiGroup: G, ...roleRef }, subjects,
});
const bob: UserInfo = { username: 'bob', groups: ['dev', 'system:authenticated'] };

function setup() {
  const idx = indexFrom({
    clusterRoles: [
      role('pod-reader', [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] }]),
      role('secret-admin', [{ verbs: ['*'], apiGroups: [''], resources: ['secrets'] }]),
      role('binder', [{ verbs: ['bind'], apiGroups: [G], resources: ['clusterroles'], resourceNames: ['secret-admin'] }]),
      role('escalator', [{ verbs: ['escalate'], apiGroups: [G], resources: ['roles'] }]),
    ],
    roleBindings: [binding('bob-reads', { kind: 'ClusterRole', name: 'pod-reader' }, [{ kind: 'User', name: 'bob' }], 'team')],
  });
  const rbac = new RBACAuthorizer(idx);
  const authorizer = new UnionAuthorizer([rbac]);
  return { idx, rbac, deps: { authorizer, rbac } };
}

const write = (plural: string, object: RoleObject | BindingObject, namespace = '', user = bob, oldObject?: RoleObject | BindingObject): AdmissionAttributes =>
  ({ operation: oldObject ? 'UPDATE' : 'CREATE', info: info(plural, !!namespace), subresource: '', namespace, name: object.metadata.name!, object, oldObject, user, dryRun: false });

async function refused(p: Promise<void>): Promise<StatusError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof StatusError);
    return err;
  }
  assert.fail('expected a refusal');
}

test('CompactString and Covers match upstream', () => {
  assert.equal(compactString({ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }), '{APIGroups:[""], Resources:["pods"], Verbs:["get" "list"]}');
  assert.equal(compactString({ nonResourceURLs: ['/metrics'], verbs: ['get'] }), '{NonResourceURLs:["/metrics"], Verbs:["get"]}');
  assert.equal(compactString({ apiGroups: [''], resources: ['cm'], resourceNames: ['a'], verbs: ['get'] }), '{APIGroups:[""], Resources:["cm"], ResourceNames:["a"], Verbs:["get"]}');
  assert.ok(covers([{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }], [{ verbs: ['get'], apiGroups: ['apps'], resources: ['deployments/scale'] }]).covered);
  assert.ok(covers([{ verbs: ['get'], apiGroups: ['apps'], resources: ['*/scale'] }], [{ verbs: ['get'], apiGroups: ['apps'], resources: ['deployments/scale'] }]).covered);
  assert.ok(!covers([{ verbs: ['get'], apiGroups: [''], resources: ['cm'], resourceNames: ['a'] }], [{ verbs: ['get'], apiGroups: [''], resources: ['cm'] }]).covered);
  assert.ok(covers([{ verbs: ['get'], nonResourceURLs: ['/logs/*'] }], [{ verbs: ['get'], nonResourceURLs: ['/logs/x'] }]).covered);
  const { missing } = covers([{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }], [{ verbs: ['get', 'list', 'delete'], apiGroups: [''], resources: ['pods'] }]);
  assert.deepEqual(missing.map((r) => r.verbs[0]), ['list', 'delete']);
});

test('creating a Role granting permissions not held is refused with upstream wording', async () => {
  const { deps } = setup();
  const r = role('too-much', [{ verbs: ['get', 'list', 'delete'], apiGroups: [''], resources: ['pods'] }, { verbs: ['get'], apiGroups: [''], resources: ['secrets'] }], 'team');
  const err = await refused(checkEscalation(deps, write('roles', r, 'team')));
  assert.equal(err.code, 403);
  assert.equal(err.message,
    'roles.rbac.authorization.k8s.io "too-much" is forbidden: user "bob" (groups=["dev" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n' +
    '{APIGroups:[""], Resources:["pods"], Verbs:["delete"]}\n{APIGroups:[""], Resources:["secrets"], Verbs:["get"]}');
  // What bob holds in the namespace he may grant; elsewhere he holds nothing.
  await checkEscalation(deps, write('roles', role('ok', [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }], 'team'), 'team'));
  await refused(checkEscalation(deps, write('roles', role('ok', [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }], 'other'), 'other')));
  const cr = await refused(checkEscalation(deps, write('clusterroles', role('c', [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }]))));
  assert.match(cr.message, /^clusterroles\.rbac\.authorization\.k8s\.io "c" is forbidden: user "bob"/);
});

test('the escalate verb, system:masters and unchanged rules skip the check', async () => {
  const { idx, deps } = setup();
  const r = role('big', [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }], 'team');
  await refused(checkEscalation(deps, write('roles', r, 'team')));
  await checkEscalation(deps, write('roles', r, 'team', { username: 'root', groups: ['system:masters'] }));
  await checkEscalation(deps, write('roles', { ...r, metadata: { ...r.metadata, labels: { a: 'b' } } }, 'team', bob, r));
  idx.upsertBinding(binding('bob-escalates', { kind: 'ClusterRole', name: 'escalator' }, [{ kind: 'User', name: 'bob' }], 'team'));
  await checkEscalation(deps, write('roles', r, 'team'));
});

test('binding a role one does not hold is refused unless bind is granted', async () => {
  const { idx, deps } = setup();
  const plugin = rbacEscalationPlugin(deps);
  assert.equal(plugin.name, 'RBACEscalation');
  const b = binding('give-secrets', { kind: 'ClusterRole', name: 'secret-admin' }, [{ kind: 'User', name: 'eve' }], 'team');
  const err = await refused(plugin.validate!(write('rolebindings', b, 'team')));
  assert.equal(err.message,
    'rolebindings.rbac.authorization.k8s.io "give-secrets" is forbidden: user "bob" (groups=["dev" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n' +
    '{APIGroups:[""], Resources:["secrets"], Verbs:["*"]}');
  // Binding what he holds is fine.
  await plugin.validate!(write('rolebindings', binding('share', { kind: 'ClusterRole', name: 'pod-reader' }, [{ kind: 'User', name: 'eve' }], 'team'), 'team'));
  // A missing role is a 404 as upstream.
  assert.equal((await refused(plugin.validate!(write('rolebindings', binding('x', { kind: 'Role', name: 'nope' }, [], 'team'), 'team')))).code, 404);
  // The bind verb on that role name lifts the check.
  idx.upsertBinding(binding('bob-binds', { kind: 'ClusterRole', name: 'binder' }, [{ kind: 'User', name: 'bob' }], 'team'));
  await plugin.validate!(write('rolebindings', b, 'team'));
  await refused(plugin.validate!(write('clusterrolebindings', binding('cluster-wide', { kind: 'ClusterRole', name: 'secret-admin' }, [{ kind: 'User', name: 'eve' }]))));
});

test('an aggregationRule needs full authority', () => {
  const msg = escalationMessage(bob, [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }], [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }, { verbs: ['*'], nonResourceURLs: ['*'] }]);
  assert.match(msg!, /\{APIGroups:\["\*"\], Resources:\["\*"\], Verbs:\["\*"\]\}\n\{NonResourceURLs:\["\*"\], Verbs:\["\*"\]\}$/);
});
