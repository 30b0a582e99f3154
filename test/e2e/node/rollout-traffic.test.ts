/**
 * A rolling update behind a Service, watched by a client that loops through the Service's ClusterIP
 * the whole time: readiness gating (new pods get traffic only once ready) and connection draining
 * (terminating pods leave the endpoints while their preStop hook keeps them serving) must add up to
 * no failed request (busybox 1.35's `wget -T` crashes, so `timeout` bounds each request). Real kubectl, real containers, the real service proxy.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { nodeClusterUnavailable, useNodeCluster, type NodeCluster } from '../../support/node-cluster.js';
import { PodNamespace, podManifest, sh, waitFor } from './pod-helpers.js';

const skip = nodeClusterUnavailable();
let cluster: NodeCluster;
let ns: PodNamespace;

before(async () => {
  if (skip) return;
  cluster = await useNodeCluster();
  ns = await PodNamespace.create(cluster, 'rollout');
});

after(async () => {
  if (skip) return;
  await ns?.destroy();
  await cluster?.stop();
});

const web = (version: string) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web' },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: 'web' } },
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: {
        terminationGracePeriodSeconds: 10,
        containers: [{
          // Slow to start, as real servers are: without readiness gating it would get traffic too early.
          ...sh('httpd', 'mkdir -p /www && echo "$VERSION" > /www/index.html && sleep 3 && exec httpd -f -p 80 -h /www'),
          env: [{ name: 'VERSION', value: version }],
          ports: [{ name: 'http', containerPort: 80 }],
          readinessProbe: { httpGet: { path: '/', port: 'http' }, periodSeconds: 1, failureThreshold: 1 },
          // Keep serving while the endpoint change reaches every node's proxy.
          lifecycle: { preStop: { exec: { command: ['sleep', '3'] } } },
        }],
      },
    },
  },
});

test('a client looping through the Service sees no failed request during a rolling update', { skip, timeout: 240_000 }, async () => {
  await ns.apply([
    web('v1'),
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 'http' }] } },
  ]);
  await ns.k(['rollout', 'status', 'deployment/web', '--timeout=120s'], { timeoutMs: 130_000 });
  // The Service exists before the client starts, so the kubelet gives it WEB_SERVICE_HOST/PORT.
  await ns.apply(podManifest('client', {
    containers: [sh('loop', 'while true; do timeout 3 wget -q -O - "http://$WEB_SERVICE_HOST:$WEB_SERVICE_PORT/" || echo FAIL; sleep 0.1; done')],
  }));
  await ns.waitLogs(['client'], /v1/, 60_000);

  await ns.k(['set', 'env', 'deployment/web', 'VERSION=v2']);
  await ns.k(['rollout', 'status', 'deployment/web', '--timeout=180s'], { timeoutMs: 190_000 });
  // Old pods drain for their preStop hook; watch for a while after the last one is gone.
  await waitFor('old pods gone', async () => {
    const r = await ns.k(['get', 'pods', '-l', 'app=web', '--no-headers']);
    return r.stdout.trim().split('\n').filter(Boolean).length === 2 && !/Terminating/.test(r.stdout) ? true : undefined;
  }, 60_000);
  await new Promise((r) => setTimeout(r, 3_000));

  const lines = (await ns.logs(['client'])).split('\n').filter(Boolean);
  const v1 = lines.filter((l) => l === 'v1').length;
  const v2 = lines.filter((l) => l === 'v2').length;
  const failed = lines.filter((l) => !/^v[12]$/.test(l));
  assert.ok(v1 > 5 && v2 > 5, `the client saw both versions (v1 ${v1}, v2 ${v2})`);
  assert.equal(lines[lines.length - 1], 'v2', 'after the rollout only the new version answers');
  assert.deepEqual(failed, [], `failed requests during the rollout (${failed.length} of ${lines.length})`);
});
