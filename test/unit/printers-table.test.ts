import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildTable, columnsFor } from '../../src/api/printers/index.js';
import type { KubeObject } from '../../src/api/object.js';

const NOW = new Date('2024-06-01T12:00:00Z');

function pod(i: number): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `web-${i}`, namespace: 'default', uid: `uid-${i}`, resourceVersion: String(100 + i), creationTimestamp: '2024-06-01T11:00:00Z', labels: { app: 'web' } },
    spec: { nodeName: 'node-1', containers: [{ name: 'app', image: 'nginx' }, { name: 'log', image: 'fluent-bit' }] },
    status: {
      phase: 'Running',
      podIPs: [{ ip: `10.42.${i >> 8 & 255}.${i & 255}` }],
      conditions: [{ type: 'Ready', status: 'True' }],
      containerStatuses: [
        { name: 'app', ready: true, restartCount: 1, state: { running: { startedAt: '2024-06-01T11:00:10Z' } }, lastState: { terminated: { exitCode: 1, finishedAt: '2024-06-01T11:00:05Z' } } },
        { name: 'log', ready: true, restartCount: 0, state: { running: { startedAt: '2024-06-01T11:00:10Z' } } },
      ],
    },
  };
}

test('table envelope with PartialObjectMetadata rows (the default)', () => {
  const p = pod(1);
  const t = buildTable({ group: '', kind: 'Pod', objects: [p], now: NOW, resourceVersion: '1234', continue: 'tok', remainingItemCount: 5 });
  assert.equal(t.kind, 'Table');
  assert.equal(t.apiVersion, 'meta.k8s.io/v1');
  assert.deepEqual(t.metadata, { resourceVersion: '1234', continue: 'tok', remainingItemCount: 5 });
  assert.equal(t.columnDefinitions, columnsFor('', 'Pod'));
  assert.deepEqual(t.rows[0]!.cells, ['web-1', '2/2', 'Running', '1 (59m ago)', '60m', '10.42.0.1', 'node-1', '<none>', '<none>']);
  assert.deepEqual(t.rows[0]!.object, { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: p.metadata });
  const json = JSON.parse(JSON.stringify(t));
  assert.equal(json.rows[0].object.metadata.name, 'web-1');
  assert.equal('conditions' in json.rows[0], false);
});

test('includeObject Object and None; omitColumns; no continue when empty', () => {
  const p = pod(2);
  const full = buildTable({ group: '', kind: 'Pod', objects: [p], now: NOW, includeObject: 'Object', resourceVersion: '9' });
  assert.equal(full.rows[0]!.object, p);
  const none = buildTable({ group: '', kind: 'Pod', objects: [p], now: NOW, includeObject: 'None', resourceVersion: '9', omitColumns: true, continue: '' });
  assert.equal('object' in none.rows[0]!, false);
  assert.deepEqual(none.columnDefinitions, []);
  assert.deepEqual(none.metadata, { resourceVersion: '9' });
  const empty = buildTable({ group: 'apps', kind: 'Deployment', objects: [], now: NOW, resourceVersion: '3' });
  assert.deepEqual(empty.rows, []);
  assert.equal(empty.columnDefinitions.length, 8);
});

test('buildTable prints 10k pods', () => {
  const pods = Array.from({ length: 10_000 }, (_, i) => pod(i));
  const t = buildTable({ group: '', kind: 'Pod', objects: pods, now: NOW, resourceVersion: '1' });
  assert.equal(t.rows.length, 10_000);
  assert.equal(t.rows[9_999]!.cells[0], 'web-9999');
});
