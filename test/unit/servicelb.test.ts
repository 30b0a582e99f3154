import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../src/api/object.js';
import { assignPorts, desiredIngress, eligibleNodes, sameIngress, wantsLoadBalancer } from '../../src/controllers/servicelb/load-balancer-status.js';

function node(name: string, o: { ready?: boolean; internal?: string; external?: string; labels?: Record<string, string> } = {}): KubeObject {
  const addresses = [];
  if (o.internal) addresses.push({ type: 'InternalIP', address: o.internal });
  if (o.external) addresses.push({ type: 'ExternalIP', address: o.external });
  addresses.push({ type: 'Hostname', address: name });
  return { apiVersion: 'v1', kind: 'Node', metadata: { name, labels: o.labels ?? {} }, status: { addresses, conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True' }] } } as KubeObject;
}

function svc(name: string, ports: number[], o: { type?: string; cls?: string; created?: string; ns?: string; protocol?: string } = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: o.ns ?? 'default', creationTimestamp: o.created ?? '2026-01-01T00:00:00Z' },
    spec: { type: o.type ?? 'LoadBalancer', ...(o.cls ? { loadBalancerClass: o.cls } : {}), ports: ports.map((port) => ({ port, protocol: o.protocol ?? 'TCP' })) },
  } as KubeObject;
}

test('only LoadBalancer Services without a loadBalancerClass are served', () => {
  assert.equal(wantsLoadBalancer(svc('a', [80])), true);
  assert.equal(wantsLoadBalancer(svc('b', [80], { cls: 'example.com/lb' })), false);
  assert.equal(wantsLoadBalancer(svc('c', [80], { type: 'NodePort' })), false);
});

test('addresses: Ready nodes only, ExternalIP before InternalIP, sorted, ipMode VIP', () => {
  const nodes = [node('n2', { internal: '192.168.1.2' }), node('n1', { internal: '192.168.1.1', external: '203.0.113.1' }), node('down', { internal: '192.168.1.3', ready: false })];
  assert.deepEqual(desiredIngress(svc('web', [80]), nodes), [
    { ip: '192.168.1.2', ipMode: 'VIP' },
    { ip: '203.0.113.1', ipMode: 'VIP' },
  ]);
  assert.deepEqual(desiredIngress(svc('web', [80]), [node('down', { internal: '10.0.0.1', ready: false })]), []);
});

test('the enablelb label restricts the load balancer to opted-in nodes once any node has it', () => {
  const a = node('a', { internal: '10.0.0.1' });
  const b = node('b', { internal: '10.0.0.2', labels: { 'svccontroller.k8ts.io/enablelb': 'true' } });
  const excluded = node('c', { internal: '10.0.0.3', labels: { 'node.kubernetes.io/exclude-from-external-load-balancers': '' } });
  assert.deepEqual(eligibleNodes([a, excluded]).map((n) => n.metadata.name), ['a']);
  assert.deepEqual(eligibleNodes([a, b, excluded]).map((n) => n.metadata.name), ['b']);
});

test('two Services on one port: the older keeps it, the younger stays pending; other protocols do not clash', () => {
  const older = svc('older', [80, 443], { created: '2026-01-01T00:00:00Z' });
  const younger = svc('younger', [8080, 443], { created: '2026-01-02T00:00:00Z' });
  const udp = svc('dns', [443], { created: '2026-01-03T00:00:00Z', protocol: 'UDP' });
  const free = svc('free', [8080], { created: '2026-01-04T00:00:00Z' });
  const conflicts = assignPorts([free, younger, udp, older]);
  assert.deepEqual(conflicts.get('default/younger'), { port: 443, protocol: 'TCP', heldBy: 'default/older' });
  assert.equal(conflicts.has('default/older'), false);
  assert.equal(conflicts.has('default/dns'), false);
  // A pending Service holds none of its ports, so 8080 is free for the next one.
  assert.equal(conflicts.has('default/free'), false);
  // Once the older one is gone, the younger gets the port.
  assert.equal(assignPorts([younger, udp, free]).get('default/younger')?.heldBy, undefined);
  assert.equal(assignPorts([younger, udp, free]).get('default/free')?.heldBy, 'default/younger');
});

test('sameIngress compares what the controller writes', () => {
  const want = [{ ip: '10.0.0.1', ipMode: 'VIP' as const }];
  assert.ok(sameIngress([{ ip: '10.0.0.1', ipMode: 'VIP' }], want));
  assert.ok(!sameIngress([{ ip: '10.0.0.1' }], want));
  assert.ok(!sameIngress(undefined, want));
  assert.ok(sameIngress(undefined, []));
});
