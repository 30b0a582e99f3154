import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dropTypeDependentFields } from '../../src/api/registry/service-type-change.js';

const nodePortSvc = () => ({
  metadata: { name: 's' },
  spec: {
    type: 'NodePort', clusterIP: '10.43.0.9', clusterIPs: ['10.43.0.9'], ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack',
    externalTrafficPolicy: 'Cluster', ports: [{ port: 80, nodePort: 30080 }],
  },
});

test('NodePort → ClusterIP sheds the node ports and traffic policy the client left alone', () => {
  const old = nodePortSvc();
  const next = nodePortSvc();
  next.spec.type = 'ClusterIP';
  dropTypeDependentFields(next, old);
  assert.equal((next.spec.ports[0] as { nodePort?: number }).nodePort, undefined);
  assert.equal(next.spec.externalTrafficPolicy, undefined);
  assert.equal(next.spec.clusterIP, '10.43.0.9', 'a ClusterIP Service keeps its address');
});

test('fields the client changed together with the type are kept (validation then judges them)', () => {
  const old = nodePortSvc();
  const next = nodePortSvc();
  next.spec.type = 'ClusterIP';
  next.spec.ports[0]!.nodePort = 30081;
  dropTypeDependentFields(next, old);
  assert.equal(next.spec.ports[0]!.nodePort, 30081);
});

test('→ ExternalName sheds the cluster IPs and families; same type changes nothing', () => {
  const old = nodePortSvc();
  const next = nodePortSvc();
  Object.assign(next.spec, { type: 'ExternalName', externalName: 'example.com' });
  dropTypeDependentFields(next, old);
  assert.equal(next.spec.clusterIP, undefined);
  assert.equal(next.spec.clusterIPs, undefined);
  assert.equal(next.spec.ipFamilies, undefined);
  const unchanged = nodePortSvc();
  dropTypeDependentFields(unchanged, nodePortSvc());
  assert.deepEqual(unchanged, nodePortSvc());
});
