// Cluster DNS against a real control plane: informers as the system:k8ts:coredns identity (RBAC),
// real UDP and TCP queries on a loopback port, forwarding to a fake upstream, and the node's
// kube-dns EndpointSlice published and withdrawn.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import dnsPacket, { type Answer, type DecodedPacket } from 'dns-packet';
import pino from 'pino';
import { startTestControlPlane, type TestControlPlane } from '../support/control-plane.js';
import { HttpKubeClient } from '../../src/client/http-client.js';
import { createSharedInformerFactory } from '../../src/client/informer.js';
import { R } from '../../src/client/resources.js';
import { ClusterDns } from '../../src/dns/cluster-dns.js';
import { CLUSTER_DNS_USER } from '../../src/dns/cluster-objects.js';
import { Forwarder } from '../../src/dns/forwarder.js';
import { answerData, tcpQuery, udpQuery } from '../support/dns-client.js';

const NS = 'dnstest';
let cp: TestControlPlane;
let admin: HttpKubeClient;
let dnsClient: HttpKubeClient;
const stop = new AbortController();
let dns: ClusterDns;
let dnsDone: Promise<void>;
let upstream: { port: number; queries: Map<string, number>; close(): void };

/** A fake upstream resolver: example.test A, and big.example.test truncated over UDP. */
async function fakeUpstream(): Promise<typeof upstream> {
  const queries = new Map<string, number>();
  const reply = (buf: Buffer, tcp: boolean): Buffer => {
    const q = dnsPacket.decode(buf) as DecodedPacket;
    const name = q.questions![0]!.name.toLowerCase();
    queries.set(name, (queries.get(name) ?? 0) + 1);
    const base = { id: q.id, type: 'response' as const, flags: dnsPacket.RECURSION_AVAILABLE | dnsPacket.RECURSION_DESIRED, questions: q.questions };
    if (name === 'example.test') return dnsPacket.encode({ ...base, answers: [{ type: 'A', name, ttl: 60, data: '192.0.2.1' }] });
    if (name === 'big.example.test') {
      if (!tcp) return dnsPacket.encode({ ...base, flags: base.flags | dnsPacket.TRUNCATED_RESPONSE });
      const answers: Answer[] = Array.from({ length: 100 }, (_, i) => ({ type: 'A', name, ttl: 60, data: `192.0.2.${i + 1}` }));
      return dnsPacket.encode({ ...base, answers });
    }
    return dnsPacket.encode({ ...base, flags: base.flags | 3 });
  };
  const tcp = createServer((sock) => {
    let buf = Buffer.alloc(0);
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length < 2 || buf.length < 2 + buf.readUInt16BE(0)) return;
      const res = reply(buf.subarray(2, 2 + buf.readUInt16BE(0)), true);
      const len = Buffer.alloc(2);
      len.writeUInt16BE(res.length);
      sock.end(Buffer.concat([len, res]));
    });
  });
  await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', r));
  const port = (tcp.address() as { port: number }).port;
  const udp = createSocket('udp4');
  udp.on('message', (m, rinfo) => udp.send(reply(m, false), rinfo.port, rinfo.address));
  await new Promise<void>((r) => udp.bind(port, '127.0.0.1', r));
  return { port, queries, close: () => (udp.close(), tcp.close()) };
}

async function eventually<T>(fn: () => Promise<T>, ok: (v: T) => boolean, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (ok(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
}

const q = (name: string, type: string, edns?: number) => udpQuery('127.0.0.1', dns.port, name, type, { edns });

before(async () => {
  cp = await startTestControlPlane({ controllers: false });
  admin = new HttpKubeClient(await cp.clientConfig('admin', ['system:masters']));
  upstream = await fakeUpstream();
  await admin.create(R.namespaces, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
  const svc = (name: string, spec: object) => admin.create(R.services, NS, { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: NS }, spec } as any);
  await svc('web', { ports: [{ name: 'http', port: 80, protocol: 'TCP' }] });
  await svc('db', { clusterIP: 'None', ports: [{ name: 'http', port: 80, protocol: 'TCP' }] });
  await svc('ext', { type: 'ExternalName', externalName: 'example.test' });
  await admin.create(R.endpointslices, NS, {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: 'db-1', namespace: NS, labels: { 'kubernetes.io/service-name': 'db' } },
    addressType: 'IPv4',
    endpoints: [
      { addresses: ['10.42.0.7'], hostname: 'db-0', conditions: { ready: true } },
      { addresses: ['10.42.0.8'], hostname: 'db-1', conditions: { ready: true } },
      { addresses: ['10.42.0.9'], hostname: 'db-2', conditions: { ready: false } },
    ],
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
  } as any);

  // As the agent runs it: its own identity, so the RBAC rules are exercised too.
  dnsClient = new HttpKubeClient(await cp.clientConfig(CLUSTER_DNS_USER));
  const logger = pino({ level: process.env.K8TS_TEST_LOG ?? 'silent' });
  dns = new ClusterDns(
    { client: dnsClient, informers: createSharedInformerFactory(dnsClient, { logger }), logger },
    { listenAddress: '127.0.0.1', port: 0, nodeName: 'dns-node-1', clusterDNS: ['10.43.0.10'], upstreams: [{ host: '127.0.0.1', port: upstream.port }] },
  );
  dnsDone = (await dns.start(stop.signal)).done;
});

after(async () => {
  stop.abort();
  await dnsDone;
  dnsClient?.close();
  admin?.close();
  upstream?.close();
  await cp?.stop();
});

test('the kube-dns Service exists at the 10th service address, without a selector', async () => {
  const svc = (await admin.get(R.services, 'kube-system', 'kube-dns')) as any;
  assert.equal(svc.spec.clusterIP, '10.43.0.10');
  assert.equal(svc.spec.selector, undefined);
  assert.deepEqual(svc.spec.ports.map((p: any) => `${p.name}/${p.port}/${p.protocol}`), ['dns/53/UDP', 'dns-tcp/53/TCP']);
  assert.equal(svc.metadata.labels['k8s-app'], 'kube-dns');
});

test('the node publishes its DNS endpoint in kube-system', async () => {
  const slice = (await eventually(
    () => admin.get(R.endpointslices, 'kube-system', 'kube-dns-dns-node-1').catch(() => undefined),
    (s) => !!s,
  )) as any;
  assert.ok(slice, 'slice published');
  assert.equal(slice.metadata.labels['kubernetes.io/service-name'], 'kube-dns');
  assert.deepEqual(slice.endpoints, [{ addresses: ['127.0.0.1'], conditions: { ready: true, serving: true, terminating: false }, nodeName: 'dns-node-1' }]);
});

test('UDP: ClusterIP, headless, StatefulSet-style hostnames, SRV, PTR, NXDOMAIN', async () => {
  const web = await eventually(() => q(`web.${NS}.svc.cluster.local`, 'A'), (r) => (r.answers?.length ?? 0) > 0);
  const webSvc = (await admin.get(R.services, NS, 'web')) as any;
  assert.deepEqual(answerData(web), [webSvc.spec.clusterIP]);
  assert.equal(web.flag_aa, true);
  assert.deepEqual(answerData(await q(`db.${NS}.svc.cluster.local`, 'A')).sort(), ['10.42.0.7', '10.42.0.8']);
  assert.deepEqual(answerData(await q(`db-1.db.${NS}.svc.cluster.local`, 'A')), ['10.42.0.8']);
  const srv = await q(`_http._tcp.db.${NS}.svc.cluster.local`, 'SRV');
  assert.deepEqual((answerData(srv) as { port: number; target: string }[]).map((s) => `${s.target}:${s.port}`).sort(), [`db-0.db.${NS}.svc.cluster.local:8080`, `db-1.db.${NS}.svc.cluster.local:8080`]);
  const rev = webSvc.spec.clusterIP.split('.').reverse().join('.');
  assert.deepEqual(answerData(await q(`${rev}.in-addr.arpa`, 'PTR')), [`web.${NS}.svc.cluster.local`]);
  const nx = await q(`nothing.${NS}.svc.cluster.local`, 'A');
  assert.equal(nx.rcode, 'NXDOMAIN');
  assert.equal(nx.authorities?.[0]?.type, 'SOA');
});

test('TCP answers the same names', async () => {
  const r = await tcpQuery('127.0.0.1', dns.port, `db.${NS}.svc.cluster.local`, 'A');
  assert.deepEqual(answerData(r).sort(), ['10.42.0.7', '10.42.0.8']);
});

test('records follow EndpointSlice changes', async () => {
  const slice = (await admin.get(R.endpointslices, NS, 'db-1')) as any;
  slice.endpoints = slice.endpoints.filter((e: any) => e.hostname !== 'db-0');
  await admin.update(R.endpointslices, NS, slice);
  const r = await eventually(() => q(`db.${NS}.svc.cluster.local`, 'A'), (x) => (x.answers?.length ?? 0) === 1);
  assert.deepEqual(answerData(r), ['10.42.0.8']);
  assert.equal((await q(`db-0.db.${NS}.svc.cluster.local`, 'A')).rcode, 'NXDOMAIN');
});

test('other names go to the upstream, are cached, and large answers come back over TCP', async () => {
  const first = await q('example.test', 'A');
  assert.deepEqual(answerData(first), ['192.0.2.1']);
  assert.equal(first.flag_aa, false);
  await q('EXAMPLE.test', 'A');
  assert.equal(upstream.queries.get('example.test'), 1, 'second query served from the cache');
  // The upstream truncates over UDP; the forwarder retries over TCP, and we truncate for a 512-byte client.
  const small = await q('big.example.test', 'A');
  assert.equal(small.flag_tc, true);
  const full = await tcpQuery('127.0.0.1', dns.port, 'big.example.test', 'A');
  assert.equal(full.answers?.length, 100);
  // An ExternalName pointing outside the zone: the CNAME plus the upstream's answer for its target.
  const ext = await q(`ext.${NS}.svc.cluster.local`, 'A');
  assert.deepEqual(ext.answers?.map((a) => a.type), ['CNAME', 'A']);
  assert.deepEqual(answerData(ext, 'A'), ['192.0.2.1']);
});

test('forwarder: a silent upstream is skipped after the timeout; identical questions share one exchange', async () => {
  const silent = createSocket('udp4');
  await new Promise<void>((r) => silent.bind(0, '127.0.0.1', r));
  const f = new Forwarder({ upstreams: [{ host: '127.0.0.1', port: silent.address().port }, { host: '127.0.0.1', port: upstream.port }], timeoutMs: 200 });
  try {
    const before = upstream.queries.get('example.test') ?? 0;
    const [a, b] = await Promise.all([f.resolve({ name: 'example.test', type: 'A', class: 'IN' }), f.resolve({ name: 'Example.Test', type: 'A', class: 'IN' })]);
    assert.deepEqual(a.answers.map((x) => (x as { data: string }).data), ['192.0.2.1']);
    assert.equal(b, a);
    assert.equal(upstream.queries.get('example.test'), before + 1);
    const none = new Forwarder({ upstreams: [{ host: '127.0.0.1', port: silent.address().port }], timeoutMs: 100 });
    assert.equal((await none.resolve({ name: 'example.test', type: 'A', class: 'IN' })).rcode, 'SERVFAIL');
    none.close();
  } finally {
    f.close();
    silent.close();
  }
});

test('a deleted node endpoint is put back', async () => {
  const before = (await admin.get(R.endpointslices, 'kube-system', 'kube-dns-dns-node-1')) as any;
  await admin.delete(R.endpointslices, 'kube-system', 'kube-dns-dns-node-1');
  const again = (await eventually(
    () => admin.get(R.endpointslices, 'kube-system', 'kube-dns-dns-node-1').catch(() => undefined),
    (x) => !!x,
  )) as any;
  assert.ok(again, 'recreated');
  assert.notEqual(again.metadata.uid, before.metadata.uid);
});

test('stopping withdraws the node endpoint', async () => {
  stop.abort();
  await dnsDone;
  const gone = await admin.get(R.endpointslices, 'kube-system', 'kube-dns-dns-node-1').then(
    () => false,
    () => true,
  );
  assert.equal(gone, true);
});
