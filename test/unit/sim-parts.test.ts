import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TimerWheel } from '../../src/sim/timer-wheel.js';
import { PodIPPool } from '../../src/sim/pod-ip-pool.js';
import { internalIPFor, podCIDRFor, prefixOf24 } from '../../src/sim/node-addressing.js';
import { buildNode, nodeStatus } from '../../src/sim/node-object.js';
import { buildNodeLease, renewedLease } from '../../src/sim/lease-object.js';
import { microTime } from '../../src/sim/timestamps.js';

test('timer wheel fires items when their slot comes due, including ones scheduled while firing', () => {
  let now = 1_000_000;
  const fired: string[] = [];
  const wheel: TimerWheel<string> = new TimerWheel((item) => {
    fired.push(item);
    if (item === 'a') wheel.schedule(now, 'a-again');
  }, 100, () => now);
  wheel.schedule(now + 250, 'b');
  wheel.schedule(now + 50, 'a');
  now += 100;
  wheel.advance();
  assert.deepEqual(fired, ['a']);
  now += 100;
  wheel.advance();
  assert.deepEqual(fired, ['a', 'a-again']);
  now += 100;
  wheel.advance();
  assert.deepEqual(fired, ['a', 'a-again', 'b']);
  assert.equal(wheel.pending, 0);
  wheel.schedule(now + 10_000_000, 'far');
  now += 20_000_000;
  wheel.advance();
  assert.deepEqual(fired.at(-1), 'far');
});

test('pod IP pool allocates per uid, reuses released addresses, honours reservations', () => {
  const pool = new PodIPPool('10.42.3.');
  const a = pool.allocate('a');
  assert.equal(a, '10.42.3.2');
  assert.equal(pool.allocate('a'), a, 'idempotent');
  assert.equal(pool.reserve('b', '10.42.3.2'), false, 'taken');
  assert.equal(pool.reserve('b', '10.42.4.9'), false, 'other range');
  assert.equal(pool.reserve('b', '10.42.3.3'), true);
  assert.equal(pool.allocate('c'), '10.42.3.4');
  pool.release('a');
  for (let i = 0; i < 251; i++) assert.ok(pool.allocate(`x${i}`));
  assert.equal(pool.allocate('full'), undefined);
  assert.equal(pool.size, 253);
});

test('node addresses: one /24 per node, never routable host addresses', () => {
  assert.equal(podCIDRFor(7, 3, '10.42'), '10.42.7.0/24');
  assert.equal(podCIDRFor(300, 5000, '10.42'), '10.129.44.0/24');
  assert.equal(prefixOf24('10.42.7.0/24'), '10.42.7.');
  assert.equal(internalIPFor(0), '192.0.2.1');
  assert.equal(internalIPFor(254), '198.18.0.0');
  assert.equal(internalIPFor(4999), '198.18.18.137');
  const ips = new Set(Array.from({ length: 5000 }, (_, i) => internalIPFor(i)));
  assert.equal(ips.size, 5000);
});

test('node object and status look like a kubelet registration', () => {
  const spec = { name: 'sim-node-1', podCIDR: '10.42.1.0/24', internalIP: '192.0.2.2', cpu: '32', memory: '256Gi', pods: 110, ephemeralStorage: '100Gi', labels: { zone: 'a' } };
  const node = buildNode(spec) as any;
  assert.equal(node.metadata.labels['kubernetes.io/hostname'], 'sim-node-1');
  assert.equal(node.metadata.labels['k8ts.io/sim'], 'true');
  assert.equal(node.metadata.labels.zone, 'a');
  assert.deepEqual(node.spec.podCIDRs, ['10.42.1.0/24']);
  const t0 = Date.parse('2025-01-01T00:00:00Z');
  const s = nodeStatus(spec, t0) as any;
  assert.equal(s.capacity.pods, '110');
  assert.equal(s.allocatable.cpu, '32');
  assert.equal(s.conditions.find((c: any) => c.type === 'Ready').status, 'True');
  assert.equal(s.nodeInfo.kubeletVersion, 'v1.32.4-k8ts-sim');
  assert.deepEqual(s.addresses[0], { type: 'InternalIP', address: '192.0.2.2' });
  const later = nodeStatus(spec, t0 + 60_000, s) as any;
  const ready = later.conditions.find((c: any) => c.type === 'Ready');
  assert.equal(ready.lastHeartbeatTime, '2025-01-01T00:01:00Z');
  assert.equal(ready.lastTransitionTime, '2025-01-01T00:00:00Z');
});

test('node lease: owned by its node, renewTime as MicroTime', () => {
  const t0 = Date.parse('2025-01-01T00:00:00.123Z');
  assert.equal(microTime(t0), '2025-01-01T00:00:00.123000Z');
  const lease = buildNodeLease('n1', 'uid-1', t0) as any;
  assert.equal(lease.metadata.namespace, 'kube-node-lease');
  assert.equal(lease.metadata.ownerReferences[0].uid, 'uid-1');
  assert.equal(lease.spec.leaseDurationSeconds, 40);
  const renewed = renewedLease({ ...lease, metadata: { ...lease.metadata, resourceVersion: '5' } }, t0 + 10_000) as any;
  assert.equal(renewed.spec.renewTime, '2025-01-01T00:00:10.123000Z');
  assert.equal(renewed.metadata.resourceVersion, '5');
  assert.equal(lease.spec.renewTime, '2025-01-01T00:00:00.123000Z', 'original untouched');
});
