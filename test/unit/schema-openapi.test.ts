import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SchemaRegistry, customSchemaName } from '../../src/api/schema/registry.js';
import { buildOpenAPIv3, buildOpenAPIv3Index, openAPIv3Hash, openAPIv3Key } from '../../src/api/schema/openapi.js';
import type { ResourceInfo } from '../../src/api/registry/types.js';

const reg = SchemaRegistry.builtin();
const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

function resource(r: Partial<ResourceInfo> & Pick<ResourceInfo, 'group' | 'version' | 'kind' | 'plural' | 'schemaName'>): ResourceInfo {
  return {
    listKind: `${r.kind}List`,
    singular: r.kind.toLowerCase(),
    shortNames: [],
    categories: [],
    namespaced: true,
    verbs: ALL_VERBS,
    subresources: [],
    ...r,
  };
}

const deployments = resource({
  group: 'apps',
  version: 'v1',
  kind: 'Deployment',
  plural: 'deployments',
  schemaName: 'io.k8s.api.apps.v1.Deployment',
  subresources: [
    { name: 'status', responseKind: { group: 'apps', version: 'v1', kind: 'Deployment' }, verbs: ['get', 'patch', 'update'] },
    { name: 'scale', responseKind: { group: 'autoscaling', version: 'v1', kind: 'Scale' }, verbs: ['get', 'patch', 'update'] },
  ],
});
const pods = resource({
  group: '',
  version: 'v1',
  kind: 'Pod',
  plural: 'pods',
  schemaName: 'io.k8s.api.core.v1.Pod',
  subresources: [
    { name: 'exec', responseKind: { group: '', version: 'v1', kind: 'PodExecOptions' }, verbs: ['get', 'create'] },
    { name: 'eviction', responseKind: { group: 'policy', version: 'v1', kind: 'Eviction' }, verbs: ['create'] },
  ],
});
const namespaces = resource({ group: '', version: 'v1', kind: 'Namespace', plural: 'namespaces', schemaName: 'io.k8s.api.core.v1.Namespace', namespaced: false });
const ssar = resource({
  group: 'authorization.k8s.io',
  version: 'v1',
  kind: 'SelfSubjectAccessReview',
  plural: 'selfsubjectaccessreviews',
  schemaName: 'io.k8s.api.authorization.v1.SelfSubjectAccessReview',
  namespaced: false,
  verbs: ['create'],
  virtual: true,
});

type Json = Record<string, any>;
const apps = buildOpenAPIv3(reg, { group: 'apps', version: 'v1' }, [deployments, pods, namespaces]) as Json;

function deref(doc: Json, node: Json): Json {
  let n = node;
  for (let i = 0; i < 10; i++) {
    const ref = n.$ref ?? (n.allOf?.length === 1 ? n.allOf[0].$ref : undefined);
    if (!ref) return n;
    const name = ref.replace('#/components/schemas/', '');
    assert.ok(doc.components.schemas[name], `missing component ${name}`);
    n = doc.components.schemas[name];
  }
  return n;
}

test('document shape', () => {
  assert.equal(apps.openapi, '3.0.0');
  assert.ok(apps.info.title);
  assert.ok(apps.paths['/apis/apps/v1/']);
  assert.equal(apps.paths['/api/v1/namespaces/{namespace}/pods'], undefined, 'other group-versions are left out');
});

test('Deployment paths and operations', () => {
  const base = '/apis/apps/v1/namespaces/{namespace}/deployments';
  for (const p of [base, `${base}/{name}`, `${base}/{name}/status`, `${base}/{name}/scale`, '/apis/apps/v1/deployments']) {
    assert.ok(apps.paths[p], p);
  }
  const item = apps.paths[`${base}/{name}`];
  assert.deepEqual(Object.keys(item).filter((k) => k !== 'parameters').sort(), ['delete', 'get', 'patch', 'put']);
  assert.deepEqual(item.patch['x-kubernetes-group-version-kind'], { group: 'apps', version: 'v1', kind: 'Deployment' });
  assert.equal(item.patch['x-kubernetes-action'], 'patch');
  assert.equal(item.get['x-kubernetes-action'], 'get');
  assert.equal(apps.paths[base].get['x-kubernetes-action'], 'list');
  assert.equal(apps.paths[base].post['x-kubernetes-action'], 'post');
  assert.equal(apps.paths[base].delete['x-kubernetes-action'], 'deletecollection');

  const names = item.patch.parameters.map((p: Json) => p.name);
  for (const n of ['fieldValidation', 'fieldManager', 'dryRun', 'force']) assert.ok(names.includes(n), n);
  assert.ok(item.patch.parameters.every((p: Json) => p.in === 'query' && p.schema.type));
  assert.deepEqual(Object.keys(item.patch.requestBody.content).sort(), [
    'application/apply-patch+yaml',
    'application/json-patch+json',
    'application/merge-patch+json',
    'application/strategic-merge-patch+json',
  ]);
  assert.ok(apps.paths[base].post.parameters.some((p: Json) => p.name === 'fieldValidation'));
  assert.ok(item.parameters.some((p: Json) => p.name === 'namespace' && p.in === 'path'));

  const scale = apps.paths[`${base}/{name}/scale`];
  assert.deepEqual(scale.patch['x-kubernetes-group-version-kind'], { group: 'autoscaling', version: 'v1', kind: 'Scale' });
  assert.equal(scale.get.responses['200'].content['application/json'].schema.$ref, '#/components/schemas/io.k8s.api.autoscaling.v1.Scale');
});

test('components carry GVK arrays and every $ref resolves (kubectl explain deployment.spec.strategy)', () => {
  const schemas = apps.components.schemas;
  const dep = schemas['io.k8s.api.apps.v1.Deployment'];
  assert.ok(Array.isArray(dep['x-kubernetes-group-version-kind']));
  assert.deepEqual(dep['x-kubernetes-group-version-kind'], [{ group: 'apps', kind: 'Deployment', version: 'v1' }]);
  const spec = deref(apps, dep.properties.spec);
  const strategy = spec.properties.strategy;
  assert.equal(strategy['x-kubernetes-patch-strategy'], 'retainKeys', 'extensions stay next to an allOf-wrapped $ref');
  assert.equal(strategy.$ref, undefined);
  const strategyType = deref(apps, strategy);
  assert.ok(strategyType.properties.rollingUpdate);
  const rolling = deref(apps, strategyType.properties.rollingUpdate);
  assert.equal(deref(apps, rolling.properties.maxSurge).format, 'int-or-string');

  const bad: string[] = [];
  const visit = (n: unknown): void => {
    if (Array.isArray(n)) n.forEach(visit);
    else if (n && typeof n === 'object') {
      for (const [k, v] of Object.entries(n)) {
        if (k === '$ref' && typeof v === 'string') {
          if (!v.startsWith('#/components/schemas/') || !schemas[v.slice(21)]) bad.push(v);
        } else if (k !== 'default' && k !== 'enum') visit(v);
      }
    }
  };
  visit(apps);
  assert.deepEqual(bad, []);
  const containers = deref(apps, deref(apps, deref(apps, spec.properties.template).properties.spec).properties.containers.items);
  assert.ok(containers.properties.image);
});

test('core/v1 has cluster-scoped forms, connect subresources and create-only reviews', () => {
  const core = buildOpenAPIv3(reg, { group: '', version: 'v1' }, [pods, namespaces]) as Json;
  assert.ok(core.paths['/api/v1/namespaces/{name}'].patch);
  assert.ok(core.paths['/api/v1/namespaces'].post);
  assert.equal(core.paths['/api/v1/namespaces/{namespace}/pods/{name}/exec'].get['x-kubernetes-action'], 'connect');
  assert.deepEqual(core.paths['/api/v1/namespaces/{namespace}/pods/{name}/eviction'].post['x-kubernetes-group-version-kind'], {
    group: 'policy', version: 'v1', kind: 'Eviction',
  });
  assert.ok(core.components.schemas['io.k8s.api.policy.v1.Eviction']);
  assert.ok(core.paths['/api/v1/pods'].get, 'list across namespaces');

  const authz = buildOpenAPIv3(reg, { group: 'authorization.k8s.io', version: 'v1' }, [ssar]) as Json;
  const p = authz.paths['/apis/authorization.k8s.io/v1/selfsubjectaccessreviews'];
  assert.deepEqual(Object.keys(p).filter((k) => k !== 'parameters'), ['post']);
  assert.equal(authz.paths['/apis/authorization.k8s.io/v1/selfsubjectaccessreviews/{name}'], undefined);
});

test('CRD documents publish the custom schema', () => {
  const r = SchemaRegistry.builtin();
  const gvk = { group: 'stable.example.com', version: 'v1', kind: 'CronTab' };
  const name = customSchemaName(gvk.group, gvk.version, gvk.kind);
  r.addCustom(name, { type: 'object', properties: { spec: { type: 'object', properties: { cronSpec: { type: 'string' } } } } }, gvk, { listKind: 'CronTabList' });
  const crontabs = resource({ ...gvk, plural: 'crontabs', schemaName: name, subresources: [] });
  const doc = buildOpenAPIv3(r, gvk, [crontabs]) as Json;
  assert.deepEqual(doc.components.schemas[name]['x-kubernetes-group-version-kind'], [gvk]);
  assert.ok(doc.components.schemas['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta']);
  assert.equal(doc.paths['/apis/stable.example.com/v1/namespaces/{namespace}/crontabs'].get.responses['200'].content['application/json'].schema.$ref,
    '#/components/schemas/com.example.stable.v1.CronTabList');
});

test('documents are deterministic', () => {
  const again = buildOpenAPIv3(reg, { group: 'apps', version: 'v1' }, [namespaces, pods, deployments]);
  assert.equal(JSON.stringify(again), JSON.stringify(apps));
});

test('index keys, stable hashes, and hashes that follow content', () => {
  assert.equal(openAPIv3Key({ group: '', version: 'v1' }), 'api/v1');
  assert.equal(openAPIv3Key({ group: 'apps', version: 'v1' }), 'apis/apps/v1');
  const core = buildOpenAPIv3(reg, { group: '', version: 'v1' }, [pods]);
  const idx1 = buildOpenAPIv3Index([{ gv: { group: 'apps', version: 'v1' }, doc: apps }, { gv: { group: '', version: 'v1' }, doc: core }]);
  const idx2 = buildOpenAPIv3Index([{ gv: { group: '', version: 'v1' }, doc: JSON.stringify(core) }, { gv: { group: 'apps', version: 'v1' }, doc: apps }]);
  assert.deepEqual(idx1, idx2);
  assert.deepEqual(Object.keys(idx1.paths), ['api/v1', 'apis/apps/v1']);
  assert.match(idx1.paths['apis/apps/v1'].serverRelativeURL, /^\/openapi\/v3\/apis\/apps\/v1\?hash=[0-9A-F]{128}$/);
  assert.equal(idx1.paths['api/v1'].serverRelativeURL, `/openapi/v3/api/v1?hash=${openAPIv3Hash(JSON.stringify(core))}`);

  const changed = buildOpenAPIv3(reg, { group: '', version: 'v1' }, [pods, namespaces]);
  const idx3 = buildOpenAPIv3Index([{ gv: { group: '', version: 'v1' }, doc: changed }]);
  assert.notEqual(idx3.paths['api/v1'].serverRelativeURL, idx1.paths['api/v1'].serverRelativeURL);
});
