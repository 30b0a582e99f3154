// healthCheckNodePort: what a load balancer probing this node sees for a Service with
// externalTrafficPolicy Local, through the proxy's sync loop (fake informers, recorded nft).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import type { KubeObject } from '../../src/api/object.js';
import { healthCheckOf } from '../../src/proxy/health-check.js';
import { ServiceProxy } from '../../src/proxy/service-proxy.js';
import { FakeInformers, RecordingNft } from './proxy-fakes.js';

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

function probe(port: number): Promise<{ status: number; body: any } | 'refused'> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: '/healthz', agent: false }, (res) => {
        let b = '';
        res.on('data', (d: Buffer) => (b += d));
        res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(b) }));
      })
      // A connection that races the server's close is reset rather than refused: the port is not served either way.
      .on('error', (e: NodeJS.ErrnoException) => (e.code === 'ECONNREFUSED' || e.code === 'ECONNRESET' ? resolve('refused') : reject(e)));
  });
}

function lb(port: number, policy = 'Local'): KubeObject {
  return {
    metadata: { namespace: 'shop', name: 'front' },
    spec: { type: 'LoadBalancer', clusterIP: '10.43.0.20', externalTrafficPolicy: policy, healthCheckNodePort: port, ports: [{ port: 80, nodePort: 31000 }] },
  };
}
function slice(nodes: string[]): KubeObject {
  return {
    metadata: { namespace: 'shop', name: 'front-x', labels: { 'kubernetes.io/service-name': 'front' } },
    addressType: 'IPv4',
    endpoints: nodes.map((n, i) => ({ addresses: [`10.42.0.${i + 2}`], conditions: { ready: true }, nodeName: n })),
    ports: [{ name: '', port: 8080, protocol: 'TCP' }],
  };
}

async function eventually<T>(fn: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await fn();
    if (ok(v) || Date.now() - t0 > 2000) return v;
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('only LoadBalancer Services with externalTrafficPolicy Local get a health check', () => {
  assert.equal(healthCheckOf(lb(30001, 'Cluster') as any, [], 'n1'), undefined);
  assert.deepEqual(healthCheckOf(lb(30001) as any, [slice(['n1', 'n2', 'n1'])] as any, 'n1'), {
    port: 30001,
    entry: { namespace: 'shop', name: 'front', localEndpoints: 2 },
  });
});

test('the node answers 200 with local endpoints, 503 without, and stops serving when the Service goes', async () => {
  const port = await freePort();
  const informers = new FakeInformers();
  const proxy = new ServiceProxy(
    { informers, nft: new RecordingNft(), logger: { debug() {}, info() {}, warn() {}, error() {} } },
    { table: 't', nodeName: 'n1', syncDelayMs: 5, healthCheckBindAddress: '127.0.0.1' },
  );
  informers.of('nodes').set({ metadata: { name: 'n1' } });
  informers.of('services').set(lb(port));
  informers.of('endpointslices').set(slice(['n1', 'n2']));
  const ac = new AbortController();
  const done = proxy.run(ac.signal);
  try {
    const up = await eventually(() => probe(port), (r) => r !== 'refused');
    assert.deepEqual(up, { status: 200, body: { service: { namespace: 'shop', name: 'front' }, localEndpoints: 1, serviceProxyHealthy: true } });
    informers.of('endpointslices').set(slice(['n2']));
    const down = await eventually(() => probe(port), (r) => r !== 'refused' && r.status === 503);
    assert.equal(down !== 'refused' && down.status, 503);
    informers.of('services').delete(lb(port));
    assert.equal(await eventually(() => probe(port), (r) => r === 'refused'), 'refused');
  } finally {
    ac.abort();
    await done;
  }
});
