// Ingress controller data path: requests/s and latency through the built-in ingress proxy
// (src/ingress/proxy-server.ts, with a routing table of many Ingresses) versus straight to the
// backend, which stands in for the pod IP. The backend, the proxy and the load client each run in
// their own process on loopback, so the proxy's event loop is measured alone. Figures: HTTP/1.1
// keep-alive (the usual client), a new connection per request, and HTTPS terminated by the proxy;
// the ratio proxied/direct is the headline; the proxy's memory after the run.
// Run: node --import tsx bench/ingress.ts [--quick]
import { fork, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import type { KubeObject } from '../src/api/object.js';
import { IngressProxy } from '../src/ingress/proxy-server.js';
import { buildRoutingTable } from '../src/ingress/routing-table.js';
import { createCA, issueCertificate } from '../src/pki/ca.js';
import { Samples, summarize, type LatencySummary } from './lib/stats.js';

const quick = process.argv.includes('--quick');
const SECONDS = quick ? 3 : 8;
const CONCURRENCY = 32;
const INGRESSES = 500;
const role = process.argv.find((a) => a.startsWith('--role='))?.slice(7);

type Msg = { port?: number; https?: number; rssMb?: number; heapMb?: number };

/** The stand-in pod: a small fixed response. */
async function backend(): Promise<void> {
  const body = Buffer.from('hello from the backend\n');
  const server = http.createServer({ keepAlive: true }, (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length });
    res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  process.send!({ port: (server.address() as AddressInfo).port } satisfies Msg);
}

/** The ingress proxy with INGRESSES Ingresses (one host each) in its table, all on the backend. */
async function proxy(backendPort: number): Promise<void> {
  const ingresses: KubeObject[] = [];
  for (let i = 0; i < INGRESSES; i++) {
    ingresses.push({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: `ing-${i}`, namespace: 'bench', creationTimestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString() },
      spec: {
        ingressClassName: 'k8ts',
        tls: i === 0 ? [{ hosts: ['site-0.bench.test'], secretName: 'tls' }] : undefined,
        rules: [{ host: `site-${i}.bench.test`, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }, { path: `/api/v${i % 3}`, pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } }],
      },
    } as unknown as KubeObject);
  }
  const ca = await createCA('bench-ca');
  const kp = await issueCertificate(ca, { commonName: 'site-0.bench.test', dnsNames: ['site-0.bench.test'], server: true });
  const svc = { metadata: { name: 'web', namespace: 'bench' }, spec: { ports: [{ name: 'http', port: 80 }] } } as unknown as KubeObject;
  const slice = { metadata: { name: 'web-1', namespace: 'bench' }, addressType: 'IPv4', ports: [{ name: 'http', port: backendPort, protocol: 'TCP' }], endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: true } }] } as unknown as KubeObject;
  const secret = { type: 'kubernetes.io/tls', metadata: { name: 'tls', namespace: 'bench', resourceVersion: '1' }, data: { 'tls.crt': Buffer.from(kp.certPem).toString('base64'), 'tls.key': Buffer.from(kp.keyPem).toString('base64') } } as unknown as KubeObject;
  const t0 = performance.now();
  const table = buildRoutingTable({
    ingresses,
    ingressClasses: [{ metadata: { name: 'k8ts' }, spec: { controller: 'k8ts.io/ingress-controller' } } as unknown as KubeObject],
    service: (ns, n) => (ns === 'bench' && n === 'web' ? svc : undefined),
    endpointSlices: (ns, n) => (ns === 'bench' && n === 'web' ? [slice] : []),
    secret: (ns, n) => (ns === 'bench' && n === 'tls' ? secret : undefined),
  });
  const buildMs = performance.now() - t0;
  const p = new IngressProxy({ address: '127.0.0.1', httpPort: 0, httpsPort: 0, defaultCertificate: kp, logger: pino({ level: 'silent' }) });
  p.setTable(table);
  await p.listen(new AbortController().signal);
  process.send!({ port: p.ports.http, https: p.ports.https, heapMb: buildMs } satisfies Msg);
  process.on('message', () => {
    const m = process.memoryUsage();
    process.send!({ rssMb: m.rss / 1e6, heapMb: m.heapUsed / 1e6 } satisfies Msg);
  });
}

function child(args: string[]): Promise<{ proc: ChildProcess; first: Msg }> {
  const proc = fork(fileURLToPath(import.meta.url), args, { execArgv: process.execArgv, stdio: 'inherit' });
  return new Promise((resolve, reject) => {
    proc.once('message', (m) => resolve({ proc, first: m as Msg }));
    proc.once('exit', (code) => reject(new Error(`bench child ${args.join(' ')} exited ${code}`)));
  });
}

interface Target {
  port: number;
  tls?: boolean;
  host: string;
  keepAlive: boolean;
}

/** CONCURRENCY closed loops for SECONDS; latency per request. */
async function load(t: Target): Promise<LatencySummary> {
  const mod = t.tls ? https : http;
  const agent = t.keepAlive ? new mod.Agent({ keepAlive: true, maxSockets: CONCURRENCY }) : false;
  const samples = new Samples();
  let errors = 0;
  const end = performance.now() + SECONDS * 1000;
  const one = () =>
    new Promise<void>((resolve) => {
      const start = performance.now();
      const req = mod.request({ host: '127.0.0.1', port: t.port, path: '/api/v1/items', headers: { host: t.host }, agent, servername: t.tls ? t.host : undefined, rejectUnauthorized: false }, (res) => {
        res.resume();
        res.on('end', () => {
          if (res.statusCode === 200) samples.push(performance.now() - start);
          else errors++;
          resolve();
        });
      });
      req.on('error', () => {
        errors++;
        resolve();
      });
      req.end();
    });
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < end) await one();
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  if (agent) agent.destroy();
  return summarize(samples.view(), seconds, errors);
}

const fmt = (s: LatencySummary) => `${s.opsPerSec.toFixed(0).padStart(7)} req/s   p50 ${s.p50ms.toFixed(2).padStart(6)} ms   p99 ${s.p99ms.toFixed(2).padStart(6)} ms   errors ${s.errors}`;

async function main(): Promise<void> {
  const be = await child(['--role=backend']);
  const px = await child(['--role=proxy', `--backend-port=${be.first.port}`]);
  try {
    console.log(`ingress proxy: ${INGRESSES} Ingresses in the routing table (built in ${px.first.heapMb!.toFixed(1)} ms), ${CONCURRENCY} concurrent clients, ${SECONDS} s per run`);
    const rows: [string, LatencySummary, LatencySummary][] = [];
    for (const keepAlive of [true, false]) {
      const direct = await load({ port: be.first.port!, host: 'pod', keepAlive });
      const proxied = await load({ port: px.first.port!, host: 'site-250.bench.test', keepAlive });
      rows.push([keepAlive ? 'HTTP keep-alive' : 'HTTP new connection each', direct, proxied]);
    }
    const direct = rows[0]![1];
    const tlsProxied = await load({ port: px.first.https!, tls: true, host: 'site-0.bench.test', keepAlive: true });
    for (const [name, d, p] of rows) {
      console.log(`\n${name}`);
      console.log(`  straight to the backend   ${fmt(d)}`);
      console.log(`  through the ingress       ${fmt(p)}`);
      console.log(`  ratio ingress/direct      ${(p.opsPerSec / d.opsPerSec).toFixed(2)} of the requests/s, p99 x${(p.p99ms / d.p99ms).toFixed(2)}`);
    }
    console.log('\nHTTPS keep-alive, TLS terminated by the ingress (backend over plain HTTP)');
    console.log(`  through the ingress       ${fmt(tlsProxied)}`);
    console.log(`  ratio to direct HTTP      ${(tlsProxied.opsPerSec / direct.opsPerSec).toFixed(2)} of the requests/s`);
    const mem = await new Promise<Msg>((resolve) => {
      px.proc.once('message', (m) => resolve(m as Msg));
      px.proc.send('memory');
    });
    console.log(`\ningress proxy process after the runs: rss ${mem.rssMb!.toFixed(0)} MB, heap ${mem.heapMb!.toFixed(0)} MB`);
  } finally {
    be.proc.kill();
    px.proc.kill();
  }
}

if (role === 'backend') await backend();
else if (role === 'proxy') await proxy(Number(process.argv.find((a) => a.startsWith('--backend-port='))!.slice(15)));
else await main();
