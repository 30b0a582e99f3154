// The ingress controller against a real control plane, running as its own identity
// (system:k8ts:ingress through RBAC), with backends that are HTTP servers in this process on
// loopback, reached through selector-less Services and hand-written EndpointSlices.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import pino from 'pino';
import { WebSocketServer, WebSocket } from 'ws';
import type { KubeObject } from '../../src/api/object.js';
import { R } from '../../src/client/resources.js';
import { HttpKubeClient } from '../../src/client/http-client.js';
import { createSharedInformerFactory } from '../../src/client/informer.js';
import { IngressController } from '../../src/ingress/ingress-controller.js';
import { createCA, issueCertificate } from '../../src/pki/ca.js';
import { startTestControlPlane, type TestControlPlane } from '../support/control-plane.js';
import { eventually } from './cluster-controllers-harness.js';

const NS = 'default';
let cp: TestControlPlane;
let admin: HttpKubeClient;
let ingressClient: HttpKubeClient;
let controller: IngressController;
const stop = new AbortController();
const closers: (() => void)[] = [];
let ports: { http: number; https: number };

/** An HTTP backend answering "<name> <path> <x-forwarded-proto> <x-forwarded-for>". */
async function backend(name: string): Promise<number> {
  const server = http.createServer((req, res) => {
    res.setHeader('x-backend', name);
    res.end(`${name} ${req.url} ${req.headers['x-forwarded-proto']} ${req.headers['x-forwarded-for']} ${req.headers['x-forwarded-host']}`);
  });
  const wss = new WebSocketServer({ server });
  wss.on('connection', (ws) => ws.on('message', (m) => ws.send(`${name} echo ${m}`)));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  closers.push(() => {
    wss.close();
    server.closeAllConnections();
    server.close();
  });
  return (server.address() as net.AddressInfo).port;
}

/** A selector-less Service on port 80 with its endpoints at 127.0.0.1:ports (or none). */
async function service(name: string, endpointPorts: number[]): Promise<void> {
  await admin.create(R.services, NS, { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: NS }, spec: { ports: [{ name: 'http', port: 80 }] } } as KubeObject);
  if (!endpointPorts.length) return;
  // One slice per port: a slice has one port set.
  for (const [i, port] of endpointPorts.entries()) {
    await admin.create(R.endpointslices, NS, {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: `${name}-${i}`, namespace: NS, labels: { 'kubernetes.io/service-name': name } },
      addressType: 'IPv4',
      endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: true } }],
      ports: [{ name: 'http', port, protocol: 'TCP' }],
    } as KubeObject);
  }
}

async function createIngress(name: string, spec: object, annotations: Record<string, string> = {}): Promise<void> {
  await admin.create(R.ingresses, NS, { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name, namespace: NS, annotations }, spec } as KubeObject);
}

const rule = (host: string, paths: { path: string; service: string; pathType?: string }[]) => ({
  host,
  http: { paths: paths.map((p) => ({ path: p.path, pathType: p.pathType ?? 'Prefix', backend: { service: { name: p.service, port: { number: 80 } } } })) },
});

const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 1 });
closers.push(() => keepAlive.destroy());

function get(host: string, path: string, agent: http.Agent | false = false): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders; socket: net.Socket }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: ports.http, path, headers: { host }, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, body, headers: res.headers, socket: req.socket! }));
    });
    req.on('error', reject);
    req.end();
  });
}

function getTls(servername: string, path: string): Promise<{ status: number; body: string; cn: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', port: ports.https, path, servername, headers: { host: servername }, rejectUnauthorized: false, agent: false }, (res) => {
      const cn = String((res.socket as tls.TLSSocket).getPeerCertificate().subject?.CN ?? '');
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, body, cn }));
    });
    req.on('error', reject);
    req.end();
  });
}

let webPort = 0;
let apiPort = 0;

before(async () => {
  cp = await startTestControlPlane({ controllers: false });
  admin = new HttpKubeClient(await cp.clientConfig('admin', ['system:masters']));
  ingressClient = new HttpKubeClient(await cp.clientConfig('system:k8ts:ingress', []));
  webPort = await backend('web');
  apiPort = await backend('api');
  const informers = createSharedInformerFactory(ingressClient);
  controller = new IngressController({ client: ingressClient, informers, logger: pino({ level: process.env.K8TS_TEST_LOG ?? 'silent' }) }, { nodeName: 'ing-node', nodeIP: '127.0.0.1', httpPort: 0, httpsPort: 0 });
  let listening!: () => void;
  const up = new Promise<void>((r) => (listening = r));
  const run = controller.run(stop.signal, listening);
  run.catch(() => undefined);
  closers.push(() => void run);
  await up;
  ports = controller.ports!;
});

after(async () => {
  stop.abort();
  await new Promise((r) => setTimeout(r, 200));
  for (const c of closers) c();
  ingressClient?.close();
  admin?.close();
  await cp?.stop();
});

test('the controller registers its listener as the k8ts-ingress endpoint and sets Ingress status from the Service', async () => {
  const slice = await eventually(async () => admin.get(R.endpointslices, 'kube-system', 'k8ts-ingress-ing-node').catch(() => undefined), 10_000, 'endpoint slice');
  assert.deepEqual((slice as any).endpoints.map((e: any) => [e.addresses[0], e.nodeName, e.conditions.ready]), [['127.0.0.1', 'ing-node', true]]);
  assert.deepEqual((slice as any).ports.map((p: any) => [p.name, p.port]), [['http', ports.http], ['https', ports.https]]);
  const cls = await admin.get(R.ingressclasses, '', 'k8ts');
  assert.equal(cls.metadata.annotations?.['ingressclass.kubernetes.io/is-default-class'], 'true');

  // What the service load balancer would write; the controller copies it to its Ingresses.
  const lb = await admin.get(R.services, 'kube-system', 'k8ts-ingress');
  assert.equal((lb as any).spec.type, 'LoadBalancer');
  await admin.update(R.services, 'kube-system', { ...lb, status: { loadBalancer: { ingress: [{ ip: '192.0.2.50', ipMode: 'VIP' }] } } } as KubeObject, { subresource: 'status' });
  await service('status-svc', [webPort]);
  await createIngress('status', { rules: [rule('status.test', [{ path: '/', service: 'status-svc' }])] });
  await eventually(async () => ((await admin.get(R.ingresses, NS, 'status')) as any).status?.loadBalancer?.ingress?.[0]?.ip === '192.0.2.50', 10_000, 'ingress status');
});

test('host and path routing with forwarded headers, 404 for unknown hosts, 503 without endpoints', async () => {
  await service('web', [webPort]);
  await service('api', [apiPort]);
  await service('empty', []);
  await createIngress('shop', { rules: [rule('shop.test', [{ path: '/', service: 'web' }, { path: '/api', service: 'api' }]), rule('down.test', [{ path: '/', service: 'empty' }])] });
  const r = await eventually(async () => {
    const x = await get('shop.test', '/api/items?x=1');
    return x.status === 200 ? x : undefined;
  }, 10_000, 'route programmed');
  assert.equal(r.body, 'api /api/items?x=1 http 127.0.0.1 shop.test');
  assert.equal((await get('shop.test', '/apix')).body.split(' ')[0], 'web');
  assert.equal((await get('shop.test:80', '/')).body.split(' ')[0], 'web');
  assert.equal((await get('nobody.test', '/')).status, 404);
  assert.equal((await get('down.test', '/')).status, 503);
});

test('keep-alive: one client connection carries several requests across a routing change', async () => {
  await eventually(async () => (await get('shop.test', '/')).status === 200, 10_000, 'shop routed');
  const first = await get('shop.test', '/', keepAlive);
  await createIngress('extra', { rules: [rule('extra.test', [{ path: '/', service: 'api' }])] });
  const second = await eventually(async () => {
    const x = await get('extra.test', '/', keepAlive);
    return x.status === 200 ? x : undefined;
  }, 10_000, 'new route on the same connection');
  assert.equal(second.body.split(' ')[0], 'api');
  assert.equal(first.socket, second.socket, 'the same TCP connection served both');
});

test('a refused endpoint is skipped: every request still succeeds', async () => {
  const closed = net.createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  const deadPort = (closed.address() as net.AddressInfo).port;
  closed.close();
  await service('flaky', [deadPort, webPort]);
  await createIngress('flaky', { rules: [rule('flaky.test', [{ path: '/', service: 'flaky' }])] });
  await eventually(async () => (await get('flaky.test', '/')).status === 200, 10_000, 'flaky routed');
  for (let i = 0; i < 6; i++) assert.equal((await get('flaky.test', `/${i}`)).status, 200);
});

test('rewrite-target with capture groups', async () => {
  await createIngress('rw', { rules: [rule('rw.test', [{ path: '/app(/|$)(.*)', service: 'web', pathType: 'ImplementationSpecific' }])] }, { 'nginx.ingress.kubernetes.io/rewrite-target': '/$2' });
  const r = await eventually(async () => {
    const x = await get('rw.test', '/app/deep/page?q=1');
    return x.status === 200 ? x : undefined;
  }, 10_000, 'rewrite route');
  assert.equal(r.body.split(' ').slice(0, 2).join(' '), 'web /deep/page?q=1');
});

test('TLS: two hosts get their own certificates by SNI, others the default; http redirects with 308', async () => {
  const ca = await createCA('test-ingress-ca');
  for (const host of ['one.test', 'two.test']) {
    const kp = await issueCertificate(ca, { commonName: host, dnsNames: [host], server: true });
    await admin.create(R.secrets, NS, { apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/tls', metadata: { name: `${host}-tls`, namespace: NS }, data: { 'tls.crt': Buffer.from(kp.certPem).toString('base64'), 'tls.key': Buffer.from(kp.keyPem).toString('base64') } } as KubeObject);
  }
  await createIngress('tls', {
    tls: [{ hosts: ['one.test'], secretName: 'one.test-tls' }, { hosts: ['two.test'], secretName: 'two.test-tls' }],
    rules: [rule('one.test', [{ path: '/', service: 'web' }]), rule('two.test', [{ path: '/', service: 'api' }])],
  });
  const one = await eventually(async () => {
    const x = await getTls('one.test', '/hello');
    return x.cn === 'one.test' ? x : undefined;
  }, 10_000, 'certificate for one.test');
  assert.equal(one.status, 200);
  assert.equal(one.body, 'web /hello https 127.0.0.1 one.test');
  const two = await getTls('two.test', '/');
  assert.equal(two.cn, 'two.test');
  assert.equal(two.body.split(' ')[0], 'api');
  assert.equal((await getTls('shop.test', '/')).cn, 'k8ts ingress default certificate');

  const redirect = await get('one.test', '/path?x=1');
  assert.equal(redirect.status, 308);
  assert.equal(redirect.headers.location, `https://one.test:${ports.https}/path?x=1`);
});

test('ssl-passthrough: the backend terminates TLS itself', async () => {
  const ca = await createCA('passthrough-ca');
  const kp = await issueCertificate(ca, { commonName: 'backend.pass.test', dnsNames: ['pass.test'], server: true });
  const tlsBackend = https.createServer({ cert: kp.certPem, key: kp.keyPem }, (req, res) => res.end(`tls-backend ${req.url}`));
  await new Promise<void>((r) => tlsBackend.listen(0, '127.0.0.1', r));
  closers.push(() => {
    tlsBackend.closeAllConnections();
    tlsBackend.close();
  });
  await service('secure', [(tlsBackend.address() as net.AddressInfo).port]);
  await createIngress('pass', { rules: [rule('pass.test', [{ path: '/', service: 'secure' }])] }, { 'nginx.ingress.kubernetes.io/ssl-passthrough': 'true' });
  const r = await eventually(async () => {
    const x = await getTls('pass.test', '/raw');
    return x.cn === 'backend.pass.test' ? x : undefined;
  }, 10_000, 'passthrough');
  assert.equal(r.body, 'tls-backend /raw');
  // Terminated hosts still work while passthrough peeks at every ClientHello.
  assert.equal((await getTls('one.test', '/')).cn, 'one.test');
});

test('WebSocket upgrade passes through', async () => {
  await createIngress('ws', { rules: [rule('ws.test', [{ path: '/', service: 'web' }])] });
  await eventually(async () => (await get('ws.test', '/')).status === 200, 10_000, 'ws routed');
  const ws = new WebSocket(`ws://127.0.0.1:${ports.http}/socket`, { headers: { host: 'ws.test' } });
  const reply = await new Promise<string>((resolve, reject) => {
    ws.on('open', () => ws.send('ping'));
    ws.on('message', (m) => resolve(String(m)));
    ws.on('error', reject);
  });
  ws.close();
  assert.equal(reply, 'web echo ping');
});

test('an Upgrade to a backend that refuses every connection gets 502', async () => {
  const closed = net.createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  const deadPort = (closed.address() as net.AddressInfo).port;
  closed.close();
  await service('dead', [deadPort]);
  await createIngress('dead', { rules: [rule('dead.test', [{ path: '/', service: 'dead' }])] });
  await eventually(async () => (await get('dead.test', '/')).status === 502, 10_000, 'dead routed');
  const reply = await new Promise<string>((resolve, reject) => {
    const s = net.connect(ports.http, '127.0.0.1', () => s.write('GET / HTTP/1.1\r\nHost: dead.test\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n'));
    let got = '';
    s.on('data', (d) => (got += d));
    s.on('close', () => resolve(got));
    s.on('error', reject);
  });
  assert.match(reply, /^HTTP\/1\.1 502 /);
});

test('a controller that stops takes its node out of k8ts-ingress', async () => {
  const client = new HttpKubeClient(await cp.clientConfig('system:k8ts:ingress', []));
  const ac = new AbortController();
  const second = new IngressController({ client, informers: createSharedInformerFactory(client), logger: pino({ level: 'silent' }) }, { nodeName: 'ing-node-2', nodeIP: '127.0.0.1', httpPort: 0, httpsPort: 0 });
  const run = second.run(ac.signal);
  await eventually(async () => admin.get(R.endpointslices, 'kube-system', 'k8ts-ingress-ing-node-2').catch(() => undefined), 10_000, 'second endpoint');
  ac.abort();
  await run;
  client.close();
  await assert.rejects(admin.get(R.endpointslices, 'kube-system', 'k8ts-ingress-ing-node-2'), /not found/);
  // The first node is still registered.
  await admin.get(R.endpointslices, 'kube-system', 'k8ts-ingress-ing-node');
});

test('a request in flight while the routing table changes completes', async () => {
  const slow = http.createServer((_req, res) => setTimeout(() => res.end('slow done'), 400));
  await new Promise<void>((r) => slow.listen(0, '127.0.0.1', r));
  closers.push(() => {
    slow.closeAllConnections();
    slow.close();
  });
  await service('slow', [(slow.address() as net.AddressInfo).port]);
  await createIngress('slow', { rules: [rule('slow.test', [{ path: '/', service: 'slow' }])] });
  await eventually(async () => (await get('slow.test', '/')).status === 200, 10_000, 'slow routed');
  const inFlight = get('slow.test', '/');
  // Several rebuilds land while the backend is still answering, including one removing the route.
  await createIngress('churn', { rules: [rule('churn.test', [{ path: '/', service: 'web' }])] });
  await admin.delete(R.ingresses, NS, 'slow');
  const r = await inFlight;
  assert.equal(r.status, 200);
  assert.equal(r.body, 'slow done');
  await eventually(async () => (await get('slow.test', '/')).status === 404, 10_000, 'route gone for new requests');
});
