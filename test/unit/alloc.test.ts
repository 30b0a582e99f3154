import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AllocationError, IPAllocator, PortAllocator, clusterIPError, nodePortError } from '../../src/api/alloc/index.js';

test('IP allocator: reserved first address, specific, next, release', () => {
  const a = new IPAllocator('10.43.0.0/16');
  assert.equal(a.reserved, '10.43.0.1');
  assert.equal(a.allocateNext(), '10.43.0.2');
  a.allocate('10.43.0.1');
  assert.throws(() => a.allocate('10.43.0.1'), (e: AllocationError) => e.message === 'provided IP is already allocated');
  assert.throws(() => a.allocate('10.44.0.1'), /not in the valid range. The range of valid IPs is 10.43.0.0\/16/);
  assert.throws(() => a.allocate('10.43.255.255'), /not in the valid range/);
  assert.throws(() => a.allocate('10.43.0.0'), /not in the valid range/);
  a.markUsed('10.43.0.3');
  assert.equal(a.allocateNext(), '10.43.0.4');
  a.release('10.43.0.2');
  assert.equal(a.has('10.43.0.2'), false);
});

test('IP allocator: small range fills up', () => {
  const a = new IPAllocator('10.0.0.0/29'); // hosts .1-.6, .1 reserved
  const got = new Set<string>();
  for (let i = 0; i < 5; i++) got.add(a.allocateNext());
  assert.equal(got.size, 5);
  assert.ok(!got.has('10.0.0.1'));
  assert.throws(() => a.allocateNext(), (e: AllocationError) => e.kind === 'full');
});

test('port allocator', () => {
  const p = new PortAllocator(30000, 30002, () => 0);
  assert.equal(p.allocateNext(), 30000);
  p.allocate(30002);
  assert.throws(() => p.allocate(30002), /provided port is already allocated/);
  assert.throws(() => p.allocate(80), /provided port is not in the valid range. The range of valid ports is 30000-30002/);
  assert.equal(p.allocateNext(), 30001);
  assert.throws(() => p.allocateNext(), /range is full/);
  p.release(30001);
  p.markUsed(30001);
  assert.equal(p.free, 0);
});

test('allocation errors become 422 causes on the service fields', () => {
  const ipErr = clusterIPError('web', ['10.43.0.5'], '10.43.0.5', new AllocationError('allocated', 'provided IP is already allocated'));
  assert.equal(ipErr.code, 422);
  assert.deepEqual(ipErr.details!.causes, [{ reason: 'FieldValueInvalid', field: 'spec.clusterIPs', message: 'Invalid value: ["10.43.0.5"]: failed to allocate IP 10.43.0.5: provided IP is already allocated' }]);
  const portErr = nodePortError('web', 0, 30080, new AllocationError('allocated', 'provided port is already allocated'));
  assert.equal(portErr.message, 'Service "web" is invalid: spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated');
});
