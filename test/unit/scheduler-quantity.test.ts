import { test } from 'node:test';
import assert from 'node:assert/strict';
import { milliValue, value } from '../../src/api/quantity.js';
import { podRequests } from '../../src/scheduler/resources.js';
import { pod } from './scheduler-fixtures.js';

test('cpu quantities in millicores, rounded up', () => {
  assert.equal(milliValue('250m'), 250);
  assert.equal(milliValue('1'), 1000);
  assert.equal(milliValue('1.5'), 1500);
  assert.equal(milliValue('0.1'), 100);
  assert.equal(milliValue('100u'), 1);
  assert.equal(milliValue(2), 2000);
  assert.equal(milliValue('1e-3'), 1);
});

test('memory quantities: binary, decimal and exponent suffixes', () => {
  assert.equal(value('128Mi'), 128 * 2 ** 20);
  assert.equal(value('1Gi'), 2 ** 30);
  assert.equal(value('1.5Gi'), 1.5 * 2 ** 30);
  assert.equal(value('64Ki'), 65536);
  assert.equal(value('1k'), 1000);
  assert.equal(value('1M'), 1e6);
  assert.equal(value('2G'), 2e9);
  assert.equal(value('1e3'), 1000);
  assert.equal(value('12E2'), 1200);
  assert.equal(value('100m'), 1);
  assert.equal(value('110'), 110);
});

test('pod requests: init containers as max, sidecars summed, overhead added', () => {
  const p = pod('p', { cpu: '100m', memory: '100Mi' });
  p.spec.initContainers = [
    { name: 'init', resources: { requests: { cpu: '500m' } } },
    { name: 'sidecar', restartPolicy: 'Always', resources: { requests: { cpu: '50m', memory: '10Mi' } } },
    { name: 'init2', resources: { requests: { cpu: '200m' } } },
  ];
  p.spec.overhead = { cpu: '10m' };
  const r = podRequests(p);
  // max(100+50, 500, 200+50) + 10
  assert.equal(r.milliCPU, 510);
  assert.equal(r.memory, 110 * 2 ** 20);
  const nz = podRequests(pod('q'), true);
  assert.equal(nz.milliCPU, 100);
  assert.equal(nz.memory, 200 * 2 ** 20);
});
