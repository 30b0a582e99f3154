import { test } from 'node:test';
import assert from 'node:assert/strict';
import { desiredDnsSlice, sliceDiffers } from '../../src/dns/dns-endpoint-slice.js';
import { kubeDnsService } from '../../src/dns/cluster-objects.js';
import { gatewayOf } from '../../src/dns/listen-address.js';

test('the node slice: kube-dns-<node> in kube-system, DNS ports, ready, owned by the Node', () => {
  const s = desiredDnsSlice('n1', '10.42.3.1', 'uid-1') as any;
  assert.equal(s.metadata.name, 'kube-dns-n1');
  assert.equal(s.metadata.namespace, 'kube-system');
  assert.deepEqual(s.metadata.labels, { 'kubernetes.io/service-name': 'kube-dns', 'endpointslice.kubernetes.io/managed-by': 'k8ts-dns' });
  assert.deepEqual(s.metadata.ownerReferences, [{ apiVersion: 'v1', kind: 'Node', name: 'n1', uid: 'uid-1' }]);
  assert.deepEqual(s.endpoints, [{ addresses: ['10.42.3.1'], conditions: { ready: true, serving: true, terminating: false }, nodeName: 'n1' }]);
  assert.deepEqual(s.ports.map((p: any) => `${p.name}/${p.port}/${p.protocol}`), ['dns/53/UDP', 'dns-tcp/53/TCP']);
  assert.equal(desiredDnsSlice('n1', '10.42.3.1').metadata.ownerReferences, undefined);
});

test('a stored slice needs an update only when what we own differs', () => {
  const want = desiredDnsSlice('n1', '10.42.3.1', 'uid-1');
  const stored = { ...want, metadata: { ...want.metadata, resourceVersion: '7', uid: 'x', labels: { ...want.metadata.labels, extra: 'kept' } } };
  assert.equal(sliceDiffers(stored, want), false);
  assert.equal(sliceDiffers(desiredDnsSlice('n1', '10.42.4.1', 'uid-1'), want), true);
  assert.equal(sliceDiffers(desiredDnsSlice('n1', '10.42.3.1', 'uid-2'), want), true);
});

test('kube-dns Service at the 10th service address; the listener on the pod range gateway', () => {
  const svc = kubeDnsService('10.96.0.0/12') as any;
  assert.equal(svc.spec.clusterIP, '10.96.0.10');
  assert.equal(svc.spec.selector, undefined);
  assert.equal(svc.metadata.labels['kubernetes.io/name'], 'CoreDNS');
  assert.deepEqual(gatewayOf('10.42.3.0/24'), { address: '10.42.3.1', prefix: 24 });
});
