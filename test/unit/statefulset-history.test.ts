import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hashRevisionData, newControllerRevision, revisionsToPrune, revisionDataForTemplate, templateFromRevision, type ControllerRevision } from '../../src/controllers/history/controller-revision.js';

const parent = { metadata: { name: 'web', namespace: 'ns', uid: 'u1' } };
const ref = { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: 'u1', controller: true, blockOwnerDeletion: true };
const template = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx:1' }] } };

test('revision data is the SMP kubectl rollout undo sends back', () => {
  assert.deepEqual(revisionDataForTemplate(template), { spec: { template: { ...template, $patch: 'replace' } } });
  const cr = newControllerRevision(parent, ref, template, 3, 0);
  assert.deepEqual(templateFromRevision(cr), template);
  assert.equal(cr.revision, 3);
  const hash = cr.metadata.labels!['controller-revision-hash']!;
  assert.equal(cr.metadata.name, `web-${hash}`);
  assert.match(hash, /^[bcdfghjklmnpqrstvwxz2456789]+$/);
  assert.equal(cr.metadata.labels!.app, 'web');
});

test('hashes are stable, key-order independent and perturbed by collisionCount', () => {
  const a = hashRevisionData({ x: 1, y: [1, 2] });
  assert.equal(a, hashRevisionData({ y: [1, 2], x: 1 }));
  assert.notEqual(a, hashRevisionData({ x: 1, y: [1, 2] }, 1));
});

test('history pruning keeps the limit and revisions in use', () => {
  const revs = [1, 2, 3, 4].map((n) => ({ metadata: { name: `r${n}` }, revision: n }) as ControllerRevision);
  assert.deepEqual(revisionsToPrune(revs, new Set(['r4']), 1).map((r) => r.metadata.name), ['r1', 'r2']);
  assert.deepEqual(revisionsToPrune(revs, new Set(['r1', 'r4']), 2), []);
});
