import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import {
  RBACAuthorizer, UnionAuthorizer, forbiddenError, indexFrom, RBACPolicyIndex, selfSubjectAccessReview, subjectAccessReview,
  selfSubjectRulesReview, reviewAuthorize, type BindingObject, type RoleObject,
} from '../../src/auth/authz/index.js';
import type { AuthorizationAttributes, UserInfo } from '../../src/auth/types.js';

const seed = (f: string) => parse(readFileSync(new URL(`../fixtures/seed/${f}`, import.meta.url), 'utf8'));
const sky: UserInfo = { username: 'sky', groups: ['system:authenticated'] };

function attrs(user: UserInfo, verb: string, resource: string, o: Partial<AuthorizationAttributes> = {}): AuthorizationAttributes {
  return { user, verb, isResourceRequest: true, apiGroup: '', apiVersion: 'v1', resource, subresource: '', namespace: '', name: '', path: '', ...o };
}
const url = (user: UserInfo, verb: string, path: string): AuthorizationAttributes => ({ ...attrs(user, verb, ''), isResourceRequest: false, path });

function seedChain() {
  const idx = indexFrom({ roles: [seed('47-role-read-deployments.yaml')], roleBindings: [seed('48-rolebinding-read-deployments.yaml')] });
  const rbac = new RBACAuthorizer(idx);
  return { idx, rbac, chain: new UnionAuthorizer([rbac]) };
}

test('seed: sky may get/list/watch deployments in shield and nothing else', async () => {
  const { chain } = seedChain();
  for (const verb of ['get', 'list', 'watch']) {
    const d = await chain.authorize(attrs(sky, verb, 'deployments', { apiGroup: 'apps', namespace: 'shield' }));
    assert.equal(d.decision, 'allow', verb);
    assert.equal(d.reason, 'RBAC: allowed by RoleBinding "read-deployments/shield" of Role "read-deployments" to User "sky"');
  }
  const denied = [
    attrs(sky, 'create', 'deployments', { apiGroup: 'apps', namespace: 'shield' }),
    attrs(sky, 'delete', 'deployments', { apiGroup: 'apps', namespace: 'shield', name: 'web' }),
    attrs(sky, 'list', 'deployments', { apiGroup: 'apps', namespace: 'default' }),
    attrs(sky, 'list', 'deployments', { apiGroup: 'apps' }),
    attrs(sky, 'get', 'secrets', { namespace: 'shield', name: 's' }),
    attrs(sky, 'get', 'deployments', { apiGroup: 'apps', namespace: 'shield', subresource: 'scale', name: 'web' }),
    attrs(sky, 'list', 'deployments', { apiGroup: 'extensions', namespace: 'shield' }),
  ];
  for (const a of denied) assert.equal((await chain.authorize(a)).decision, 'noOpinion', JSON.stringify(a));
  assert.equal((await chain.authorize(attrs({ username: 'other', groups: [] }, 'list', 'deployments', { apiGroup: 'apps', namespace: 'shield' }))).decision, 'noOpinion');
});

test('forbidden messages are worded as upstream', () => {
  const e = forbiddenError(attrs({ username: 'bob', groups: [] }, 'list', 'pods', { namespace: 'default' }));
  assert.equal(e.code, 403);
  assert.equal(e.message, 'pods is forbidden: User "bob" cannot list resource "pods" in API group "" in the namespace "default"');
  assert.equal(forbiddenError(attrs(sky, 'create', 'deployments', { apiGroup: 'apps', namespace: 'shield' })).message,
    'deployments.apps is forbidden: User "sky" cannot create resource "deployments" in API group "apps" in the namespace "shield"');
  assert.equal(forbiddenError(attrs(sky, 'get', 'secrets', { namespace: 'shield', name: 'db' })).message,
    'secrets "db" is forbidden: User "sky" cannot get resource "secrets" in API group "" in the namespace "shield"');
  assert.equal(forbiddenError(attrs(sky, 'list', 'nodes')).message, 'nodes is forbidden: User "sky" cannot list resource "nodes" in API group "" at the cluster scope');
  assert.equal(forbiddenError(attrs(sky, 'get', 'pods', { namespace: 'a', name: 'p', subresource: 'log' })).message,
    'pods "p" is forbidden: User "sky" cannot get resource "pods/log" in API group "" in the namespace "a"');
  assert.equal(forbiddenError(url({ username: 'system:anonymous', groups: [] }, 'get', '/metrics')).message, 'forbidden: User "system:anonymous" cannot get path "/metrics"');
});

test('system:masters is allowed everything before RBAC is consulted', async () => {
  const chain = new UnionAuthorizer([new RBACAuthorizer(new RBACPolicyIndex())]);
  const admin: UserInfo = { username: 'admin', groups: ['system:masters'] };
  assert.equal((await chain.authorize(attrs(admin, 'delete', 'nodes', { name: 'n1' }))).decision, 'allow');
  assert.equal((await chain.authorize(url(admin, 'get', '/metrics'))).decision, 'allow');
});

const role = (name: string, rules: RoleObject['rules'], namespace?: string): RoleObject => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: namespace ? 'Role' : 'ClusterRole', metadata: { name, ...(namespace ? { namespace } : {}) }, rules });
const binding = (name: string, roleRef: { kind: string; name: string }, subjects: BindingObject['subjects'], namespace?: string): BindingObject => ({
  apiVersion: 'rbac.authorization.k8s.io/v1', kind: namespace ? 'RoleBinding' : 'ClusterRoleBinding', metadata: { name, ...(namespace ? { namespace } : {}) },
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', ...roleRef }, subjects,
});

test('rule matching: wildcards, subresources, resourceNames, nonResourceURLs', () => {
  const rbac = new RBACAuthorizer(indexFrom({
    clusterRoles: [
      role('logs', [{ verbs: ['get'], apiGroups: [''], resources: ['pods/log'] }]),
      role('scaler', [{ verbs: ['get', 'update'], apiGroups: ['*'], resources: ['*/scale'] }]),
      role('one-cm', [{ verbs: ['get', 'update'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['cfg'] }]),
      role('urls', [{ verbs: ['get'], nonResourceURLs: ['/healthz', '/logs/*'] }]),
      role('star', [{ verbs: ['*'], apiGroups: ['batch'], resources: ['*'] }]),
    ],
    clusterRoleBindings: ['logs', 'scaler', 'one-cm', 'urls', 'star'].map((n) => binding(n, { kind: 'ClusterRole', name: n }, [{ kind: 'User', name: 'u', apiGroup: 'rbac.authorization.k8s.io' }])),
  }));
  const u: UserInfo = { username: 'u', groups: [] };
  const ok = (a: AuthorizationAttributes) => rbac.authorizeSync(a).decision === 'allow';
  assert.ok(ok(attrs(u, 'get', 'pods', { subresource: 'log', namespace: 'x', name: 'p' })));
  assert.ok(!ok(attrs(u, 'get', 'pods', { namespace: 'x', name: 'p' })));
  assert.ok(ok(attrs(u, 'update', 'deployments', { apiGroup: 'apps', subresource: 'scale', namespace: 'x', name: 'd' })));
  assert.ok(!ok(attrs(u, 'update', 'deployments', { apiGroup: 'apps', namespace: 'x', name: 'd' })));
  assert.ok(ok(attrs(u, 'get', 'configmaps', { namespace: 'x', name: 'cfg' })));
  assert.ok(!ok(attrs(u, 'get', 'configmaps', { namespace: 'x', name: 'other' })));
  assert.ok(!ok(attrs(u, 'list', 'configmaps', { namespace: 'x' })));
  assert.ok(ok(url(u, 'get', '/healthz')));
  assert.ok(ok(url(u, 'get', '/logs/kube.log')));
  assert.ok(!ok(url(u, 'get', '/metrics')));
  assert.ok(!ok(url(u, 'post', '/healthz')));
  assert.ok(ok(attrs(u, 'deletecollection', 'jobs', { apiGroup: 'batch', namespace: 'x' })));
  assert.ok(ok(attrs(u, 'create', 'cronjobs', { apiGroup: 'batch', subresource: 'status', namespace: 'x' })));
});

test('subjects: groups, ServiceAccounts (namespace defaulted), RoleBinding to ClusterRole', () => {
  const idx = indexFrom({
    clusterRoles: [role('view-pods', [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] }])],
    roleBindings: [
      binding('sa', { kind: 'ClusterRole', name: 'view-pods' }, [{ kind: 'ServiceAccount', name: 'builder' }], 'ci'),
      binding('devs', { kind: 'ClusterRole', name: 'view-pods' }, [{ kind: 'Group', name: 'devs', apiGroup: 'rbac.authorization.k8s.io' }], 'dev'),
    ],
    clusterRoleBindings: [binding('sa-other', { kind: 'ClusterRole', name: 'view-pods' }, [{ kind: 'ServiceAccount', name: 'mon', namespace: 'monitoring' }])],
  });
  const rbac = new RBACAuthorizer(idx);
  const builder: UserInfo = { username: 'system:serviceaccount:ci:builder', groups: ['system:serviceaccounts', 'system:serviceaccounts:ci'] };
  const r = rbac.authorizeSync(attrs(builder, 'list', 'pods', { namespace: 'ci' }));
  assert.equal(r.decision, 'allow');
  assert.equal(r.reason, 'RBAC: allowed by RoleBinding "sa/ci" of ClusterRole "view-pods" to ServiceAccount "builder/ci"');
  assert.equal(rbac.authorizeSync(attrs(builder, 'list', 'pods', { namespace: 'dev' })).decision, 'noOpinion');
  assert.equal(rbac.authorizeSync(attrs({ username: 'system:serviceaccount:other:builder', groups: [] }, 'list', 'pods', { namespace: 'ci' })).decision, 'noOpinion');
  const dev: UserInfo = { username: 'ann', groups: ['devs'] };
  assert.equal(rbac.authorizeSync(attrs(dev, 'get', 'pods', { namespace: 'dev', name: 'p' })).decision, 'allow');
  assert.equal(rbac.authorizeSync(attrs(dev, 'get', 'pods', { name: 'p' })).decision, 'noOpinion');
  const mon = rbac.authorizeSync(attrs({ username: 'system:serviceaccount:monitoring:mon', groups: [] }, 'list', 'pods', {}));
  assert.equal(mon.reason, 'RBAC: allowed by ClusterRoleBinding "sa-other" of ClusterRole "view-pods" to ServiceAccount "mon/monitoring"');
  // Removing a binding takes effect at once; a ClusterRoleBinding cannot use a Role.
  idx.removeBinding(binding('devs', { kind: 'ClusterRole', name: 'view-pods' }, [], 'dev'));
  assert.equal(rbac.authorizeSync(attrs(dev, 'get', 'pods', { namespace: 'dev', name: 'p' })).decision, 'noOpinion');
  idx.upsertRole(role('r', [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }], 'dev'));
  idx.upsertBinding(binding('bad', { kind: 'Role', name: 'r' }, [{ kind: 'User', name: 'ann' }]));
  assert.equal(rbac.authorizeSync(attrs(dev, 'get', 'pods', { namespace: 'dev', name: 'p' })).decision, 'noOpinion');
  // Updating a binding re-indexes its subjects.
  idx.upsertBinding(binding('sa', { kind: 'ClusterRole', name: 'view-pods' }, [{ kind: 'User', name: 'ann' }], 'ci'));
  assert.equal(rbac.authorizeSync(attrs(builder, 'list', 'pods', { namespace: 'ci' })).decision, 'noOpinion');
  assert.equal(rbac.authorizeSync(attrs(dev, 'list', 'pods', { namespace: 'ci' })).decision, 'allow');
});

test('a check stays fast with 1,000 RoleBindings', () => {
  const idx = new RBACPolicyIndex();
  idx.upsertRole(role('reader', [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['configmaps'] }]));
  for (let i = 0; i < 1000; i++) {
    idx.upsertBinding(binding(`b${i}`, { kind: 'ClusterRole', name: 'reader' }, [{ kind: 'User', name: `user${i}` }, { kind: 'Group', name: `team${i % 50}` }], `ns${i % 100}`));
  }
  const rbac = new RBACAuthorizer(idx);
  const u: UserInfo = { username: 'user7', groups: ['team7', 'system:authenticated'] };
  const allowed = attrs(u, 'list', 'configmaps', { namespace: 'ns7' });
  const denied = attrs(u, 'list', 'secrets', { namespace: 'ns7' });
  assert.equal(rbac.authorizeSync(allowed).decision, 'allow');
  assert.equal(rbac.authorizeSync(denied).decision, 'noOpinion');
  const n = 20000;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) { rbac.authorizeSync(allowed); rbac.authorizeSync(denied); }
  const perCheckUs = Number(process.hrtime.bigint() - t0) / 1000 / (2 * n);
  assert.ok(perCheckUs < 50, `a check took ${perCheckUs.toFixed(2)}µs`);
});

test('reviews: access reviews and rules review', async () => {
  const { rbac, chain } = seedChain();
  assert.deepEqual(await selfSubjectAccessReview(chain, sky, { resourceAttributes: { namespace: 'shield', verb: 'list', group: 'apps', resource: 'deployments' } }),
    { allowed: true, reason: 'RBAC: allowed by RoleBinding "read-deployments/shield" of Role "read-deployments" to User "sky"' });
  assert.deepEqual(await selfSubjectAccessReview(chain, sky, { resourceAttributes: { namespace: 'shield', verb: 'create', group: 'apps', resource: 'deployments' } }), { allowed: false });
  assert.equal((await subjectAccessReview(chain, { user: 'sky', groups: [], resourceAttributes: { namespace: 'shield', verb: 'watch', group: 'apps', resource: 'deployments' } })).allowed, true);
  assert.equal((await subjectAccessReview(chain, { user: 'x', groups: ['system:masters'], nonResourceAttributes: { path: '/metrics', verb: 'get' } })).allowed, true);
  const adapter = reviewAuthorize(chain);
  assert.equal((await adapter(sky, { namespace: 'shield', verb: 'get', group: 'apps', resource: 'deployments' })).allowed, true);
  assert.equal((await adapter(sky, { path: '/healthz', verb: 'get' })).allowed, false);
  const rules = selfSubjectRulesReview(rbac, sky, 'shield');
  assert.deepEqual(rules, { resourceRules: [{ verbs: ['get', 'watch', 'list'], apiGroups: ['apps'], resources: ['deployments'] }], nonResourceRules: [], incomplete: false });
  assert.deepEqual(selfSubjectRulesReview(rbac, sky, 'default').resourceRules, []);
});

test('attributesFor: namespaces are their own namespace; a single-name fieldSelector names the object', async () => {
  const { attributesFor, singleNameFromFieldSelector } = await import('../../src/auth/authz/index.js');
  const { parseRequestInfo } = await import('../../src/apiserver/request-info.js');
  const q = (s: string) => new URLSearchParams(s);
  const ns = attributesFor(sky, parseRequestInfo('GET', '/api/v1/namespaces/shield', q('')));
  assert.equal(ns.namespace, 'shield');
  assert.equal(ns.name, 'shield');
  const w = attributesFor(sky, parseRequestInfo('GET', '/api/v1/namespaces/a/secrets', q('watch=true&fieldSelector=metadata.name%3Dtok')), q('watch=true&fieldSelector=metadata.name%3Dtok'));
  assert.equal(w.verb, 'watch');
  assert.equal(w.name, 'tok');
  assert.equal(singleNameFromFieldSelector('metadata.name=a,spec.x=b'), undefined);
  const nr = attributesFor(sky, parseRequestInfo('GET', '/healthz', q('')));
  assert.equal(nr.isResourceRequest, false);
  assert.equal(nr.path, '/healthz');
  assert.equal(nr.verb, 'get');
});
