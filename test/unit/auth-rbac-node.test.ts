import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NodeAuthorizer, RBACAuthorizer, authorizeOrThrow, RBACPolicyIndex, UnionAuthorizer, podReferences, staticNodeGraph } from '../../src/auth/authz/index.js';
import type { KubeObject } from '../../src/api/object.js';
import type { AuthorizationAttributes, UserInfo } from '../../src/auth/types.js';

const node1: UserInfo = { username: 'system:node:n1', groups: ['system:nodes', 'system:authenticated'] };
const a = (user: UserInfo, verb: string, resource: string, o: Partial<AuthorizationAttributes> = {}): AuthorizationAttributes =>
  ({ user, verb, isResourceRequest: true, apiGroup: '', apiVersion: 'v1', resource, subresource: '', namespace: '', name: '', path: '', ...o });

const pod = (name: string, nodeName: string, spec: Record<string, unknown> = {}): KubeObject =>
  ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'app' }, spec: { nodeName, containers: [{ name: 'c', image: 'i' }], ...spec } }) as KubeObject;

const pods = [
  pod('web', 'n1', {
    serviceAccountName: 'web-sa',
    imagePullSecrets: [{ name: 'pull' }],
    volumes: [{ name: 'tls', secret: { secretName: 'tls' } }, { name: 'cfg', configMap: { name: 'cfg' } }, { name: 'data', persistentVolumeClaim: { claimName: 'data' } },
      { name: 'proj', projected: { sources: [{ secret: { name: 'proj-secret' } }, { configMap: { name: 'proj-cm' } }] } }],
    containers: [{ name: 'c', image: 'i', env: [{ name: 'P', valueFrom: { secretKeyRef: { name: 'env-secret', key: 'p' } } }], envFrom: [{ configMapRef: { name: 'envfrom-cm' } }] }],
  }),
  pod('db', 'n2', { volumes: [{ name: 's', secret: { secretName: 'db-secret' } }] }),
];
const pvcs = [{ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', namespace: 'app' }, spec: { volumeName: 'pv-1' } } as KubeObject];
const authz = new NodeAuthorizer(staticNodeGraph(pods, pvcs));
const d = (x: AuthorizationAttributes) => authz.decide(x).decision;

test('podReferences collects every secret, configmap, claim and the service account', () => {
  const r = podReferences(pods[0]);
  assert.deepEqual(new Set(r.secrets), new Set(['pull', 'tls', 'proj-secret', 'env-secret']));
  assert.deepEqual(new Set(r.configMaps), new Set(['cfg', 'proj-cm', 'envfrom-cm']));
  assert.deepEqual(r.pvcs, ['data']);
  assert.equal(r.serviceAccount, 'web-sa');
});

test('a node reads only what its pods use', () => {
  for (const s of ['tls', 'pull', 'proj-secret', 'env-secret']) assert.equal(d(a(node1, 'get', 'secrets', { namespace: 'app', name: s })), 'allow', s);
  for (const c of ['cfg', 'proj-cm', 'envfrom-cm']) assert.equal(d(a(node1, 'get', 'configmaps', { namespace: 'app', name: c })), 'allow', c);
  assert.equal(d(a(node1, 'get', 'persistentvolumeclaims', { namespace: 'app', name: 'data' })), 'allow');
  assert.equal(d(a(node1, 'get', 'persistentvolumes', { name: 'pv-1' })), 'allow');
  assert.equal(d(a(node1, 'create', 'serviceaccounts', { subresource: 'token', namespace: 'app', name: 'web-sa' })), 'allow');
  // Another node's pod's secret, an unrelated secret, a list of all secrets, a write: not allowed.
  const dbSecret = authz.decide(a(node1, 'get', 'secrets', { namespace: 'app', name: 'db-secret' }));
  assert.equal(dbSecret.decision, 'noOpinion');
  assert.equal(dbSecret.reason, "no relationship found between node 'n1' and this object");
  assert.equal(d(a(node1, 'get', 'secrets', { namespace: 'other', name: 'tls' })), 'noOpinion');
  assert.equal(d(a(node1, 'list', 'secrets', { namespace: 'app' })), 'noOpinion');
  assert.equal(d(a(node1, 'update', 'secrets', { namespace: 'app', name: 'tls' })), 'noOpinion');
  assert.equal(d(a(node1, 'create', 'serviceaccounts', { subresource: 'token', namespace: 'app', name: 'default' })), 'noOpinion');
  assert.equal(d(a(node1, 'get', 'persistentvolumes', { name: 'pv-2' })), 'noOpinion');
  assert.equal(d(a({ username: 'system:node:n2', groups: ['system:nodes'] }, 'get', 'secrets', { namespace: 'app', name: 'db-secret' })), 'allow');
});

test('a node writes only its own Node, Lease, CSINode and its pods status', () => {
  assert.equal(d(a(node1, 'list', 'nodes')), 'allow');
  assert.equal(d(a(node1, 'patch', 'nodes', { name: 'n1', subresource: 'status' })), 'allow');
  assert.equal(d(a(node1, 'create', 'nodes', { name: 'n1' })), 'allow');
  assert.equal(d(a(node1, 'patch', 'nodes', { name: 'n2', subresource: 'status' })), 'noOpinion');
  assert.equal(d(a(node1, 'delete', 'nodes', { name: 'n2' })), 'noOpinion');
  assert.equal(d(a(node1, 'update', 'leases', { apiGroup: 'coordination.k8s.io', namespace: 'kube-node-lease', name: 'n1' })), 'allow');
  assert.equal(d(a(node1, 'update', 'leases', { apiGroup: 'coordination.k8s.io', namespace: 'kube-node-lease', name: 'n2' })), 'noOpinion');
  assert.equal(d(a(node1, 'update', 'leases', { apiGroup: 'coordination.k8s.io', namespace: 'kube-system', name: 'n1' })), 'noOpinion');
  assert.equal(d(a(node1, 'patch', 'pods', { subresource: 'status', namespace: 'app', name: 'web' })), 'allow');
  assert.equal(d(a(node1, 'patch', 'pods', { subresource: 'status', namespace: 'app', name: 'db' })), 'noOpinion');
  assert.equal(d(a(node1, 'delete', 'pods', { namespace: 'app', name: 'web' })), 'allow');
  assert.equal(d(a(node1, 'delete', 'pods', { namespace: 'app', name: 'db' })), 'noOpinion');
  assert.equal(d(a(node1, 'watch', 'pods')), 'allow');
  assert.equal(d(a(node1, 'list', 'services')), 'allow');
  assert.equal(d(a(node1, 'get', 'endpoints', { namespace: 'app', name: 'x' })), 'allow');
  assert.equal(d(a(node1, 'create', 'events', { namespace: 'app' })), 'allow');
  assert.equal(d(a(node1, 'delete', 'events', { namespace: 'app', name: 'e' })), 'noOpinion');
  assert.equal(d(a(node1, 'create', 'deployments', { apiGroup: 'apps', namespace: 'app' })), 'noOpinion');
  assert.equal(d(a(node1, 'update', 'csinodes', { apiGroup: 'storage.k8s.io', name: 'n1' })), 'allow');
});

test('other users get no opinion; the chain denies what nobody allows', async () => {
  assert.equal(d(a({ username: 'system:node:n1', groups: [] }, 'get', 'secrets', { namespace: 'app', name: 'tls' })), 'noOpinion');
  assert.equal(d(a({ username: 'alice', groups: ['system:nodes'] }, 'list', 'nodes')), 'noOpinion');
  const chain = new UnionAuthorizer([authz, new RBACAuthorizer(new RBACPolicyIndex())]);
  const r = await chain.authorize(a(node1, 'get', 'secrets', { namespace: 'app', name: 'db-secret' }));
  assert.equal(r.decision, 'noOpinion');
  assert.equal(r.reason, "no relationship found between node 'n1' and this object");
  assert.equal((await chain.authorize(a(node1, 'get', 'secrets', { namespace: 'app', name: 'tls' }))).decision, 'allow');
  await assert.rejects(authorizeOrThrow(chain, a(node1, 'get', 'secrets', { namespace: 'app', name: 'db-secret' })), {
    message: 'secrets "db-secret" is forbidden: User "system:node:n1" cannot get resource "secrets" in API group "" in the namespace "app": no relationship found between node \'n1\' and this object',
  });
});
