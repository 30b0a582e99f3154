// Services on a real node through the service proxy, driven by the real kubectl: a ClusterIP
// from a busybox pod (named and numbered targetPorts), a pod reaching itself through its own
// Service, a NodePort on 127.0.0.1 from this process, sessionAffinity ClientIP, a Service without
// endpoints refused at once, scaling reflected in the node's rules within a second, and UDP.
// (busybox 1.35's `wget -T` crashes, so `timeout N wget` bounds each request.)
// Everything lives in one namespace of this file's own, deleted at the end.
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import dnsPacket from 'dns-packet';
import { readFileSync } from 'node:fs';
import { nodeClusterUnavailable, useNodeCluster, type NodeCluster } from '../../support/node-cluster.js';
import type { KubeObject } from '../../../src/api/object.js';
import { HttpKubeClient, kubeconfigToConfig } from '../../../src/client/http-client.js';
import { R } from '../../../src/client/resources.js';
import { proxyTableName } from '../../../src/proxy/nft-rules.js';
import { nftRunner } from '../../../src/proxy/nft.js';
import { PodNamespace, podManifest, waitFor, type Json } from './pod-helpers.js';

const skip = nodeClusterUnavailable();
let cluster: NodeCluster;
let ns: PodNamespace;
let udpServer: Socket | undefined;

const WHO_SCRIPT = 'mkdir -p /w && hostname > /w/index.html && exec httpd -f -p 8080 -h /w';

function deployment(name: string, replicas: number, container: Json): Json {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { terminationGracePeriodSeconds: 1, containers: [container] } },
    },
  };
}

function service(name: string, spec: Json): Json {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name }, spec };
}

async function clusterIP(name: string): Promise<string> {
  return (await ns.json(`service/${name}`)).spec.clusterIP as string;
}

/** Ready endpoint addresses of a Service, as its EndpointSlices list them. */
async function readyAddresses(svc: string): Promise<string[]> {
  const list = JSON.parse((await ns.k(['get', 'endpointslices', '-l', `kubernetes.io/service-name=${svc}`, '-o', 'json'])).stdout) as Json;
  return (list.items as Json[]).flatMap((s) => ((s.endpoints ?? []) as Json[]).filter((e) => e.conditions?.ready).map((e) => e.addresses[0] as string)).sort();
}

function waitEndpoints(svc: string, n: number): Promise<string[]> {
  return waitFor(`${n} ready endpoints of ${svc}`, async () => {
    const a = await readyAddresses(svc);
    if (a.length === n) return a;
    throw new Error(`have ${a.join(',')}`);
  }, 120_000, 300);
}

/** Runs a shell script in the client pod; resolves with its stdout, stderr, exit code and duration. */
async function inClient(script: string): Promise<{ stdout: string; stderr: string; code: number; ms: number }> {
  const t0 = Date.now();
  const r = await ns.k(['exec', 'client', '--', 'sh', '-c', script], { allowFail: true, timeoutMs: 60_000 });
  return { stdout: r.stdout, stderr: r.stderr, code: r.code, ms: Date.now() - t0 };
}

function get(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, timeout: 5000 }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d));
      res.on('end', () => resolve(body));
    });
    req.on('timeout', () => req.destroy(new Error(`timeout: ${url}`)));
    req.on('error', reject);
  });
}

before(async () => {
  if (skip) return;
  cluster = await useNodeCluster();
  ns = await PodNamespace.create(cluster, 'e2e-svc');
  await ns.apply([
    deployment('web', 2, { name: 'web', image: 'nginx', ports: [{ name: 'http', containerPort: 80 }] }),
    service('web', { type: 'NodePort', selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] }),
    deployment('who', 3, { name: 'who', image: 'busybox', command: ['sh', '-c', WHO_SCRIPT] }),
    service('who', { selector: { app: 'who' }, ports: [{ port: 80, targetPort: 8080 }] }),
    service('sticky', { selector: { app: 'who' }, sessionAffinity: 'ClientIP', ports: [{ port: 80, targetPort: 8080 }] }),
    service('nobody', { selector: { app: 'nobody' }, ports: [{ port: 80, targetPort: 8080 }] }),
    service('self', { selector: { app: 'client' }, ports: [{ port: 80, targetPort: 8080 }] }),
    podManifest(
      'client',
      { containers: [{ name: 'c', image: 'busybox', command: ['sh', '-c', 'mkdir -p /w && echo client > /w/index.html && exec httpd -f -p 8080 -h /w'] }] },
      { labels: { app: 'client' } },
    ),
  ]);
  await ns.waitStatus('client', /^Running$/, 120_000);
  await Promise.all([waitEndpoints('web', 2), waitEndpoints('who', 3), waitEndpoints('self', 1)]);
});

after(async () => {
  if (skip || !cluster) return;
  udpServer?.close();
  try {
    if (ns) await ns.destroy();
  } finally {
    await cluster.stop();
  }
});

describe('services on a real node', { skip }, () => {
  test('a busybox pod reaches nginx through the ClusterIP (named targetPort)', async () => {
    const ip = await clusterIP('web');
    const r = await waitFor('wget through the ClusterIP', async () => {
      const r = await inClient(`timeout 5 wget -qO- http://${ip}:80/`);
      if (r.code === 0) return r;
      throw new Error(r.stderr);
    }, 10_000, 300);
    assert.match(r.stdout, /Welcome to k8ts httpd/);
  });

  test('a pod reaches itself through its own Service (hairpin)', async () => {
    const r = await inClient(`timeout 5 wget -qO- http://${await clusterIP('self')}/`);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'client');
  });

  test('the node itself reaches a ClusterIP', async () => {
    assert.match(await get(`http://${await clusterIP('web')}/`), /Welcome to k8ts httpd/);
  });

  test('NodePort answers on 127.0.0.1 from the host', async () => {
    const svc = await ns.json('service/web');
    const nodePort = svc.spec.ports[0].nodePort as number;
    assert.ok(nodePort >= 30000 && nodePort <= 32767);
    assert.match(await get(`http://127.0.0.1:${nodePort}/`), /Welcome to k8ts httpd/);
  });

  test('requests are spread over the endpoints; sessionAffinity ClientIP sticks to one', async () => {
    const loop = (ip: string) => `for i in $(seq 1 15); do timeout 5 wget -qO- http://${ip}/; done`;
    const spread = await inClient(loop(await clusterIP('who')));
    assert.equal(spread.code, 0, spread.stderr);
    assert.ok(new Set(spread.stdout.trim().split('\n')).size >= 2, `one pod answered everything: ${spread.stdout}`);
    const sticky = await inClient(loop(await clusterIP('sticky')));
    assert.equal(sticky.code, 0, sticky.stderr);
    const answers = sticky.stdout.trim().split('\n');
    assert.equal(answers.length, 15);
    assert.equal(new Set(answers).size, 1, `answers came from ${[...new Set(answers)].join(', ')}`);
  });

  test('a Service without endpoints is refused at once, not timed out', async () => {
    const r = await inClient(`timeout 20 wget -qO- http://${await clusterIP('nobody')}/`);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /refused/i);
    assert.ok(r.ms < 10_000, `took ${r.ms} ms`);
  });

  test('scaling up: the new endpoint is in the node rules within a second of its EndpointSlice', async (t) => {
    const table = proxyTableName(cluster.bridge);
    const nft = nftRunner();
    // A watch from this process timestamps the EndpointSlice change as the proxy sees it (kubectl
    // polling would add its own latency); the node's table is listed every 20 ms.
    const client = new HttpKubeClient(kubeconfigToConfig(readFileSync(cluster.kubeconfig, 'utf8')));
    const labelSelector = 'kubernetes.io/service-name=who';
    const list = await client.list<Json & KubeObject>(R.endpointslices, ns.name, { labelSelector });
    const ready = (s: Json): string[] => ((s.endpoints ?? []) as Json[]).filter((e) => e.conditions?.ready).map((e) => e.addresses[0] as string);
    const before = list.items.flatMap(ready);
    // Endpoint chains are named after "<namespace>/<service>/<proto>/<port name>__<ip>/<port>".
    const chainRe = new RegExp(`chain ep-\\w+-${ns.name}/who/tcp/__([\\d.]+)/8080 `, 'g');
    let sliceIP: string | undefined;
    let sliceAt = 0;
    let ruleIP: string | undefined;
    let ruleAt = 0;
    const stopWatch = new AbortController();
    const watching = client
      .watch<Json & KubeObject>(R.endpointslices, ns.name, { labelSelector, resourceVersion: list.metadata.resourceVersion, signal: stopWatch.signal }, (e) => {
        if (sliceIP || (e.type !== 'ADDED' && e.type !== 'MODIFIED')) return;
        sliceIP = ready(e.object).find((ip) => !before.includes(ip));
        if (sliceIP) sliceAt = performance.now();
      })
      .catch(() => undefined);
    try {
      await ns.k(['scale', 'deployment', 'who', '--replicas=4']);
      const deadline = Date.now() + 120_000;
      while (!ruleIP && Date.now() < deadline) {
        const text = (await nft.listTable(table)) ?? '';
        ruleIP = [...text.matchAll(chainRe)].map((m) => m[1]!).find((ip) => !before.includes(ip));
        if (ruleIP) ruleAt = performance.now();
        else await new Promise((r) => setTimeout(r, 20));
      }
      await waitFor('the EndpointSlice event', async () => (sliceIP ? true : undefined), 5_000, 20);
    } finally {
      stopWatch.abort();
      await watching;
      client.close();
    }
    assert.ok(ruleIP, `no new endpoint of who in table ${table}`);
    assert.equal(ruleIP, sliceIP);
    t.diagnostic(`EndpointSlice change -> rule programmed: ${(ruleAt - sliceAt).toFixed(0)} ms`);
    assert.ok(ruleAt - sliceAt < 1000, `rules programmed ${(ruleAt - sliceAt).toFixed(0)} ms after the EndpointSlice changed`);
    const r = await inClient(`for i in $(seq 1 30); do timeout 5 wget -qO- http://${await clusterIP('who')}/; done`);
    assert.equal(new Set(r.stdout.trim().split('\n')).size, 4, `answers: ${r.stdout}`);
  });

  test('UDP through a ClusterIP to an endpoint on the node (a DNS query answered by this process)', async () => {
    // busybox has no UDP server; this process answers DNS on the pod bridge's gateway address,
    // named by a hand-written EndpointSlice of a selector-less Service.
    const podCIDR = (await cluster.kubectl(['get', 'node', cluster.nodeName, '-o', 'jsonpath={.spec.podCIDR}'])).stdout.trim();
    const gateway = podCIDR.replace(/\.0\/\d+$/, '.1');
    const server = createSocket('udp4');
    udpServer = server;
    server.on('message', (msg, rinfo) => {
      const q = dnsPacket.decode(msg);
      const answer = dnsPacket.encode({
        type: 'response',
        id: q.id,
        flags: dnsPacket.AUTHORITATIVE_ANSWER,
        questions: q.questions,
        answers: (q.questions ?? []).filter((x) => x.type === 'A').map((x) => ({ type: 'A', name: x.name, ttl: 5, data: '192.0.2.77' })),
      });
      server.send(answer, rinfo.port, rinfo.address);
    });
    await new Promise<void>((resolve) => server.bind(0, gateway, resolve));
    const port = server.address().port;
    await ns.apply([
      service('udp', { ports: [{ name: 'dns', port: 53, protocol: 'UDP' }] }),
      {
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: { name: 'udp-manual', labels: { 'kubernetes.io/service-name': 'udp' } },
        addressType: 'IPv4',
        endpoints: [{ addresses: [gateway], conditions: { ready: true } }],
        ports: [{ name: 'dns', port, protocol: 'UDP' }],
      },
    ]);
    const ip = await clusterIP('udp');
    const r = await waitFor('a UDP answer through the ClusterIP', async () => {
      const r = await inClient(`nslookup -type=a probe.example ${ip}`);
      if (/192\.0\.2\.77/.test(r.stdout)) return r;
      throw new Error(r.stdout + r.stderr);
    }, 15_000, 500);
    assert.match(r.stdout, /Address:\s*192\.0\.2\.77/);
  });
});
