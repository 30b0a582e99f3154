import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { JsonObject } from '../../src/api/object.js';
import { applyConflictError, serverSideApply } from '../../src/api/patch/apply.js';
import { fieldsOf } from '../../src/api/patch/fields-of.js';
import { trackUpdate } from '../../src/api/patch/managed-fields.js';
import type { SchemaNode, SchemaResolver } from '../../src/api/schema/types.js';

const schemas: Record<string, SchemaNode> = {};
for (const f of ['api-v1.json', 'apis-apps-v1.json']) Object.assign(schemas, JSON.parse(readFileSync(`/work/shared/reference/openapi-v3/${f}`, 'utf8')).components.schemas);
const resolver: SchemaResolver = {
  resolve(node) {
    let cur = node;
    for (let i = 0; cur && i < 10; i++) {
      if (cur.$ref) cur = schemas[cur.$ref.replace('#/components/schemas/', '')];
      else if (cur.allOf?.length === 1 && !cur.properties && !cur.type) cur = cur.allOf[0];
      else break;
    }
    return cur;
  },
};
const DEPLOYMENT: SchemaNode = { $ref: '#/components/schemas/io.k8s.api.apps.v1.Deployment' };
const NOW = new Date('2025-01-02T03:04:05.678Z');
const base = { apiVersion: 'apps/v1', schema: DEPLOYMENT, resolver, now: NOW };

function deployment(replicas: number, image = 'nginx:1.26', labels: Record<string, string> = { app: 'web' }): JsonObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', labels },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image, ports: [{ containerPort: 80 }] }] } },
    },
  };
}

const entries = (o: JsonObject) => (o.metadata as any).managedFields as any[];

describe('field sets', () => {
  it('fieldsOf follows map keys, atomic selectors and struct fields', () => {
    assert.deepEqual(fieldsOf(deployment(2), DEPLOYMENT, resolver), {
      'f:apiVersion': {},
      'f:kind': {},
      'f:metadata': { 'f:labels': { 'f:app': {} }, 'f:name': {}, 'f:namespace': {} },
      'f:spec': {
        'f:replicas': {},
        'f:selector': {},
        'f:template': {
          'f:metadata': { 'f:labels': { 'f:app': {} } },
          'f:spec': {
            'f:containers': {
              'k:{"name":"nginx"}': { '.': {}, 'f:image': {}, 'f:name': {}, 'f:ports': { 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} } } },
            },
          },
        },
      },
    });
  });
});

describe('trackUpdate', () => {
  it('records the creator and moves changed fields between managers', () => {
    const created = trackUpdate(null, deployment(1), { ...base, manager: 'kubectl-client-side-apply' });
    const [e] = entries(created);
    assert.deepEqual(Object.keys(e), ['manager', 'operation', 'apiVersion', 'time', 'fieldsType', 'fieldsV1']);
    assert.equal(e.time, '2025-01-02T03:04:05Z');
    assert.deepEqual(e.fieldsV1['f:spec']['f:replicas'], {});
    assert.equal(e.fieldsV1['f:metadata']['f:name'], undefined);

    const scaled = trackUpdate(created, { ...deployment(5), metadata: (created as any).metadata }, { ...base, manager: 'kube-scaler', subresource: 'scale' });
    const by = Object.fromEntries(entries(scaled).map((x) => [x.manager, x]));
    const csa = by['kubectl-client-side-apply'];
    const scaler = by['kube-scaler'];
    assert.equal(csa.fieldsV1['f:spec']['f:replicas'], undefined);
    assert.deepEqual(scaler, { manager: 'kube-scaler', operation: 'Update', apiVersion: 'apps/v1', time: '2025-01-02T03:04:05Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:replicas': {} } }, subresource: 'scale' });
  });
  it('a no-op write adds no entry; status writes track only status', () => {
    const created = trackUpdate(null, deployment(1), { ...base, manager: 'a' });
    assert.equal(entries(trackUpdate(created, created, { ...base, manager: 'b' })).length, 1);
    const withStatus = { ...created, status: { replicas: 1 } };
    const st = trackUpdate(created, withStatus, { ...base, manager: 'ctrl', subresource: 'status' });
    assert.deepEqual(entries(st)[1].fieldsV1, { 'f:status': { 'f:replicas': {} } });
    assert.equal(entries(trackUpdate(created, withStatus, { ...base, manager: 'x' })).length, 1);
  });
  it('[{}] resets managedFields', () => {
    const created = trackUpdate(null, deployment(1), { ...base, manager: 'a' });
    const reset = { ...created, metadata: { ...(created.metadata as JsonObject), managedFields: [{}] } };
    assert.equal((trackUpdate(created, reset, { ...base, manager: 'b' }).metadata as any).managedFields, undefined);
  });
});

describe('server-side apply', () => {
  it('creates with an Apply entry', () => {
    const { object, conflicts } = serverSideApply(null, deployment(2), { ...base, manager: 'kubectl' });
    assert.deepEqual(conflicts, []);
    assert.equal((object.spec as any).replicas, 2);
    const [e] = entries(object);
    assert.equal(e.manager, 'kubectl');
    assert.equal(e.operation, 'Apply');
    assert.equal(e.fieldsType, 'FieldsV1');
    assert.deepEqual(e.fieldsV1['f:spec']['f:template']['f:spec']['f:containers']['k:{"name":"nginx"}']['f:image'], {});
  });
  it('re-applying the same configuration is a no-op', () => {
    const first = serverSideApply(null, deployment(2), { ...base, manager: 'kubectl' }).object;
    const again = serverSideApply(first, deployment(2), { ...base, manager: 'kubectl', now: new Date('2030-01-01T00:00:00Z') });
    assert.equal(again.object, first);
    assert.deepEqual(again.conflicts, []);
  });
  it('conflicts with another manager, with upstream wording', () => {
    const live = trackUpdate(null, deployment(1), { ...base, manager: 'kubectl-client-side-apply' });
    const res = serverSideApply(live, deployment(3), { ...base, manager: 'kubectl' });
    assert.equal(res.object, live);
    assert.deepEqual(res.conflicts, [{ manager: 'kubectl-client-side-apply', operation: 'Update', apiVersion: 'apps/v1', field: '.spec.replicas' }]);
    const err = applyConflictError(res.conflicts);
    assert.equal(err.code, 409);
    assert.equal(err.reason, 'Conflict');
    assert.equal(err.message, 'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas');
    assert.deepEqual(err.details, { causes: [{ reason: 'FieldManagerConflict', message: 'conflict with "kubectl-client-side-apply" using apps/v1', field: '.spec.replicas' }] });
  });
  it('lists several conflicts per manager', () => {
    const live = trackUpdate(null, deployment(1, 'nginx:1'), { ...base, manager: 'mgr' });
    const res = serverSideApply(live, deployment(3, 'nginx:2'), { ...base, manager: 'kubectl' });
    assert.equal(
      applyConflictError(res.conflicts).message,
      'Apply failed with 2 conflicts: conflicts with "mgr" using apps/v1:\n- .spec.replicas\n- .spec.template.spec.containers[name="nginx"].image',
    );
  });
  it('force takes the fields over', () => {
    const live = trackUpdate(null, deployment(1), { ...base, manager: 'kubectl-client-side-apply' });
    const { object, conflicts } = serverSideApply(live, deployment(3), { ...base, manager: 'kubectl', force: true });
    assert.deepEqual(conflicts, []);
    assert.equal((object.spec as any).replicas, 3);
    const byManager = Object.fromEntries(entries(object).map((e) => [e.manager, e]));
    assert.equal(byManager['kubectl-client-side-apply'].fieldsV1['f:spec']['f:replicas'], undefined);
    assert.deepEqual(byManager.kubectl.fieldsV1['f:spec']['f:replicas'], {});
    assert.equal(entries(object)[0].operation, 'Apply');
  });
  it('same values are shared without conflict', () => {
    const live = trackUpdate(null, deployment(1), { ...base, manager: 'other' });
    const res = serverSideApply(live, deployment(1), { ...base, manager: 'kubectl' });
    assert.deepEqual(res.conflicts, []);
    assert.equal(entries(res.object).length, 2);
  });
  it('removes fields the applier omits now, unless someone else owns them', () => {
    const first = serverSideApply(null, deployment(2, 'nginx:1', { app: 'web', tier: 'fe', team: 'x' }), { ...base, manager: 'kubectl' }).object;
    // another manager takes over "team" by writing it
    const md = first.metadata as any;
    const updated = trackUpdate(first, { ...first, metadata: { ...md, labels: { ...md.labels, team: 'y' } } }, { ...base, manager: 'labeler' });
    const second = serverSideApply(updated, deployment(2, 'nginx:1', { app: 'web' }), { ...base, manager: 'kubectl' }).object;
    assert.deepEqual((second.metadata as any).labels, { app: 'web', team: 'y' });
  });
  it('keeps list items of other owners and merges containers by name', () => {
    const first = serverSideApply(null, deployment(2), { ...base, manager: 'kubectl' }).object;
    const spec = (first.spec as any).template.spec;
    const sidecar = { ...first, spec: { ...(first.spec as any), template: { ...(first.spec as any).template, spec: { ...spec, containers: [...spec.containers, { name: 'side', image: 'busybox' }] } } } };
    const injected = trackUpdate(first, sidecar, { ...base, manager: 'injector' });
    const out = serverSideApply(injected, deployment(2, 'nginx:1.27'), { ...base, manager: 'kubectl' }).object;
    assert.deepEqual((out.spec as any).template.spec.containers.map((c: any) => `${c.name}=${c.image}`), ['nginx=nginx:1.27', 'side=busybox']);
  });
  it('rejects managedFields in the configuration and a missing manager', () => {
    const bad = deployment(1);
    (bad.metadata as any).managedFields = [];
    assert.throws(() => serverSideApply(null, bad, { ...base, manager: 'kubectl' }), /managedFields must be nil/);
    assert.throws(() => serverSideApply(null, deployment(1), { ...base, manager: '' }), /fieldManager is required/);
  });
  it('works without a schema (custom resources without structure)', () => {
    const cr = { apiVersion: 'x/v1', kind: 'Thing', metadata: { name: 't' }, spec: { a: 1, list: [1, 2] } };
    const first = serverSideApply(null, cr, { ...base, schema: undefined, apiVersion: 'x/v1', manager: 'm' }).object;
    assert.deepEqual(entries(first)[0].fieldsV1, { 'f:spec': { '.': {}, 'f:a': {}, 'f:list': {} } });
    const second = serverSideApply(first, { ...cr, spec: { list: [3] } }, { ...base, schema: undefined, apiVersion: 'x/v1', manager: 'm' }).object;
    assert.deepEqual(second.spec, { list: [3] });
  });
});
