import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SchemaRegistry, customSchemaName, OBJECT_META } from '../../src/api/schema/registry.js';

const reg = SchemaRegistry.builtin();

test('built-in data loads with the served groups and meta types', () => {
  for (const name of [
    'io.k8s.api.apps.v1.Deployment',
    'io.k8s.api.core.v1.Pod',
    'io.k8s.api.core.v1.Service',
    'io.k8s.api.networking.v1.Ingress',
    'io.k8s.api.rbac.v1.ClusterRole',
    'io.k8s.api.flowcontrol.v1.FlowSchema',
    'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition',
    'io.k8s.api.authorization.v1.SelfSubjectAccessReview',
    OBJECT_META,
    'io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions',
  ]) {
    assert.ok(reg.get(name), name);
  }
});

test('no upstream prose is shipped', () => {
  // A property may be called "description" (PriorityClass); prose would be a string value.
  for (const name of reg.names()) {
    assert.equal(/"description":"/.test(JSON.stringify(reg.get(name))), false, name);
  }
});

test('every $ref resolves', () => {
  const missing: string[] = [];
  const visit = (n: unknown): void => {
    if (Array.isArray(n)) n.forEach(visit);
    else if (n && typeof n === 'object') {
      for (const [k, v] of Object.entries(n)) {
        // JSONSchemaProps has a property named "$ref"; only string values are references.
        if (k === '$ref' && typeof v === 'string') {
          if (!reg.get(v)) missing.push(v);
        }
        else if (k !== 'default' && k !== 'enum') visit(v);
      }
    }
  };
  for (const name of reg.names()) visit(reg.get(name));
  assert.deepEqual(missing, []);
});

test('Deployment, Pod and Service resolve through $ref', () => {
  const dep = reg.get('io.k8s.api.apps.v1.Deployment')!;
  assert.deepEqual(dep['x-kubernetes-group-version-kind'], [{ group: 'apps', kind: 'Deployment', version: 'v1' }]);
  const spec = reg.resolve(dep.properties!.spec)!;
  assert.equal(spec.properties!.replicas.format, 'int32');
  const strategy = spec.properties!.strategy;
  assert.equal(strategy['x-kubernetes-patch-strategy'], 'retainKeys');
  assert.ok(reg.resolve(strategy)!.properties!.rollingUpdate);
  const podSpec = reg.resolve(reg.get('io.k8s.api.core.v1.Pod')!.properties!.spec)!;
  assert.ok(podSpec.properties!.containers);
  const svcSpec = reg.resolve(reg.get('io.k8s.api.core.v1.Service')!.properties!.spec)!;
  assert.ok(svcSpec.properties!.ports);
  assert.equal(reg.resolve(undefined), undefined);
});

test('merge keys and list semantics match upstream', () => {
  const podSpec = reg.get('io.k8s.api.core.v1.PodSpec')!;
  const containers = podSpec.properties!.containers;
  assert.equal(containers['x-kubernetes-patch-merge-key'], 'name');
  assert.equal(containers['x-kubernetes-patch-strategy'], 'merge');
  assert.equal(containers['x-kubernetes-list-type'], 'map');
  assert.deepEqual(containers['x-kubernetes-list-map-keys'], ['name']);
  assert.equal(podSpec.properties!.volumes['x-kubernetes-patch-strategy'], 'merge,retainKeys');

  const ports = reg.get('io.k8s.api.core.v1.Container')!.properties!.ports;
  assert.equal(ports['x-kubernetes-patch-merge-key'], 'containerPort');
  assert.deepEqual(ports['x-kubernetes-list-map-keys'], ['containerPort', 'protocol']);

  const svcPorts = reg.get('io.k8s.api.core.v1.ServiceSpec')!.properties!.ports;
  assert.equal(svcPorts['x-kubernetes-patch-merge-key'], 'port');
  assert.equal(svcPorts['x-kubernetes-patch-strategy'], 'merge');

  assert.equal(reg.get(OBJECT_META)!.properties!.ownerReferences['x-kubernetes-patch-merge-key'], 'uid');
  assert.equal(reg.get(OBJECT_META)!.properties!.finalizers['x-kubernetes-patch-strategy'], 'merge');
});

test('v3 facts are carried: defaults, int-or-string and quantity', () => {
  const port = reg.get('io.k8s.api.core.v1.ContainerPort')!;
  assert.equal(port.properties!.protocol.default, 'TCP');
  const ios = reg.get('io.k8s.apimachinery.pkg.util.intstr.IntOrString')!;
  assert.equal(ios.format, 'int-or-string');
  assert.ok(reg.get('io.k8s.apimachinery.pkg.api.resource.Quantity')!.oneOf);
  // A field added after the v3 reference documents (v1.28 sidecars) is present.
  assert.ok(reg.get('io.k8s.api.core.v1.Container')!.properties!.restartPolicy);
});

test('nameForGVK finds built-in kinds', () => {
  assert.equal(reg.nameForGVK('apps', 'v1', 'Deployment'), 'io.k8s.api.apps.v1.Deployment');
  assert.equal(reg.nameForGVK('', 'v1', 'Pod'), 'io.k8s.api.core.v1.Pod');
  assert.equal(reg.nameForGVK('autoscaling', 'v1', 'Scale'), 'io.k8s.api.autoscaling.v1.Scale');
  assert.equal(reg.nameForGVK('policy', 'v1', 'Eviction'), 'io.k8s.api.policy.v1.Eviction');
  assert.equal(reg.nameForGVK('apps', 'v1', 'Nope'), undefined);
});

test('CRD schemas are added, tagged and removed', () => {
  const r = SchemaRegistry.builtin();
  const v0 = r.version;
  const gvk = { group: 'stable.example.com', version: 'v1', kind: 'CronTab' };
  const name = customSchemaName(gvk.group, gvk.version, gvk.kind);
  assert.equal(name, 'com.example.stable.v1.CronTab');
  const schema = { type: 'object' as const, properties: { spec: { type: 'object' as const, properties: { cronSpec: { type: 'string' as const } } } } };
  r.addCustom(name, schema, gvk, { listKind: 'CronTabList' });
  assert.notEqual(r.version, v0);
  const node = r.get(name)!;
  assert.equal(node.properties!.metadata.$ref, OBJECT_META);
  assert.equal(node.properties!.apiVersion.type, 'string');
  assert.deepEqual(node['x-kubernetes-group-version-kind'], [gvk]);
  assert.equal(schema.properties.spec.properties.cronSpec.type, 'string');
  assert.equal((schema as { properties: Record<string, unknown> }).properties.metadata, undefined, 'input not mutated');
  assert.equal(r.nameForGVK(gvk.group, 'v1', 'CronTab'), name);
  assert.equal(r.nameForGVK(gvk.group, 'v1', 'CronTabList'), 'com.example.stable.v1.CronTabList');
  assert.equal(r.isCustom(name), true);
  assert.equal(SchemaRegistry.builtin().get(name), undefined, 'registries are independent');

  const v1 = r.version;
  r.remove(name);
  assert.notEqual(r.version, v1);
  assert.equal(r.get(name), undefined);
  assert.equal(r.get('com.example.stable.v1.CronTabList'), undefined);
  assert.equal(r.nameForGVK(gvk.group, 'v1', 'CronTab'), undefined);
});

test('a CRD without a schema keeps every field', () => {
  const r = SchemaRegistry.builtin();
  r.addCustom('com.example.v1.Free', undefined, { group: 'example.com', version: 'v1', kind: 'Free' });
  assert.equal(r.get('com.example.v1.Free')!['x-kubernetes-preserve-unknown-fields'], true);
});
