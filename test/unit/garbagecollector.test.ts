import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../src/api/object.js';
import { decideDependent, decideOwner, gcRelevantChange, ownerStateOf, withoutOwners } from '../../src/controllers/garbagecollector/decisions.js';
import { defaultGcResources, groupOf } from '../../src/controllers/garbagecollector/resources.js';

const ref = (uid: string, block = true) => ({ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `rs-${uid}`, uid, controller: true, blockOwnerDeletion: block });
const obj = (refs: any[], extra: any = {}): KubeObject => ({ metadata: { name: 'p', namespace: 'default', uid: 'me', ownerReferences: refs, ...extra } });

test('owner state: missing or uid mismatch is dangling; foreground deletion is waiting', () => {
  assert.equal(ownerStateOf(undefined, ref('a')), 'dangling');
  assert.equal(ownerStateOf({ metadata: { uid: 'b' } }, ref('a')), 'dangling');
  assert.equal(ownerStateOf({ metadata: { uid: 'a' } }, ref('a')), 'solid');
  assert.equal(ownerStateOf({ metadata: { uid: 'a', deletionTimestamp: 't', finalizers: ['foregroundDeletion'] } }, ref('a')), 'waitingForDependentsDeletion');
  assert.equal(ownerStateOf({ metadata: { uid: 'a', deletionTimestamp: 't', finalizers: ['orphan'] } }, ref('a')), 'solid');
});

test('dependent decisions', () => {
  assert.deepEqual(decideDependent(obj([ref('a')]), ['solid'], false), { action: 'none' });
  assert.deepEqual(decideDependent(obj([ref('a')]), ['dangling'], false), { action: 'delete', propagationPolicy: 'Background' });
  assert.deepEqual(decideDependent(obj([ref('a'), ref('b')]), ['solid', 'dangling'], false), { action: 'removeOwnerReferences', uids: ['b'] });
  assert.deepEqual(decideDependent(obj([ref('a'), ref('b')]), ['solid', 'waitingForDependentsDeletion'], false), { action: 'removeOwnerReferences', uids: ['b'] });
  assert.deepEqual(decideDependent(obj([ref('a')]), ['waitingForDependentsDeletion'], true), { action: 'delete', propagationPolicy: 'Foreground' });
  assert.deepEqual(decideDependent(obj([ref('a')]), ['waitingForDependentsDeletion'], false), { action: 'delete', propagationPolicy: 'Background' });
  assert.deepEqual(decideDependent(obj([ref('a'), ref('b')]), ['unknown', 'dangling'], false), { action: 'none' });
  assert.deepEqual(decideDependent(obj([ref('a')], { deletionTimestamp: 't' }), ['dangling'], false), { action: 'none' });
  assert.deepEqual(decideDependent(obj([]), [], false), { action: 'none' });
});

test('owner decisions', () => {
  const owner = (finalizers: string[], deleting = true): KubeObject => ({ metadata: { uid: 'o', finalizers, ...(deleting ? { deletionTimestamp: 't' } : {}) } });
  const dep = (block: boolean) => obj([{ ...ref('o', block) }]);
  assert.deepEqual(decideOwner(owner(['foregroundDeletion'], false), []), { action: 'none' });
  assert.deepEqual(decideOwner(owner(['orphan']), [dep(true)]), { action: 'orphanDependents' });
  assert.deepEqual(decideOwner(owner(['foregroundDeletion']), [dep(true), dep(false)]), { action: 'deleteDependents', blocking: 1 });
  assert.deepEqual(decideOwner(owner(['foregroundDeletion']), [dep(false)]), { action: 'deleteDependents', blocking: 0 });
  assert.deepEqual(decideOwner(owner(['other']), [dep(true)]), { action: 'none' });
});

test('helpers', () => {
  assert.deepEqual(withoutOwners(obj([ref('a'), ref('b')]), ['a']).map((r) => r.uid), ['b']);
  assert.equal(groupOf('apps/v1'), 'apps');
  assert.equal(groupOf('v1'), '');
  const a = obj([ref('a')]);
  assert.equal(gcRelevantChange(a, { ...a, status: { x: 1 } } as KubeObject), false);
  assert.equal(gcRelevantChange(a, obj([ref('b')])), true);
  assert.equal(gcRelevantChange(a, obj([ref('a')], { deletionTimestamp: 't' })), true);
  const res = defaultGcResources();
  assert.ok(!res.some((r) => r.resource === 'events'));
  assert.deepEqual(res.find((r) => r.resource === 'replicasets'), { group: 'apps', version: 'v1', resource: 'replicasets', kind: 'ReplicaSet', namespaced: true });
});
