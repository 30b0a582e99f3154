import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildEnv, expandCommand, expandVars, referencedObjects, resourceFieldValue, serviceEnv } from '../../src/kubelet/pods/env.js';
import type { Pod } from '../../src/kubelet/pods/types.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

function pod(containers: Record<string, unknown>[], extra: Record<string, unknown> = {}): Pod {
  return { metadata: { name: 'web', namespace: 'ns', uid: 'u1', labels: { app: 'web' }, annotations: { a: 'b' } }, spec: { nodeName: 'n1', serviceAccountName: 'default', containers, ...extra } };
}

const src = (over: Partial<Parameters<typeof buildEnv>[2]> = {}) => ({
  configMaps: new Map(),
  secrets: new Map(),
  services: [],
  podIP: '10.42.0.7',
  hostIP: '127.0.0.1',
  nodeAllocatable: { cpu: '4', memory: '8Gi' },
  ...over,
});

test('$(VAR) expansion as upstream: defined replaced, undefined kept, $$ escapes', () => {
  const look = (n: string) => ({ A: 'x', B: 'y' } as Record<string, string>)[n];
  assert.equal(expandVars('$(A)-$(B)', look), 'x-y');
  assert.equal(expandVars('$(C)', look), '$(C)');
  assert.equal(expandVars('$$(A)', look), '$(A)');
  assert.equal(expandVars('cost $5 $(A', look), 'cost $5 $(A');
  assert.equal(expandVars('plain', look), 'plain');
});

test('env, envFrom, refs and fieldRef, with expansion in order', () => {
  const c = {
    name: 'c',
    envFrom: [{ configMapRef: { name: 'cm' } }, { secretRef: { name: 's' }, prefix: 'S_' }],
    env: [
      { name: 'GREETING', value: 'hello $(WHO)' },
      { name: 'KEY', valueFrom: { configMapKeyRef: { name: 'cm', key: 'WHO' } } },
      { name: 'PASS', valueFrom: { secretKeyRef: { name: 's', key: 'pw' } } },
      { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
      { name: 'APP', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
      { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
      { name: 'MISSING', valueFrom: { configMapKeyRef: { name: 'cm', key: 'nope', optional: true } } },
    ],
    command: ['sh', '-c', 'echo $(GREETING)'],
  };
  assert.deepEqual([...referencedObjects(c).configMaps], ['cm']);
  const r = buildEnv(pod([c]), c, src({ configMaps: new Map([['cm', { data: { WHO: 'world' } }]]), secrets: new Map([['s', { data: { pw: b64('sekret') } }]]) }));
  assert.ok('env' in r);
  const env = Object.fromEntries(r.env.map((e) => [e.key, e.value]));
  assert.equal(env.WHO, 'world');
  assert.equal(env.S_pw, 'sekret');
  assert.equal(env.GREETING, 'hello world');
  assert.equal(env.KEY, 'world');
  assert.equal(env.PASS, 'sekret');
  assert.equal(env.POD, 'web');
  assert.equal(env.IP, '10.42.0.7');
  assert.equal(env.APP, 'web');
  assert.equal(env.NODE, 'n1');
  assert.equal('MISSING' in env, false);
  assert.deepEqual(expandCommand(c, r.env).command, ['sh', '-c', 'echo hello world']);
});

test('missing non-optional references are config errors with upstream messages', () => {
  const c1 = { name: 'c', env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'cm', key: 'k' } } }] };
  assert.deepEqual(buildEnv(pod([c1]), c1, src()), { error: 'configmap "cm" not found' });
  const c2 = { name: 'c', env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }] };
  assert.deepEqual(buildEnv(pod([c2]), c2, src({ secrets: new Map([['s', { data: {} }]]) })), { error: "couldn't find key k in Secret ns/s" });
  const c3 = { name: 'c', envFrom: [{ configMapRef: { name: 'cm', optional: true } }] };
  assert.deepEqual(buildEnv(pod([c3]), c3, src()), { env: [] });
});

test('service environment variables, docker-links style', () => {
  const services = [
    { metadata: { name: 'redis-primary', namespace: 'ns' }, spec: { clusterIP: '10.43.0.11', ports: [{ name: 'redis', port: 6379, protocol: 'TCP' }] } },
    { metadata: { name: 'headless', namespace: 'ns' }, spec: { clusterIP: 'None', ports: [{ port: 80 }] } },
    { metadata: { name: 'kubernetes', namespace: 'default' }, spec: { clusterIP: '10.43.0.1', ports: [{ name: 'https', port: 443, protocol: 'TCP' }] } },
    { metadata: { name: 'other', namespace: 'elsewhere' }, spec: { clusterIP: '10.43.0.12', ports: [{ port: 80 }] } },
  ];
  const m = serviceEnv(services, 'ns', true);
  assert.equal(m.get('REDIS_PRIMARY_SERVICE_HOST'), '10.43.0.11');
  assert.equal(m.get('REDIS_PRIMARY_SERVICE_PORT'), '6379');
  assert.equal(m.get('REDIS_PRIMARY_SERVICE_PORT_REDIS'), '6379');
  assert.equal(m.get('REDIS_PRIMARY_PORT'), 'tcp://10.43.0.11:6379');
  assert.equal(m.get('REDIS_PRIMARY_PORT_6379_TCP_ADDR'), '10.43.0.11');
  assert.equal(m.get('KUBERNETES_SERVICE_HOST'), '10.43.0.1');
  assert.equal(m.has('HEADLESS_SERVICE_HOST'), false);
  assert.equal(m.has('OTHER_SERVICE_HOST'), false);
  const off = serviceEnv(services, 'ns', false);
  assert.equal(off.has('REDIS_PRIMARY_SERVICE_HOST'), false);
  assert.equal(off.get('KUBERNETES_SERVICE_PORT'), '443');
});

test('resourceFieldRef: limits over divisor rounded up, node allocatable without a limit', () => {
  const c = { name: 'c', resources: { limits: { memory: '64Mi', cpu: '500m' }, requests: { cpu: '250m' } } };
  const p = pod([c]);
  assert.equal(resourceFieldValue(p, c, { resource: 'limits.memory', divisor: '1Mi' }, {}), '64');
  assert.equal(resourceFieldValue(p, c, { resource: 'limits.cpu' }, {}), '1');
  assert.equal(resourceFieldValue(p, c, { resource: 'requests.cpu', divisor: '1m' }, {}), '250');
  const bare = { name: 'b' };
  assert.equal(resourceFieldValue(pod([bare]), bare, { resource: 'limits.cpu' }, { cpu: '4' }), '4');
});
