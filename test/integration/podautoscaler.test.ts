import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { R } from '../../src/client/resources.js';
import { HorizontalPodAutoscalerController } from '../../src/controllers/podautoscaler/podautoscaler-controller.js';
import { SIM_CPU_ANNOTATION } from '../../src/controllers/podautoscaler/metrics-source.js';
import { eventually, startHarness, type Harness } from './cluster-controllers-harness.js';

let h: Harness;
const NS = 'default';

before(async () => {
  h = await startHarness();
  await h.start((deps) => [new HorizontalPodAutoscalerController(deps, { syncPeriodMs: 200, downscaleStabilizationSeconds: 1 })]);
});
after(async () => h?.stop());

const replicasOf = async () => ((await h.client.get(R.deployments, NS, 'web')) as any).spec.replicas as number;
const hpaStatus = async () => ((await h.client.get(R.horizontalpodautoscalers, NS, 'web')) as any).status;

test('HPA scales a Deployment on synthetic cpu utilisation, within bounds, then back down after the window', async () => {
  await h.client.create(R.deployments, NS, {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: NS },
    spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
  });
  for (const name of ['web-a', 'web-b']) {
    await h.client.create(R.pods, NS, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: NS, labels: { app: 'web' }, annotations: { [SIM_CPU_ANNOTATION]: '200' } },
      spec: { containers: [{ name: 'c', image: 'nginx', resources: { requests: { cpu: '100m' } } }] },
      status: { phase: 'Running' },
    });
  }
  await h.client.create(R.horizontalpodautoscalers, NS, {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'web', namespace: NS },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
      minReplicas: 1,
      maxReplicas: 5,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }],
    },
  });
  await eventually(async () => (await replicasOf()) === 5, 10_000, 'scaled up to max');
  const up = await eventually(async () => {
    const s = await hpaStatus();
    return s?.desiredReplicas === 5 ? s : undefined;
  }, 10_000, 'status after scale up');
  assert.equal(up.currentMetrics[0].resource.current.averageUtilization, 200);
  const cond = (s: any, t: string) => s.conditions.find((c: any) => c.type === t);
  assert.equal(cond(up, 'ScalingActive').reason, 'ValidMetricFound');
  assert.ok(up.lastScaleTime);
  assert.ok(h.events.some((e) => e.reason === 'SuccessfulRescale' && /New size: 5; reason: cpu resource utilization \(percentage of request\) above target/.test(e.message)));

  for (const name of ['web-a', 'web-b']) await h.client.patch(R.pods, NS, name, 'merge', { metadata: { annotations: { [SIM_CPU_ANNOTATION]: '10' } } });
  // 10% of request on the pods measured: ceil(0.2 * 2) = 1 once the 1 s window has passed.
  await eventually(async () => (await replicasOf()) === 1, 10_000, 'scaled down');
  assert.ok(h.events.some((e) => e.reason === 'SuccessfulRescale' && /All metrics below target/.test(e.message)));
});
