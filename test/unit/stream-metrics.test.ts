import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { createMetricsHandler, podMetricsInfo, nodeMetricsInfo } from '../../src/apiserver/metrics-api/index.js';
import { CpuRateTracker, buildPodSummaries, type Summary } from '../../src/kubelet/server/stats-summary.js';
import { parseRequestInfo } from '../../src/apiserver/request-info.js';

const cstat = (pod: string, name: string, atNs: number, cpuNs: number, mem: number) => ({
  attributes: { id: `${pod}-${name}`, metadata: { name, attempt: 0 }, labels: { 'io.kubernetes.pod.namespace': 'default', 'io.kubernetes.pod.name': pod, 'io.kubernetes.pod.uid': pod }, annotations: {} },
  cpu: { timestamp: atNs, usage_core_nano_seconds: { value: cpuNs }, usage_nano_cores: null },
  memory: { timestamp: atNs, working_set_bytes: { value: mem }, available_bytes: null, usage_bytes: { value: mem }, rss_bytes: null, page_faults: null, major_page_faults: null },
  writable_layer: null,
});

test('pod summaries from container stats; CPU rate from two samples', () => {
  const t = new CpuRateTracker();
  const first = buildPodSummaries(undefined, [cstat('a', 'c', 1e9, 1e9, 1024)], t);
  assert.equal(first[0]!.containers[0]!.cpu!.usageNanoCores, undefined);
  const second = buildPodSummaries(undefined, [cstat('a', 'c', 2e9, 1.5e9, 2048), cstat('b', 'x', 2e9, 0, 4096)], t);
  assert.equal(second.length, 2);
  assert.equal(second[0]!.podRef.name, 'a');
  assert.equal(second[0]!.containers[0]!.cpu!.usageNanoCores, 5e8);
  assert.equal(second[0]!.memory!.workingSetBytes, 2048);
});

function reply() {
  const out: { status?: number; body?: any } = {};
  const res: any = {
    headersSent: false,
    writeHead(s: number) { out.status = s; return res; },
    end(b: string) { out.body = JSON.parse(b); },
  };
  return { r: { req: { method: 'GET' } as any, res, warnings: [] }, out };
}

test('PodMetrics and NodeMetrics in metrics-server shape', async () => {
  const summary: Summary = {
    node: { nodeName: 'ignored', cpu: { time: '2024-01-01T00:00:00.5Z', usageNanoCores: 250_000_000 }, memory: { time: 'x', workingSetBytes: 1024 * 1024 * 1024 } },
    pods: [{ podRef: { name: 'web', namespace: 'default', uid: 'u' }, containers: [{ name: 'c', cpu: { time: '2024-01-01T00:00:00Z', usageNanoCores: 1234567 }, memory: { time: 'x', workingSetBytes: 10 * 1024 * 1024 } }] }],
  };
  const h = createMetricsHandler({
    listNodes: async () => [{ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', labels: { a: 'b' } }, status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }] } }],
    listPods: async () => [{ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } } }],
    tls: { certPem: '', keyPem: '' },
    logger: pino({ level: 'silent' }),
    fetchSummary: async () => summary,
  });
  const ctx = { now: new Date('2024-01-01T00:00:01Z') } as any;
  const list = reply();
  const q = new URLSearchParams();
  await h.handle(list.r, parseRequestInfo('GET', '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods', q), podMetricsInfo, q, ctx);
  assert.equal(list.out.body.kind, 'PodMetricsList');
  assert.deepEqual(list.out.body.items[0].containers, [{ name: 'c', usage: { cpu: '1234567n', memory: '10240Ki' } }]);
  assert.equal(list.out.body.items[0].window, '10s');
  const sel = reply();
  const q2 = new URLSearchParams('labelSelector=app%3Dother');
  await h.handle(sel.r, parseRequestInfo('GET', '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods', q2), podMetricsInfo, q2, ctx);
  assert.deepEqual(sel.out.body.items, []);
  const node = reply();
  await h.handle(node.r, parseRequestInfo('GET', '/apis/metrics.k8s.io/v1beta1/nodes/n1', q), nodeMetricsInfo, q, ctx);
  assert.equal(node.out.body.kind, 'NodeMetrics');
  assert.equal(node.out.body.metadata.name, 'n1');
  assert.deepEqual(node.out.body.usage, { cpu: '250000000n', memory: '1048576Ki' });
  await assert.rejects(h.handle(reply().r, parseRequestInfo('GET', '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/nope', q), podMetricsInfo, q, ctx), /not found/);
});
