import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../src/api/object.js';
import { R } from '../../src/client/resources.js';
import { EndpointSliceController } from '../../src/controllers/endpointslice/endpointslice-controller.js';
import { eventually, runningPod, sleep, startHarness, type Harness } from './cluster-controllers-harness.js';

let h: Harness;
const NS = 'default';

before(async () => {
  h = await startHarness();
  await h.start((deps) => [new EndpointSliceController(deps, { maxEndpointsPerSlice: 3 })]);
});
after(async () => h?.stop());

const slicesOf = async (svc: string): Promise<KubeObject[]> =>
  (await h.client.list(R.endpointslices, NS, { labelSelector: `kubernetes.io/service-name=${svc}` })).items;

test('EndpointSlices: labelled, owned, split at the maximum, conditions per pod', async () => {
  const svc = await h.client.create<KubeObject>(R.services, NS, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: NS }, spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] } });
  // Placeholder first: a Service without endpoints still has one empty slice.
  const placeholder = await eventually(async () => {
    const s = await slicesOf('web');
    return s.length === 1 ? s[0] : undefined;
  }, 10_000, 'placeholder slice');
  assert.ok(placeholder!.metadata.name!.startsWith('web-'));
  assert.equal(placeholder!.metadata.labels!['endpointslice.kubernetes.io/managed-by'], 'endpointslice-controller.k8s.io');
  assert.equal(placeholder!.metadata.ownerReferences![0]!.uid, svc.metadata.uid);

  for (let i = 0; i < 5; i++) await runningPod(h, NS, `web-${i}`, `10.42.1.${i + 1}`, i !== 4);
  const slices = await eventually(async () => {
    const s = await slicesOf('web');
    const total = s.reduce((n, x: any) => n + (x.endpoints?.length ?? 0), 0);
    return total === 5 ? s : undefined;
  }, 10_000, 'five endpoints');
  assert.equal(slices.length, 2);
  assert.ok(slices.every((s: any) => s.endpoints.length <= 3 && s.addressType === 'IPv4'));
  assert.deepEqual((slices[0] as any).ports, [{ name: 'http', port: 8080, protocol: 'TCP' }]);
  const eps = slices.flatMap((s: any) => s.endpoints);
  const notReady = eps.find((e: any) => e.targetRef.name === 'web-4');
  assert.deepEqual(notReady.conditions, { ready: false, serving: false, terminating: false });

  // Quiet when nothing changes.
  const rvs = slices.map((s) => s.metadata.resourceVersion).join(',');
  await sleep(300);
  assert.equal((await slicesOf('web')).map((s) => s.metadata.resourceVersion).join(','), rvs);

  for (let i = 0; i < 5; i++) await h.client.delete(R.pods, NS, `web-${i}`, { gracePeriodSeconds: 0 });
  await eventually(async () => {
    const s = await slicesOf('web');
    return s.length === 1 && !((s[0] as any).endpoints ?? []).length;
  }, 10_000, 'back to one empty slice');
});
