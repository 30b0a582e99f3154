import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildTable, compileJSONPath, crdColumns, crdPrinter, evaluateJSONPath, JSONPathError } from '../../src/api/printers/index.js';
import type { KubeObject } from '../../src/api/object.js';

const NOW = new Date('2024-06-01T12:00:00Z');

const doc = {
  metadata: { name: 'c1', creationTimestamp: '2024-06-01T11:00:00Z', labels: { 'app.kubernetes.io/name': 'db' } },
  spec: { replicas: 3, ratio: 0.5, enabled: true, tags: ['a', 'b', 'c'], nested: { z: 1, a: [1, 2] } },
  status: {
    conditions: [
      { type: 'Synced', status: 'True', lastTransitionTime: '2024-06-01T11:30:00Z' },
      { type: 'Ready', status: 'False', reason: 'Waiting' },
    ],
    nodes: [{ name: 'n1', load: 3 }, { name: 'n2', load: 7 }],
  },
};

const eval1 = (p: string) => evaluateJSONPath(compileJSONPath(p), doc);

test('jsonpath: fields, indices, slices, wildcards, recursion, filters', () => {
  assert.deepEqual(eval1('.spec.replicas'), [3]);
  assert.deepEqual(eval1('{.spec.replicas}'), [3]);
  assert.deepEqual(eval1('.spec.missing'), []);
  assert.deepEqual(eval1('.spec.replicas.deeper'), []);
  assert.deepEqual(eval1(".metadata.labels['app.kubernetes.io/name']"), ['db']);
  assert.deepEqual(eval1('.spec.tags[0]'), ['a']);
  assert.deepEqual(eval1('.spec.tags[-1]'), ['c']);
  assert.deepEqual(eval1('.spec.tags[5]'), []);
  assert.deepEqual(eval1('.spec.tags[0:2]'), ['a', 'b']);
  assert.deepEqual(eval1('.spec.tags[*]'), ['a', 'b', 'c']);
  assert.deepEqual(eval1('.status.nodes[*].name'), ['n1', 'n2']);
  assert.deepEqual(eval1('.spec.nested.*'), [[1, 2], 1]);
  assert.deepEqual(eval1('..load'), [3, 7]);
  assert.deepEqual(eval1('.status.conditions[?(@.type=="Ready")].status'), ['False']);
  assert.deepEqual(eval1(".status.conditions[?(@.type == 'Synced')].lastTransitionTime"), ['2024-06-01T11:30:00Z']);
  assert.deepEqual(eval1('.status.conditions[?(@.reason)].type'), ['Ready']);
  assert.deepEqual(eval1('.status.nodes[?(@.load > 5)].name'), ['n2']);
  assert.deepEqual(eval1('.status.conditions[?(@.type=="Nope")].status'), []);
  assert.deepEqual(eval1('.metadata.toString'), []);
  assert.throws(() => compileJSONPath('.spec.tags[0'), JSONPathError);
});

test('crd columns: Name first, then the CRD columns; Age when none are given', () => {
  assert.deepEqual(
    crdColumns([]).map((c) => [c.name, c.type, c.format, c.priority]),
    [['Name', 'string', 'name', 0], ['Age', 'date', '', 0]],
  );
  const cols = crdColumns([
    { name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas' },
    { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status', description: 'Readiness' },
    { name: 'Ratio', type: 'number', format: 'float', jsonPath: '.spec.ratio', priority: 1 },
  ]);
  assert.deepEqual(cols.map((c) => c.name), ['Name', 'Replicas', 'Ready', 'Ratio']);
  assert.equal(cols[1]!.description, 'Custom resource definition column (in JSONPath format): .spec.replicas');
  assert.equal(cols[2]!.description, 'Readiness');
  assert.equal(cols[3]!.priority, 1);
  assert.equal(cols[3]!.format, 'float');
});

test('crd cells follow the column types', () => {
  const printer = crdPrinter([
    { name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas' },
    { name: 'Ratio', type: 'number', jsonPath: '.spec.ratio' },
    { name: 'RatioAsInt', type: 'integer', jsonPath: '.spec.ratio' },
    { name: 'Enabled', type: 'boolean', jsonPath: '.spec.enabled' },
    { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
    { name: 'Reps', type: 'string', jsonPath: '.spec.replicas' },
    { name: 'Tags', type: 'string', jsonPath: '.spec.tags' },
    { name: 'Nested', type: 'string', jsonPath: '.spec.nested' },
    { name: 'Missing', type: 'string', jsonPath: '.spec.nothing' },
    { name: 'WrongType', type: 'integer', jsonPath: '.metadata.name' },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
    { name: 'Synced', type: 'date', jsonPath: '.status.conditions[0].lastTransitionTime' },
    { name: 'BadDate', type: 'date', jsonPath: '.metadata.name' },
    { name: 'First', type: 'string', jsonPath: '.spec.tags[*]' },
  ]);
  assert.deepEqual(printer.cells(doc, NOW.getTime()), [
    'c1', 3, 0.5, 0, true, 'False', '3', '["a","b","c"]', '{"a":[1,2],"z":1}', null, null, '60m', '30m', '<invalid>', 'a',
  ]);
});

test('buildTable with a CRD printer and default columns', () => {
  const objects = [doc as unknown as KubeObject];
  const t = buildTable({ group: 'example.com', kind: 'Database', objects, now: NOW, printer: crdPrinter(undefined), resourceVersion: '7' });
  assert.deepEqual(t.columnDefinitions.map((c) => c.name), ['Name', 'Age']);
  assert.deepEqual(t.rows[0]!.cells, ['c1', '60m']);
});
