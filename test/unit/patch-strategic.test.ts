import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { StatusError } from '../../src/api/errors.js';
import { applyStrategicMergePatch, strategicMergePatchUnsupported } from '../../src/api/patch/strategic.js';
import type { SchemaNode, SchemaResolver } from '../../src/api/schema/types.js';

// A tiny resolver over the upstream OpenAPI documents (test oracle only).
function upstreamSchemas(...files: string[]): { resolver: SchemaResolver; get: (name: string) => SchemaNode } {
  const schemas: Record<string, SchemaNode> = {};
  for (const f of files) Object.assign(schemas, JSON.parse(readFileSync(`/work/shared/reference/openapi-v3/${f}`, 'utf8')).components.schemas);
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
  return { resolver, get: (name) => ({ $ref: `#/components/schemas/${name}` }) };
}

const { resolver, get } = upstreamSchemas('api-v1.json', 'apis-apps-v1.json');
const POD = get('io.k8s.api.core.v1.Pod');
const DEPLOYMENT = get('io.k8s.api.apps.v1.Deployment');
const smp = (doc: object, patch: unknown, schema = POD): any => applyStrategicMergePatch(doc, patch, schema, resolver);

function pod(containers: unknown[], extra: Record<string, unknown> = {}) {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', ...extra }, spec: { containers } };
}

describe('strategic merge patch (upstream schemas)', () => {
  it('merges containers by name and appends new ones, input untouched', () => {
    const live = pod([{ name: 'a', image: 'a:1' }, { name: 'b', image: 'b:1' }]);
    const before = JSON.stringify(live);
    const out = smp(live, { spec: { containers: [{ name: 'b', image: 'b:2' }, { name: 'c', image: 'c:1' }] } });
    assert.deepEqual(out.spec.containers, [{ name: 'a', image: 'a:1' }, { name: 'b', image: 'b:2' }, { name: 'c', image: 'c:1' }]);
    assert.equal(JSON.stringify(live), before);
  });
  it('merges env by name and ports by containerPort; null deletes a key', () => {
    const live = pod([{ name: 'a', image: 'x', env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }], ports: [{ containerPort: 80, protocol: 'TCP' }] }]);
    const out = smp(live, { spec: { containers: [{ name: 'a', env: [{ name: 'B', value: '3' }], ports: [{ containerPort: 80, name: 'http' }, { containerPort: 443 }], image: null }] } });
    assert.deepEqual(out.spec.containers[0], {
      name: 'a',
      env: [{ name: 'A', value: '1' }, { name: 'B', value: '3' }],
      ports: [{ containerPort: 80, protocol: 'TCP', name: 'http' }, { containerPort: 443 }],
    });
  });
  it('$patch: delete removes one list item', () => {
    const out = smp(pod([{ name: 'a' }, { name: 'b' }]), { spec: { containers: [{ name: 'a', $patch: 'delete' }] } });
    assert.deepEqual(out.spec.containers, [{ name: 'b' }]);
  });
  it('$patch: replace on a list replaces it', () => {
    const out = smp(pod([{ name: 'a' }, { name: 'b' }]), { spec: { containers: [{ name: 'c' }, { $patch: 'replace' }] } });
    assert.deepEqual(out.spec.containers, [{ name: 'c' }]);
  });
  it('lists without merge strategy are replaced whole', () => {
    const out = smp(pod([{ name: 'a', args: ['x', 'y'] }]), { spec: { containers: [{ name: 'a', args: ['z'] }] } });
    assert.deepEqual(out.spec.containers[0].args, ['z']);
  });
  it('$setElementOrder orders items and is never stored', () => {
    const live = pod([{ name: 'a', image: '1' }, { name: 'b', image: '1' }, { name: 'side', image: '1' }]);
    const out = smp(live, { spec: { $setElementOrder: undefined, '$setElementOrder/containers': [{ name: 'b' }, { name: 'a' }], containers: [{ name: 'a', image: '2' }] } });
    assert.deepEqual(out.spec.containers.map((c: any) => c.name), ['b', 'a', 'side']);
    assert.equal(out.spec.containers.find((c: any) => c.name === 'a').image, '2');
    assert.ok(!JSON.stringify(out).includes('$setElementOrder'));
  });
  it('finalizers merge as a set; $deleteFromPrimitiveList removes values', () => {
    const live = pod([], { finalizers: ['a', 'b'] });
    assert.deepEqual(smp(live, { metadata: { finalizers: ['b', 'c'] } }).metadata.finalizers, ['a', 'b', 'c']);
    const out = smp(live, { metadata: { '$deleteFromPrimitiveList/finalizers': ['a'] } });
    assert.deepEqual(out.metadata.finalizers, ['b']);
    assert.ok(!JSON.stringify(out).includes('$deleteFromPrimitiveList'));
  });
  it('$retainKeys on Deployment strategy drops rollingUpdate when switching to Recreate', () => {
    const live = { spec: { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } } } };
    const out = smp(live, { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate', rollingUpdate: null } } }, DEPLOYMENT);
    assert.deepEqual(out.spec.strategy, { type: 'Recreate' });
  });
  it('$retainKeys that does not cover the patch is a 400', () => {
    const live = { spec: { strategy: { type: 'RollingUpdate' } } };
    assert.throws(() => smp(live, { spec: { strategy: { $retainKeys: ['type'], rollingUpdate: { maxSurge: 1 } } } }, DEPLOYMENT), (e: unknown) => e instanceof StatusError && e.code === 400);
  });
  it('$patch: replace on the template (ControllerRevision rollback shape)', () => {
    const live = { spec: { template: { metadata: { labels: { app: 'x', extra: 'y' } }, spec: { containers: [{ name: 'a', image: 'v2', env: [{ name: 'E', value: '1' }] }] } } } };
    const out = smp(live, { spec: { template: { $patch: 'replace', metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'a', image: 'v1' }] } } } }, DEPLOYMENT);
    assert.deepEqual(out.spec.template, { metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'a', image: 'v1' }] } });
  });
  it('applies the exact body kubectl client-side apply sends', () => {
    const live = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"old":1}\n', other: 'keep' } },
      spec: { replicas: 1, template: { spec: { containers: [{ name: 'nginx', image: 'nginx:1.25', imagePullPolicy: 'IfNotPresent' }] } } },
    };
    const body = JSON.parse(
      '{"metadata":{"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{\\"new\\":1}\\n"}},"spec":{"replicas":3,"template":{"spec":{"$setElementOrder/containers":[{"name":"nginx"}],"containers":[{"image":"nginx:1.26","name":"nginx"}]}}}}',
    );
    const out = smp(live, body, DEPLOYMENT);
    assert.deepEqual(out, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"new":1}\n', other: 'keep' } },
      spec: { replicas: 3, template: { spec: { containers: [{ name: 'nginx', image: 'nginx:1.26', imagePullPolicy: 'IfNotPresent' }] } } },
    });
  });
  it('rollout restart / pause shape merges annotations and scalars', () => {
    const live = { spec: { paused: false, template: { metadata: { annotations: { a: '1' } } } } };
    const out = smp(live, { spec: { paused: true, template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': 't' } } } } }, DEPLOYMENT);
    assert.deepEqual(out.spec, { paused: true, template: { metadata: { annotations: { a: '1', 'kubectl.kubernetes.io/restartedAt': 't' } } } });
  });
  it('new subtrees lose nulls and directives', () => {
    const out = smp(pod([]), { spec: { volumes: [{ name: 'v', emptyDir: { medium: null } }, { name: 'gone', $patch: 'delete' }] } });
    assert.deepEqual(out.spec.volumes, [{ name: 'v', emptyDir: {} }]);
  });
  it('a missing merge key is an error', () => {
    assert.throws(() => smp(pod([{ name: 'a' }]), { spec: { containers: [{ image: 'x' }] } }), (e: unknown) => e instanceof StatusError && e.code === 500);
  });
});

describe('strategic merge patch (hand-made schema and no schema)', () => {
  const items: SchemaNode = { type: 'object', properties: { key: { type: 'string' }, v: { type: 'integer' } } };
  const schema: SchemaNode = {
    type: 'object',
    properties: {
      merged: { type: 'array', items, 'x-kubernetes-patch-strategy': 'merge', 'x-kubernetes-patch-merge-key': 'key' },
      plain: { type: 'array', items },
      replaced: { type: 'object', 'x-kubernetes-patch-strategy': 'replace', properties: { a: { type: 'string' }, b: { type: 'string' } } },
    },
  };
  const ident: SchemaResolver = { resolve: (n) => n };
  it('follows the fixture metadata', () => {
    const live = { merged: [{ key: 'x', v: 1 }], plain: [{ key: 'x', v: 1 }], replaced: { a: '1', b: '2' } };
    const out = applyStrategicMergePatch(live, { merged: [{ key: 'y', v: 2 }], plain: [{ key: 'y', v: 2 }], replaced: { a: '3' } }, schema, ident);
    // Upstream places items the live list does not know before the server-only ones (the
    // kubectl patch documentation shows a patched-in container listed first).
    assert.deepEqual(out, { merged: [{ key: 'y', v: 2 }, { key: 'x', v: 1 }], plain: [{ key: 'y', v: 2 }], replaced: { a: '3' } });
  });
  it('without a schema behaves like JSON merge patch', () => {
    const out = applyStrategicMergePatch({ a: { b: 1, c: 2 }, l: [1, 2] }, { a: { c: null, d: 3 }, l: [3] }, undefined, ident);
    assert.deepEqual(out, { a: { b: 1, d: 3 }, l: [3] });
  });
  it('top-level $patch: delete empties the object; CRD 415 helper', () => {
    assert.deepEqual(applyStrategicMergePatch({ a: 1 }, { $patch: 'delete' }, undefined, ident), {});
    const e = strategicMergePatchUnsupported();
    assert.equal(e.code, 415);
    assert.ok(!e.message.split('include:')[1]!.split('(got')[0]!.includes('strategic'));
  });
});
