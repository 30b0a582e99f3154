import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../src/api/object.js';
import { R } from '../../src/client/resources.js';
import { isNotFound } from '../../src/client/types.js';
import { EndpointController } from '../../src/controllers/endpoint/endpoint-controller.js';
import { eventually, runningPod, sleep, startHarness, type Harness } from './cluster-controllers-harness.js';

let h: Harness;
const NS = 'default';

before(async () => {
  h = await startHarness();
  await h.start((deps) => [new EndpointController(deps)]);
});
after(async () => h?.stop());

const subsetsOf = async (name: string) => ((await h.client.get(R.endpoints, NS, name)) as any).subsets ?? [];

test('Endpoints list ready and not-ready pods on resolved named ports, follow changes, go with the Service', async () => {
  await h.client.create(R.services, NS, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: NS }, spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] } });
  await runningPod(h, NS, 'web-a', '10.42.0.11', true);
  await runningPod(h, NS, 'web-b', '10.42.0.12', false);
  await runningPod(h, NS, 'other', '10.42.0.13', true, { labels: { app: 'other' } });
  const subsets = await eventually(async () => {
    const s = await subsetsOf('web');
    return s.length === 1 && s[0].addresses?.length === 1 && s[0].notReadyAddresses?.length === 1 ? s : undefined;
  }, 10_000, 'endpoints populated');
  assert.equal(subsets[0].addresses[0].ip, '10.42.0.11');
  assert.equal(subsets[0].addresses[0].targetRef.name, 'web-a');
  assert.equal(subsets[0].notReadyAddresses[0].ip, '10.42.0.12');
  assert.deepEqual(subsets[0].ports, [{ name: 'http', port: 8080, protocol: 'TCP' }]);

  await h.client.delete(R.pods, NS, 'web-a', { gracePeriodSeconds: 0 });
  await eventually(async () => !(await subsetsOf('web'))[0]?.addresses, 10_000, 'ready address removed');

  // Stable: no rewrites when nothing changed.
  const rv = (await h.client.get(R.endpoints, NS, 'web')).metadata.resourceVersion;
  await sleep(300);
  assert.equal((await h.client.get(R.endpoints, NS, 'web')).metadata.resourceVersion, rv);

  await h.client.delete(R.services, NS, 'web');
  await eventually(async () => {
    try {
      await h.client.get(R.endpoints, NS, 'web');
      return false;
    } catch (err) {
      return isNotFound(err);
    }
  }, 10_000, 'endpoints deleted with service');
});

test('headless Service gives hostnames to pods in its subdomain; selector-less Services are left alone', async () => {
  await h.client.create(R.services, NS, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'db', namespace: NS }, spec: { clusterIP: 'None', selector: { app: 'db' }, ports: [{ port: 5432 }] } });
  await runningPod(h, NS, 'db-0', '10.42.0.21', true, { labels: { app: 'db' }, hostname: 'db-0', subdomain: 'db' });
  const s = await eventually(async () => {
    const ss = await subsetsOf('db');
    return ss[0]?.addresses?.length === 1 ? ss : undefined;
  }, 10_000, 'headless endpoints');
  assert.equal(s[0].addresses[0].hostname, 'db-0');
  const ep = await h.client.get(R.endpoints, NS, 'db');
  assert.equal(ep.metadata.labels?.['service.kubernetes.io/headless'], '');

  await h.client.create(R.services, NS, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'manual', namespace: NS }, spec: { ports: [{ port: 80 }] } });
  await h.client.create(R.endpoints, NS, { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'manual', namespace: NS }, subsets: [{ addresses: [{ ip: '192.0.2.1' }], ports: [{ port: 80 }] }] });
  await sleep(500);
  assert.equal(((await h.client.get(R.endpoints, NS, 'manual')) as any).subsets[0].addresses[0].ip, '192.0.2.1');
});
