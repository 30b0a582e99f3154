import { test } from 'node:test';
import assert from 'node:assert/strict';
import { builtinResources, groupOrder, preferredVersion } from '../../src/api/registry/builtin.js';
import { strategyFor, validateForCreate, validateForUpdate, podQOSClass } from '../../src/api/registry/strategies.js';
import type { KubeObject } from '../../src/api/object.js';

const find = (group: string, plural: string, version?: string) =>
  builtinResources.find((r) => r.group === group && r.plural === plural && (!version || r.version === version));

test('discovery facts match upstream for key resources', () => {
  const pods = find('', 'pods')!;
  assert.deepEqual(pods.shortNames, ['po']);
  assert.deepEqual(pods.categories, ['all']);
  assert.equal(pods.schemaName, 'io.k8s.api.core.v1.Pod');
  assert.deepEqual(pods.subresources.find((s) => s.name === 'eviction')!.responseKind, { group: 'policy', version: 'v1', kind: 'Eviction' });
  const deploy = find('apps', 'deployments')!;
  assert.deepEqual(deploy.subresources.find((s) => s.name === 'scale')!.responseKind, { group: 'autoscaling', version: 'v1', kind: 'Scale' });
  assert.equal(find('', 'namespaces')!.namespaced, false);
  assert.ok(!find('', 'namespaces')!.verbs.includes('deletecollection'));
  assert.equal(find('', 'serviceaccounts')!.subresources[0]!.responseKind.kind, 'TokenRequest');
  assert.equal(find('apiextensions.k8s.io', 'customresourcedefinitions')!.schemaName, 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition');
  const ssar = find('authorization.k8s.io', 'selfsubjectaccessreviews')!;
  assert.equal(ssar.virtual, true);
  assert.deepEqual(ssar.verbs, ['create']);
  assert.ok(find('autoscaling', 'horizontalpodautoscalers', 'v1') && find('autoscaling', 'horizontalpodautoscalers', 'v2'));
  assert.equal(preferredVersion('autoscaling'), 'v2');
  assert.equal(groupOrder[0]!.group, '');
  assert.equal(groupOrder[1]!.group, 'apps');
});

test('category all is exactly upstream set', () => {
  const all = new Set(builtinResources.filter((r) => r.categories.includes('all')).map((r) => r.plural));
  assert.deepEqual([...all].sort(), ['cronjobs', 'daemonsets', 'deployments', 'horizontalpodautoscalers', 'jobs', 'pods', 'replicasets', 'replicationcontrollers', 'services', 'statefulsets']);
});

test('every resource group is in groupOrder and names are unique per group-version', () => {
  const seen = new Set<string>();
  for (const r of builtinResources) {
    assert.ok(groupOrder.some((g) => g.group === r.group && g.versions.includes(r.version)), `${r.group}/${r.version}`);
    const k = `${r.group}/${r.version}/${r.plural}`;
    assert.ok(!seen.has(k), k);
    seen.add(k);
  }
});

test('strategies: status flags and name rules', () => {
  assert.equal(strategyFor('apps', 'Deployment').hasStatus, true);
  assert.equal(strategyFor('', 'ConfigMap').hasStatus, undefined);
  assert.equal(strategyFor('', 'Namespace').nameRule, 'dns1123Label');
  assert.equal(strategyFor('rbac.authorization.k8s.io', 'ClusterRole').nameRule, 'rbac');
});

test('validateForCreate: ConfigMap bad name gives upstream message', () => {
  const causes = validateForCreate({ group: '', kind: 'ConfigMap', namespaced: true }, { metadata: { name: 'X_Y', namespace: 'default' } });
  assert.equal(causes.length, 1);
  assert.equal(causes[0]!.field, 'metadata.name');
  assert.match(causes[0]!.message!, /^Invalid value: "X_Y": a lowercase RFC 1123 subdomain must consist of/);
});

test('rbac names may contain colons; namespace forbidden on cluster-scoped', () => {
  assert.deepEqual(validateForCreate({ group: 'rbac.authorization.k8s.io', kind: 'ClusterRole', namespaced: false }, { metadata: { name: 'system:foo' }, rules: [] }), []);
  const causes = validateForCreate({ group: 'rbac.authorization.k8s.io', kind: 'ClusterRole', namespaced: false }, { metadata: { name: 'a', namespace: 'x' } });
  assert.equal(causes[0]!.field, 'metadata.namespace');
  assert.equal(causes[0]!.reason, 'FieldValueForbidden');
});

test('namespace strategy: defaults, finalizers, label', () => {
  const s = strategyFor('', 'Namespace');
  const ns: KubeObject = { metadata: { name: 'dev' } };
  s.default!(ns);
  s.prepareForCreate!(ns, { now: new Date(), subresource: '' });
  assert.deepEqual(ns.spec, { finalizers: ['kubernetes'] });
  assert.equal(ns.metadata.labels!['kubernetes.io/metadata.name'], 'dev');
  assert.deepEqual(ns.status, { phase: 'Active' });
});

test('deployment selector is immutable on update', () => {
  const base = () => ({
    metadata: { name: 'd', namespace: 'default' },
    spec: { selector: { matchLabels: { app: 'a' } }, template: { metadata: { labels: { app: 'a', x: 'y' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
  }) as KubeObject;
  const s = strategyFor('apps', 'Deployment');
  const old = base();
  s.default!(old);
  const next = base();
  (next.spec as { selector: unknown }).selector = { matchLabels: { x: 'y' } };
  s.default!(next);
  const causes = validateForUpdate({ group: 'apps', kind: 'Deployment', namespaced: true }, next, old);
  assert.deepEqual(causes.map((c) => [c.field, c.message]), [['spec.selector', 'Invalid value: {"matchLabels":{"x":"y"}}: field is immutable']]);
});

test('pod QoS class', () => {
  assert.equal(podQOSClass({ metadata: {}, spec: { containers: [{ name: 'a' }] } }), 'BestEffort');
  assert.equal(podQOSClass({ metadata: {}, spec: { containers: [{ resources: { limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '1', memory: '1Gi' } } }] } }), 'Guaranteed');
  assert.equal(podQOSClass({ metadata: {}, spec: { containers: [{ resources: { requests: { cpu: '1' } } }] } }), 'Burstable');
});
