import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../src/api/object.js';
import { canonicalHard, computeUsed, podResources } from '../../src/controllers/resourcequota/usage.js';
import { formatQuantity } from '../../src/api/quantity.js';

const pod = (name: string, containers: any[], o: { phase?: string; init?: any[]; deadline?: number } = {}): KubeObject => ({
  metadata: { name },
  spec: { containers, initContainers: o.init, activeDeadlineSeconds: o.deadline },
  status: { phase: o.phase ?? 'Running' },
});
const c = (requests: any, limits: any = {}) => ({ name: 'c', resources: { requests, limits } });
const NOW = 0;

test('pod usage: sum of containers vs max init container, limits default requests', () => {
  const p = pod('a', [c({ cpu: '100m', memory: '64Mi' }), c({}, { cpu: '200m' })], { init: [c({ cpu: '500m' })] });
  const r = podResources(p, 'requests');
  assert.equal(formatQuantity(r.cpu!), '500m');
  assert.equal(formatQuantity(r.memory!), '64Mi');
});

test('used for counts and compute of non-terminal pods', () => {
  const objects: Record<string, KubeObject[]> = {
    pods: [pod('a', [c({ cpu: '250m', memory: '128Mi' }, { cpu: '500m', memory: '256Mi' })]), pod('b', [c({ cpu: '750m', memory: '128Mi' })]), pod('done', [c({ cpu: '4' })], { phase: 'Succeeded' })],
    configmaps: [{ metadata: { name: 'x' } }],
    'deployments.apps': [{ metadata: { name: 'd' } }, { metadata: { name: 'e' } }],
    services: [{ metadata: { name: 's' }, spec: { type: 'NodePort', ports: [{ port: 80, nodePort: 30001 }] } }],
  };
  const hard = { pods: '10', 'requests.cpu': '2', 'requests.memory': '1Gi', 'limits.cpu': '4', 'limits.memory': '2Gi', configmaps: 5, 'count/deployments.apps': 3, 'services.nodeports': 2, secrets: 1, cpu: '2000m' };
  const used = computeUsed(hard, [], (r) => objects[r] ?? (r === 'secrets' ? [] : undefined), NOW);
  assert.deepEqual(used, {
    pods: '2',
    'requests.cpu': '1',
    'requests.memory': '256Mi',
    'limits.cpu': '500m',
    'limits.memory': '256Mi',
    configmaps: '1',
    'count/deployments.apps': '2',
    'services.nodeports': '1',
    secrets: '0',
    cpu: '1',
  });
  assert.deepEqual(canonicalHard({ cpu: '2000m', pods: 10 }), { cpu: '2', pods: '10' });
});

test('scopes narrow pod accounting', () => {
  const objects = { pods: [pod('be', [{ name: 'c' }]), pod('burst', [c({ cpu: '1' })], { deadline: 30 })] };
  assert.deepEqual(computeUsed({ pods: '5' }, ['BestEffort'], (r) => (objects as any)[r], NOW), { pods: '1' });
  assert.deepEqual(computeUsed({ pods: '5' }, ['Terminating'], (r) => (objects as any)[r], NOW), { pods: '1' });
  assert.deepEqual(computeUsed({ pods: '5', 'requests.cpu': '4' }, ['NotBestEffort', 'NotTerminating'], (r) => (objects as any)[r], NOW), { pods: '0', 'requests.cpu': '0' });
});
