import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../src/api/object.js';
import { computeEndpointSubsets, desiredEndpoints, truncateSubsets } from '../../src/controllers/endpoint/endpoints.js';
import { findPort, shouldPodBeInEndpoints } from '../../src/controllers/endpoint/pod-endpoints.js';

const svc = (spec: any, name = 'web'): KubeObject => ({ metadata: { name, namespace: 'default', uid: 'svc-uid' }, spec });
const pod = (name: string, ip: string | undefined, o: { ready?: boolean; labels?: any; ports?: any[]; deleting?: boolean; phase?: string; restartPolicy?: string; hostname?: string; subdomain?: string } = {}): KubeObject => ({
  metadata: { name, namespace: 'default', uid: `uid-${name}`, labels: o.labels ?? { app: 'web' }, ...(o.deleting ? { deletionTimestamp: '2024-01-01T00:00:00Z' } : {}) },
  spec: { nodeName: 'n1', restartPolicy: o.restartPolicy ?? 'Always', hostname: o.hostname, subdomain: o.subdomain, containers: [{ name: 'c', ports: o.ports ?? [] }] },
  status: { podIP: ip, phase: o.phase ?? 'Running', conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True' }] },
});

test('ready and not-ready addresses, sorted, with targetRef', () => {
  const s = svc({ selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080, protocol: 'TCP' }] });
  const subsets = computeEndpointSubsets(s, [pod('b', '10.0.0.2'), pod('a', '10.0.0.1'), pod('c', '10.0.0.3', { ready: false }), pod('x', '10.0.0.9', { labels: { app: 'other' } }), pod('n', undefined)]);
  assert.equal(subsets.length, 1);
  assert.deepEqual(subsets[0]!.addresses!.map((a) => a.ip), ['10.0.0.1', '10.0.0.2']);
  assert.deepEqual(subsets[0]!.notReadyAddresses!.map((a) => a.ip), ['10.0.0.3']);
  assert.deepEqual(subsets[0]!.ports, [{ port: 8080, protocol: 'TCP' }]);
  assert.deepEqual(subsets[0]!.addresses![0]!.targetRef, { kind: 'Pod', namespace: 'default', name: 'a', uid: 'uid-a' });
  assert.equal(subsets[0]!.addresses![0]!.nodeName, 'n1');
});

test('named targetPort resolves per pod into separate subsets', () => {
  const s = svc({ selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] });
  const subsets = computeEndpointSubsets(s, [
    pod('a', '10.0.0.1', { ports: [{ name: 'http', containerPort: 8080 }] }),
    pod('b', '10.0.0.2', { ports: [{ name: 'http', containerPort: 9090 }] }),
    pod('c', '10.0.0.3', { ports: [{ name: 'metrics', containerPort: 9100 }] }),
  ]);
  assert.equal(subsets.length, 2);
  assert.deepEqual(subsets.map((x) => x.ports![0]!.port).sort(), [8080, 9090]);
  assert.equal(findPort(pod('c', '1', { ports: [] }), { port: 80, targetPort: 'http' }), undefined);
});

test('terminating pods are excluded unless publishNotReadyAddresses', () => {
  const pods = [pod('a', '10.0.0.1', { deleting: true }), pod('b', '10.0.0.2', { ready: false })];
  const plain = computeEndpointSubsets(svc({ selector: { app: 'web' }, ports: [{ port: 80 }] }), pods);
  assert.deepEqual(plain[0]!.notReadyAddresses!.map((a) => a.ip), ['10.0.0.2']);
  assert.equal(plain[0]!.addresses, undefined);
  const pub = computeEndpointSubsets(svc({ selector: { app: 'web' }, ports: [{ port: 80 }], publishNotReadyAddresses: true }), pods);
  assert.deepEqual(pub[0]!.addresses!.map((a) => a.ip), ['10.0.0.1', '10.0.0.2']);
});

test('finished pods per restartPolicy', () => {
  assert.equal(shouldPodBeInEndpoints(pod('a', '1', { phase: 'Succeeded', restartPolicy: 'Never' }), false), false);
  assert.equal(shouldPodBeInEndpoints(pod('a', '1', { phase: 'Failed', restartPolicy: 'OnFailure' }), false), true);
  assert.equal(shouldPodBeInEndpoints(pod('a', '1', { phase: 'Failed', restartPolicy: 'Never' }), false), false);
});

test('headless service: hostname for pods in its subdomain, portless subsets', () => {
  const s = svc({ selector: { app: 'web' }, clusterIP: 'None' });
  const subsets = computeEndpointSubsets(s, [pod('web-0', '10.0.0.1', { hostname: 'web-0', subdomain: 'web' }), pod('x', '10.0.0.2', { hostname: 'x', subdomain: 'other' })]);
  assert.equal(subsets.length, 1);
  assert.equal(subsets[0]!.ports, undefined);
  assert.equal(subsets[0]!.addresses![0]!.hostname, 'web-0');
  assert.equal(subsets[0]!.addresses![1]!.hostname, undefined);
  const ep = desiredEndpoints(s, [], undefined)!;
  assert.equal(ep.metadata.labels!['service.kubernetes.io/headless'], '');
});

test('no write when existing Endpoints already match (key order ignored)', () => {
  const s = svc({ selector: { app: 'web' }, ports: [{ port: 80 }] });
  const first = desiredEndpoints(s, [pod('a', '10.0.0.1')], undefined)!;
  const roundTripped = JSON.parse(JSON.stringify({ subsets: first.subsets, metadata: { ...first.metadata, resourceVersion: '5' }, kind: 'Endpoints' }));
  assert.equal(desiredEndpoints(s, [pod('a', '10.0.0.1')], roundTripped), undefined);
  assert.ok(desiredEndpoints(s, [pod('a', '10.0.0.1'), pod('b', '10.0.0.2')], roundTripped));
  assert.deepEqual(computeEndpointSubsets(svc({ ports: [{ port: 80 }] }), [pod('a', '10.0.0.1')]), []);
});

test('more than the maximum addresses are truncated, ready first, and annotated', () => {
  const s = svc({ selector: { app: 'web' }, ports: [{ port: 80 }] });
  const pods = [pod('a', '10.0.0.1', { ready: false }), pod('b', '10.0.0.2'), pod('c', '10.0.0.3'), pod('d', '10.0.0.4', { ready: false })];
  const ep = desiredEndpoints(s, pods, undefined, 3)! as any;
  assert.equal(ep.metadata.annotations['endpoints.kubernetes.io/over-capacity'], 'truncated');
  assert.deepEqual(ep.subsets[0].addresses.map((a: any) => a.ip), ['10.0.0.2', '10.0.0.3']);
  assert.equal(ep.subsets[0].notReadyAddresses.length, 1);
  const under = desiredEndpoints(s, pods, ep, 10)! as any;
  assert.equal(under.metadata.annotations, undefined);
  assert.equal(truncateSubsets([{ addresses: [{ ip: '1' }] }], 5), false);
});
