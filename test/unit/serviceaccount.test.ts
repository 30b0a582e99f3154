import { test } from 'node:test';
import assert from 'node:assert/strict';
import { missingServiceAccounts } from '../../src/controllers/serviceaccount/serviceaccount-controller.js';

test('default ServiceAccount is missing only in active namespaces', () => {
  assert.deepEqual(missingServiceAccounts({ metadata: { name: 'a' }, status: { phase: 'Active' } }, () => false), ['default']);
  assert.deepEqual(missingServiceAccounts({ metadata: { name: 'a' } }, () => true), []);
  assert.deepEqual(missingServiceAccounts({ metadata: { name: 'a', deletionTimestamp: 'x' } }, () => false), []);
  assert.deepEqual(missingServiceAccounts({ metadata: { name: 'a' }, status: { phase: 'Terminating' } }, () => false), []);
  assert.deepEqual(missingServiceAccounts(undefined, () => false), []);
});
