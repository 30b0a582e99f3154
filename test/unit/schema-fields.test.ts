import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SchemaRegistry, customSchemaName } from '../../src/api/schema/registry.js';
import { checkFields, pruneUnknown, unknownFieldMessage } from '../../src/api/schema/fields.js';
import type { SchemaNode } from '../../src/api/schema/types.js';

const reg = SchemaRegistry.builtin();
const DEPLOYMENT = 'io.k8s.api.apps.v1.Deployment';

function deployment(): Record<string, any> {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', labels: { app: 'web' }, annotations: { a: 'b' } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 1 } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          containers: [
            {
              name: 'nginx',
              image: 'nginx',
              ports: [{ containerPort: 80, protocol: 'TCP' }],
              resources: { limits: { cpu: 1, memory: '128Mi' }, requests: { cpu: '100m' } },
              env: [{ name: 'A', value: 'b' }],
            },
          ],
        },
      },
    },
  };
}

test('a valid Deployment has no findings and is left alone', () => {
  const obj = deployment();
  const before = JSON.stringify(obj);
  assert.deepEqual(checkFields(reg, DEPLOYMENT, obj), { unknown: [] });
  assert.equal(JSON.stringify(obj), before);
});

test('unknown fields are reported with upstream paths and pruned', () => {
  const obj = deployment();
  obj.spec.foo = 1;
  obj.metadata.bogus = 'x';
  obj.spec.template.spec.containers[0].imagee = 'nginx';
  obj.spec.template.spec.containers[0].ports[0].extra = true;
  obj.top = 1;
  const res = checkFields(reg, DEPLOYMENT, obj);
  assert.deepEqual(res.unknown.sort(), [
    'metadata.bogus',
    'spec.foo',
    'spec.template.spec.containers[0].imagee',
    'spec.template.spec.containers[0].ports[0].extra',
    'top',
  ]);
  assert.equal(res.typeError, undefined);
  assert.deepEqual(obj, deployment(), 'unknown fields removed, nothing else');
  assert.equal(unknownFieldMessage('spec.foo'), 'unknown field "spec.foo"');
});

test('prune:false reports without removing', () => {
  const obj = deployment();
  obj.spec.foo = 1;
  assert.deepEqual(checkFields(reg, DEPLOYMENT, obj, { prune: false }).unknown, ['spec.foo']);
  assert.equal(obj.spec.foo, 1);
});

test('maps, RawExtension and int-or-string are not mistaken for unknown fields', () => {
  const obj = deployment();
  obj.metadata.labels['any-key'] = 'v';
  const rev = { apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: { name: 'r' }, revision: 1, data: { spec: { anything: [1, 2] } } };
  assert.deepEqual(checkFields(reg, 'io.k8s.api.apps.v1.ControllerRevision', rev), { unknown: [] });
  assert.deepEqual(checkFields(reg, DEPLOYMENT, obj), { unknown: [] });
  const managed = { metadata: { managedFields: [{ manager: 'm', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:replicas': {} } } }] } };
  assert.deepEqual(checkFields(reg, DEPLOYMENT, managed), { unknown: [] });
});

test('null is accepted anywhere', () => {
  assert.deepEqual(checkFields(reg, DEPLOYMENT, { spec: { replicas: null, template: null }, metadata: { labels: null } }), { unknown: [] });
});

test('type errors use the Go decoder wording', () => {
  const cases: [unknown, string][] = [
    [{ spec: { replicas: '3' } }, 'json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32'],
    [{ spec: { replicas: 1.5 } }, 'json: cannot unmarshal number 1.5 into Go struct field DeploymentSpec.spec.replicas of type int32'],
    [{ spec: { replicas: 4294967296 } }, 'json: cannot unmarshal number 4294967296 into Go struct field DeploymentSpec.spec.replicas of type int32'],
    [{ spec: 'x' }, 'json: cannot unmarshal string into Go struct field Deployment.spec of type v1.DeploymentSpec'],
    [{ spec: { paused: 'yes' } }, 'json: cannot unmarshal string into Go struct field DeploymentSpec.spec.paused of type bool'],
    [{ metadata: { labels: { a: 1 } } }, 'json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type string'],
    [{ metadata: { labels: [] } }, 'json: cannot unmarshal array into Go struct field ObjectMeta.metadata.labels of type map[string]string'],
    [
      { spec: { template: { spec: { containers: [{ image: 5 }] } } } },
      'json: cannot unmarshal number into Go struct field Container.spec.template.spec.containers.image of type string',
    ],
    [
      { spec: { template: { spec: { containers: {} } } } },
      'json: cannot unmarshal object into Go struct field PodSpec.spec.template.spec.containers of type []v1.Container',
    ],
    [{ spec: { strategy: { rollingUpdate: { maxSurge: true } } } }, 'json: cannot unmarshal bool into Go value of type int32'],
  ];
  for (const [obj, message] of cases) {
    assert.equal(checkFields(reg, DEPLOYMENT, obj).typeError, message, JSON.stringify(obj));
  }
  const quantity = checkFields(reg, DEPLOYMENT, { spec: { template: { spec: { containers: [{ resources: { limits: { cpu: true } } }] } } } });
  assert.match(quantity.typeError!, /^quantities must match the regular expression/);
});

test('the first type error wins and unknown fields are still collected', () => {
  const res = checkFields(reg, DEPLOYMENT, { spec: { replicas: 'a', paused: 'b', zzz: 1 } });
  assert.equal(res.typeError, 'json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32');
  assert.deepEqual(res.unknown, ['spec.zzz']);
});

test('Pod, Service and CRD-typed objects are checked through nested refs', () => {
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'i', livenessProbe: { httpGet: { port: 'http', path: '/' }, nope: 1 } }] } };
  assert.deepEqual(checkFields(reg, 'io.k8s.api.core.v1.Pod', pod).unknown, ['spec.containers[0].livenessProbe.nope']);
  const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { ports: [{ port: 80, targetPort: 8080, nodePortt: 1 }] } };
  assert.deepEqual(checkFields(reg, 'io.k8s.api.core.v1.Service', svc).unknown, ['spec.ports[0].nodePortt']);
  const crd = {
    spec: { group: 'g', names: { plural: 'xs', kind: 'X' }, scope: 'Namespaced', versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', x: 1 } } } } }] },
  };
  assert.deepEqual(
    checkFields(reg, 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition', crd).unknown,
    ['spec.versions[0].schema.openAPIV3Schema.properties.spec.x'],
  );
});

test('custom resources are pruned structurally', () => {
  const r = SchemaRegistry.builtin();
  const gvk = { group: 'stable.example.com', version: 'v1', kind: 'CronTab' };
  const name = customSchemaName(gvk.group, gvk.version, gvk.kind);
  const schema: SchemaNode = {
    type: 'object',
    properties: {
      spec: {
        type: 'object',
        properties: {
          cronSpec: { type: 'string' },
          replicas: { type: 'integer' },
          free: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
          empty: { type: 'object' },
          port: { 'x-kubernetes-int-or-string': true },
          tags: { type: 'object', additionalProperties: { type: 'object', properties: { v: { type: 'string' } } } },
          items: { type: 'array', items: { type: 'object', properties: { n: { type: 'string' } } } },
          template: { type: 'object', 'x-kubernetes-embedded-resource': true, properties: { spec: { type: 'object', properties: {} } } },
        },
      },
      status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
    },
  };
  r.addCustom(name, schema, gvk);
  const obj: Record<string, any> = {
    apiVersion: 'stable.example.com/v1',
    kind: 'CronTab',
    metadata: { name: 'c', labels: { a: 'b' }, junk: 1 },
    spec: {
      cronSpec: '* * * * *',
      replicas: 'not-an-int',
      free: { anything: { goes: 1 } },
      empty: { dropped: 1 },
      port: 'http',
      tags: { a: { v: 'x', w: 'y' } },
      items: [{ n: 'a', m: 'b' }],
      template: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', bad: 1 }, spec: {}, other: 1 },
      extra: true,
    },
    status: { whatever: 1 },
  };
  const dropped = pruneUnknown(r, name, obj);
  assert.deepEqual(dropped.sort(), [
    'metadata.junk',
    'spec.empty.dropped',
    'spec.extra',
    'spec.items[0].m',
    'spec.tags.a.w',
    'spec.template.metadata.bad',
    'spec.template.other',
  ]);
  assert.equal(obj.spec.extra, undefined);
  assert.deepEqual(obj.spec.free, { anything: { goes: 1 } });
  assert.deepEqual(obj.status, { whatever: 1 });
  assert.equal(obj.spec.replicas, 'not-an-int', 'type mismatches are left to validation');
  // Custom schemas report no Go type errors by default.
  assert.equal(checkFields(r, name, { spec: { replicas: 'x' } }).typeError, undefined);
});

test('checkers follow schema changes', () => {
  const r = SchemaRegistry.builtin();
  const gvk = { group: 'example.com', version: 'v1', kind: 'Thing' };
  const name = customSchemaName(gvk.group, gvk.version, gvk.kind);
  r.addCustom(name, { type: 'object', properties: { a: { type: 'string' } } }, gvk);
  assert.deepEqual(checkFields(r, name, { a: 'x', b: 'y' }, { prune: false }).unknown, ['b']);
  r.addCustom(name, { type: 'object', properties: { a: { type: 'string' }, b: { type: 'string' } } }, gvk);
  assert.deepEqual(checkFields(r, name, { a: 'x', b: 'y' }, { prune: false }).unknown, []);
});

test('an unknown schema name checks nothing', () => {
  assert.deepEqual(checkFields(reg, 'no.such.Type', { a: 1 }), { unknown: [] });
});

