import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../src/api/object.js';
import { R } from '../../src/client/resources.js';
import { ServiceLBController } from '../../src/controllers/servicelb/servicelb-controller.js';
import { eventually, startHarness, type Harness } from './cluster-controllers-harness.js';

let h: Harness;
const NS = 'default';

before(async () => {
  h = await startHarness();
  await h.start((deps) => [new ServiceLBController(deps)]);
});
after(async () => h?.stop());

async function readyNode(name: string, ip: string): Promise<void> {
  const n = await h.client.create<KubeObject>(R.nodes, '', { apiVersion: 'v1', kind: 'Node', metadata: { name } });
  await h.client.update(R.nodes, '', { ...n, status: { addresses: [{ type: 'InternalIP', address: ip }], conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'ready', lastHeartbeatTime: new Date().toISOString(), lastTransitionTime: new Date().toISOString() }] } } as KubeObject, { subresource: 'status' });
}

const lbService = (name: string, port: number): KubeObject =>
  ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: NS }, spec: { type: 'LoadBalancer', selector: { app: name }, ports: [{ port, targetPort: 8080 }] } }) as KubeObject;

const ingressOf = async (name: string, ns = NS): Promise<any[]> => ((await h.client.get(R.services, ns, name)) as any).status?.loadBalancer?.ingress ?? [];

test('a LoadBalancer Service gets the Ready nodes as its ingress, and loses it when the type changes', async () => {
  await readyNode('lb-n1', '192.0.2.11');
  await readyNode('lb-n2', '192.0.2.12');
  await h.client.create(R.services, NS, lbService('web', 8081));
  const ing = await eventually(async () => {
    const i = await ingressOf('web');
    return i.length === 2 ? i : undefined;
  }, 10_000, 'LoadBalancer ingress');
  assert.deepEqual(ing, [
    { ip: '192.0.2.11', ipMode: 'VIP' },
    { ip: '192.0.2.12', ipMode: 'VIP' },
  ]);
  assert.ok(h.events.some((e) => e.reason === 'EnsuredLoadBalancer' && e.obj.metadata.name === 'web'));

  // A node going NotReady leaves the list.
  const n2 = await h.client.get<KubeObject>(R.nodes, '', 'lb-n2');
  await h.client.update(R.nodes, '', { ...n2, status: { ...(n2 as any).status, conditions: [{ type: 'Ready', status: 'False', reason: 'KubeletNotReady', message: 'down', lastHeartbeatTime: new Date().toISOString(), lastTransitionTime: new Date().toISOString() }] } } as KubeObject, { subresource: 'status' });
  await eventually(async () => (await ingressOf('web')).length === 1, 10_000, 'NotReady node removed');

  // As `kubectl patch -p '{"spec":{"type":"ClusterIP"}}'`: the server sheds the node ports and policies.
  const svc = await h.client.get<KubeObject>(R.services, NS, 'web');
  const changed = await h.client.update<KubeObject>(R.services, NS, { ...svc, spec: { ...(svc as any).spec, type: 'ClusterIP' } } as KubeObject);
  assert.equal((changed as any).spec.ports[0].nodePort, undefined);
  assert.equal((changed as any).spec.externalTrafficPolicy, undefined);
  await eventually(async () => (await ingressOf('web')).length === 0, 10_000, 'ingress cleared after type change');
});

test('a second Service on the same port stays pending with an event, and gets the port once it is free', async () => {
  await h.client.create(R.services, NS, lbService('first', 9090));
  await eventually(async () => (await ingressOf('first')).length > 0, 10_000, 'first gets addresses');
  await h.client.create(R.services, NS, lbService('second', 9090));
  await eventually(() => h.events.some((e) => e.reason === 'SyncLoadBalancerFailed' && e.obj.metadata.name === 'second'), 10_000, 'conflict event');
  const ev = h.events.find((e) => e.obj.metadata.name === 'second')!;
  assert.match(ev.message, /port 9090\/TCP is already used by LoadBalancer Service default\/first/);
  assert.deepEqual(await ingressOf('second'), []);

  await h.client.delete(R.services, NS, 'first');
  await eventually(async () => (await ingressOf('second')).length > 0, 10_000, 'second gets the freed port');
});

test('Services with a loadBalancerClass are left to their own implementation', async () => {
  await h.client.create(R.services, NS, { ...lbService('classy', 7070), spec: { ...(lbService('classy', 7070) as any).spec, loadBalancerClass: 'example.com/lb' } } as KubeObject);
  await h.client.create(R.services, NS, lbService('probe', 7071));
  await eventually(async () => (await ingressOf('probe')).length > 0, 10_000, 'controller is running');
  assert.deepEqual(await ingressOf('classy'), []);
});
