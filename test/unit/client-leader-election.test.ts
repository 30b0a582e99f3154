import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LeaderElector, mayAcquire, microTime, nextLeaseSpec } from '../../src/client/leader-election.js';
import type { KubeClient } from '../../src/client/types.js';

test('mayAcquire: free, own, expired and live leases', () => {
  assert.equal(mayAcquire(undefined, 'a', 0, 0), true);
  assert.equal(mayAcquire({ holderIdentity: '' , leaseDurationSeconds: 15 }, 'a', 0, 0), true);
  assert.equal(mayAcquire({ holderIdentity: 'a', leaseDurationSeconds: 15 }, 'a', 1000, 1001), true);
  assert.equal(mayAcquire({ holderIdentity: 'b', leaseDurationSeconds: 15 }, 'a', 1000, 15_999), false);
  assert.equal(mayAcquire({ holderIdentity: 'b', leaseDurationSeconds: 15 }, 'a', 1000, 16_000), true);
});

test('nextLeaseSpec keeps acquireTime on renew and counts holder changes', () => {
  const t0 = new Date('2024-01-01T00:00:00.123Z');
  const t1 = new Date('2024-01-01T00:00:02Z');
  assert.equal(microTime(t0), '2024-01-01T00:00:00.123000Z');
  const first = nextLeaseSpec(undefined, 'a', 15, t0);
  assert.deepEqual(first, { holderIdentity: 'a', leaseDurationSeconds: 15, acquireTime: microTime(t0), renewTime: microTime(t0), leaseTransitions: 0 });
  const renewed = nextLeaseSpec(first, 'a', 15, t1);
  assert.equal(renewed.acquireTime, microTime(t0));
  assert.equal(renewed.renewTime, microTime(t1));
  assert.equal(renewed.leaseTransitions, 0);
  const taken = nextLeaseSpec(renewed, 'b', 15, t1);
  assert.equal(taken.holderIdentity, 'b');
  assert.equal(taken.acquireTime, microTime(t1));
  assert.equal(taken.leaseTransitions, 1);
  // A released lease (no holder) taken by anyone is not a transition.
  assert.equal(nextLeaseSpec({ ...taken, holderIdentity: '' }, 'a', 15, t1).leaseTransitions, 1);
});

test('config is checked like client-go', () => {
  const client = {} as KubeClient;
  assert.throws(() => new LeaderElector({ client, name: 'x', identity: 'a', leaseDurationSeconds: 10, renewDeadlineSeconds: 10 }), /leaseDurationSeconds/);
  assert.throws(() => new LeaderElector({ client, name: 'x', identity: 'a', renewDeadlineSeconds: 2, retryPeriodSeconds: 2 }), /renewDeadlineSeconds/);
});
