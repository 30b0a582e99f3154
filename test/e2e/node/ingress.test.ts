// LoadBalancer Services and the built-in ingress controller on a real node, driven by the real
// kubectl: a LoadBalancer Service's EXTERNAL-IP appearing in `kubectl get svc -w` and answering;
// Ingress host and path routing to two nginx deployments serving different content; TLS for two
// hosts chosen by SNI from `kubectl create secret tls` Secrets; ssl-passthrough; ssl-redirect;
// rewrite-target; 503 without endpoints; an Upgrade request passed through to a raw echo backend.
// Requests go from this process to the node address on the ingress ports (80/443) with the Host
// header and SNI set. Everything lives in one namespace of this file's own, deleted at the end.
import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import { Duplex } from 'node:stream';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { nodeClusterUnavailable, useNodeCluster, type NodeCluster } from '../../support/node-cluster.js';
import { createCA, issueCertificate, type CertificateAuthority } from '../../../src/pki/ca.js';
import { PodNamespace, waitFor, type Json } from './pod-helpers.js';

const skip = nodeClusterUnavailable();
let cluster: NodeCluster;
let ns: PodNamespace;
let ca: CertificateAuthority;
let certDir: string;
const host = (name: string) => `${name}.${ns.name}.test`;
const lbPort = 20000 + Math.floor(Math.random() * 9000);

/** nginx-image pods serving `name` at / and `name-api` at /api/. */
function site(name: string): Json[] {
  const script = `mkdir -p /www/api && echo ${name} > /www/index.html && echo ${name}-api > /www/api/index.html && exec httpd -f -p 80 -h /www`;
  return [
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: name } },
        template: { metadata: { labels: { app: name } }, spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'web', image: 'nginx', command: ['sh', '-c', script], ports: [{ name: 'http', containerPort: 80 }] }] } },
      },
    },
    { apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { selector: { app: name }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] } },
  ];
}

/** A busybox pod answering every connection on port with `greeting` and then echoing what it gets. */
function rawEcho(name: string, port: number, greeting: string): Json[] {
  return [
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, labels: { app: name } },
      spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'nc', image: 'busybox', command: ['nc', '-ll', '-p', String(port), '-e', 'sh', '-c', `printf '${greeting}'; exec cat`] }] },
    },
    { apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { selector: { app: name }, ports: [{ port: 80, targetPort: port }] } },
  ];
}

const pathRule = (h: string, paths: [string, string][], pathType = 'Prefix') => ({
  host: h,
  http: { paths: paths.map(([p, svc]) => ({ path: p, pathType, backend: { service: { name: svc, port: { number: 80 } } } })) },
});

function ingress(name: string, spec: Json, annotations: Json = {}): Json {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name, annotations }, spec };
}

interface Reply {
  status: number;
  body: string;
  headers: http.IncomingHttpHeaders;
}

function httpGet(hostHeader: string, urlPath: string, port = 80): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: cluster.nodeIP, port, path: urlPath, headers: { host: hostHeader }, agent: false, timeout: 5000 }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, body, headers: res.headers }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

/** HTTPS with SNI = servername, verified against the test CA (so the right certificate is asserted). */
function httpsGet(servername: string, urlPath: string): Promise<Reply & { cn: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request({ host: cluster.nodeIP, port: 443, path: urlPath, servername, headers: { host: servername }, ca: ca.certPem, agent: false, timeout: 5000 }, (res) => {
      const cn = String((res.socket as tls.TLSSocket).getPeerCertificate().subject?.CN ?? '');
      let body = '';
      res.on('data', (d: Buffer) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, body, headers: res.headers, cn }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

/** Sends bytes to the node on port and collects what comes back until `until` matches or the peer closes. */
function rawExchange(port: number, chunks: Buffer[], until: RegExp, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: cluster.nodeIP, port });
    let got = '';
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`no ${until} within ${timeoutMs} ms; got ${JSON.stringify(got)}`));
    }, timeoutMs);
    sock.on('connect', () => {
      for (const c of chunks) sock.write(c);
    });
    sock.on('data', (d) => {
      got += d.toString('latin1');
      if (until.test(got)) {
        clearTimeout(timer);
        sock.destroy();
        resolve(got);
      }
    });
    sock.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    sock.on('close', () => {
      clearTimeout(timer);
      resolve(got);
    });
  });
}

/** The ClientHello a TLS client sends for servername, captured in memory. */
function clientHello(servername: string): Promise<Buffer> {
  return new Promise((resolve) => {
    const wire = new Duplex({
      read() {},
      write(chunk: Buffer, _e, cb) {
        cb();
        resolve(chunk);
      },
    });
    const s = tls.connect({ socket: wire, servername, rejectUnauthorized: false });
    s.on('error', () => undefined);
    setTimeout(() => s.destroy(), 100);
  });
}

async function tlsSecret(name: string, hostname: string): Promise<void> {
  const kp = await issueCertificate(ca, { commonName: hostname, dnsNames: [hostname], server: true });
  const crt = path.join(certDir, `${name}.crt`);
  const key = path.join(certDir, `${name}.key`);
  writeFileSync(crt, kp.certPem);
  writeFileSync(key, kp.keyPem);
  await ns.k(['create', 'secret', 'tls', name, `--cert=${crt}`, `--key=${key}`]);
}

/** Polls a request until check accepts it (the controller applies changes asynchronously). */
function until<T>(what: string, fn: () => Promise<T>, check: (r: T) => boolean, ms = 30_000): Promise<T> {
  return waitFor(what, async () => {
    const r = await fn();
    if (check(r)) return r;
    throw new Error(`last: ${JSON.stringify(r).slice(0, 300)}`);
  }, ms, 300);
}

before(async () => {
  if (skip) return;
  cluster = await useNodeCluster();
  ns = await PodNamespace.create(cluster, 'e2e-ing');
  ca = await createCA('e2e-ingress-ca');
  certDir = mkdtempSync(path.join(tmpdir(), 'k8ts-ing-'));
  await ns.apply([...site('alpha'), ...site('beta'), ...rawEcho('echo', 8080, 'HTTP/1.1 101 Switching Protocols\\r\\nUpgrade: echo\\r\\nConnection: Upgrade\\r\\n\\r\\n'), ...rawEcho('tlsraw', 8443, 'PASSTHROUGH-OK\\n')]);
  await ns.apply({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'nobody' }, spec: { selector: { app: 'nobody' }, ports: [{ port: 80 }] } });
  for (const d of ['alpha', 'beta']) await ns.k(['rollout', 'status', `deployment/${d}`, '--timeout=120s'], { timeoutMs: 130_000 });
  await ns.waitStatus('echo', /^Running$/, 120_000);
  await ns.waitStatus('tlsraw', /^Running$/, 120_000);
});

after(async () => {
  if (skip || !cluster) return;
  try {
    if (ns) await ns.destroy();
  } finally {
    if (certDir) rmSync(certDir, { recursive: true, force: true });
    await cluster.stop();
  }
});

describe('LoadBalancer Services and Ingress on a real node', { skip }, () => {
  test('the k8ts IngressClass is the default and k8ts-ingress has the node address', async () => {
    const cls = JSON.parse((await cluster.kubectl(['get', 'ingressclass', 'k8ts', '-o', 'json'])).stdout) as Json;
    assert.equal(cls.spec.controller, 'k8ts.io/ingress-controller');
    assert.equal(cls.metadata.annotations['ingressclass.kubernetes.io/is-default-class'], 'true');
    await until(
      'k8ts-ingress EXTERNAL-IP',
      async () => (await cluster.kubectl(['get', 'svc', '-n', 'kube-system', 'k8ts-ingress', '--no-headers'])).stdout,
      (row) => row.split(/\s+/)[3] === cluster.nodeIP,
    );
    const slice = JSON.parse((await cluster.kubectl(['get', 'endpointslice', '-n', 'kube-system', `k8ts-ingress-${cluster.nodeName}`, '-o', 'json'])).stdout) as Json;
    assert.deepEqual(slice.endpoints[0].addresses, [cluster.nodeIP]);
  });

  test('a LoadBalancer Service: EXTERNAL-IP appears in `kubectl get svc -w`, and it answers', async () => {
    await ns.apply({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'lb' }, spec: { type: 'LoadBalancer', selector: { app: 'alpha' }, ports: [{ port: lbPort, targetPort: 80 }] } });
    const watch = cluster.kubectlStream(['get', 'svc', 'lb', '-n', ns.name, '-w']);
    try {
      const line = await watch.waitForLine(new RegExp(`^lb\\s+LoadBalancer\\s+\\S+\\s+${cluster.nodeIP.replace(/\./g, '\\.')}\\s+${lbPort}:`), 30_000);
      assert.match(line, /LoadBalancer/);
    } finally {
      await watch.stop();
    }
    const svc = await ns.json('service/lb');
    assert.deepEqual(svc.status.loadBalancer.ingress, [{ ip: cluster.nodeIP, ipMode: 'VIP' }]);
    // Traffic to LBIP:port is DNATed by the service proxy to the endpoints.
    const r = await until('alpha through the load balancer address', () => httpGet('lb', '/', lbPort).catch((e: Error) => ({ status: 0, body: e.message, headers: {} })), (x) => x.status === 200);
    assert.equal(r.body.trim(), 'alpha');
  });

  test('host and path routing to two deployments; unknown hosts 404; status shows the address', async () => {
    await ns.apply(
      ingress('sites', {
        ingressClassName: 'k8ts',
        rules: [pathRule(host('alpha'), [['/', 'alpha']]), pathRule(host('beta'), [['/', 'beta']]), pathRule(host('both'), [['/', 'alpha'], ['/api', 'beta']])],
      }),
    );
    const a = await until('alpha by host', () => httpGet(host('alpha'), '/'), (r) => r.status === 200);
    assert.equal(a.body.trim(), 'alpha');
    assert.equal((await httpGet(host('beta'), '/')).body.trim(), 'beta');
    assert.equal((await httpGet(host('both'), '/')).body.trim(), 'alpha');
    assert.equal((await httpGet(host('both'), '/api/')).body.trim(), 'beta-api');
    assert.equal((await httpGet(`nothing.${ns.name}.test`, '/')).status, 404);
    await until('ingress ADDRESS', async () => (await ns.k(['get', 'ingress', 'sites', '--no-headers'])).stdout, (row) => row.split(/\s+/)[3] === cluster.nodeIP);
  });

  test('503 for a backend without endpoints', async () => {
    await ns.apply(ingress('empty', { rules: [pathRule(host('empty'), [['/', 'nobody']])] }));
    await until('503', () => httpGet(host('empty'), '/'), (r) => r.status === 503);
  });

  test('TLS: two hosts, each with its certificate by SNI; http redirects to https with 308', async () => {
    await tlsSecret('one-tls', host('one'));
    await tlsSecret('two-tls', host('two'));
    await ns.apply(
      ingress('tls', {
        tls: [{ hosts: [host('one')], secretName: 'one-tls' }, { hosts: [host('two')], secretName: 'two-tls' }],
        rules: [pathRule(host('one'), [['/', 'alpha']]), pathRule(host('two'), [['/', 'beta']])],
      }),
    );
    const one = await until('one over TLS', () => httpsGet(host('one'), '/').catch((e: Error) => ({ status: 0, body: e.message, headers: {}, cn: '' })), (r) => r.status === 200);
    assert.equal(one.cn, host('one'));
    assert.equal(one.body.trim(), 'alpha');
    const two = await httpsGet(host('two'), '/api/');
    assert.equal(two.cn, host('two'));
    assert.equal(two.body.trim(), 'beta-api');
    const redirect = await httpGet(host('one'), '/api/?x=1');
    assert.equal(redirect.status, 308);
    assert.equal(redirect.headers.location, `https://${host('one')}/api/?x=1`);
  });

  test('ssl-passthrough: the raw TLS stream reaches the backend untouched', async () => {
    await ns.apply(ingress('pass', { rules: [pathRule(host('pass'), [['/', 'tlsraw']])] }, { 'nginx.ingress.kubernetes.io/ssl-passthrough': 'true' }));
    const hello = await clientHello(host('pass'));
    // The backend greets and echoes: the ClientHello arrives byte for byte, no TLS was terminated.
    const got = await until('passthrough', () => rawExchange(443, [hello], /PASSTHROUGH-OK\n[\s\S]+/).catch((e: Error) => e.message), (g) => g.startsWith('PASSTHROUGH-OK\n'));
    assert.equal(Buffer.from(got.slice('PASSTHROUGH-OK\n'.length), 'latin1').subarray(0, hello.length).equals(hello), true);
  });

  test('rewrite-target with capture groups', async () => {
    await ns.apply(
      ingress('rw', { rules: [pathRule(host('rw'), [['/shop(/|$)(.*)', 'alpha']], 'ImplementationSpecific')] }, { 'nginx.ingress.kubernetes.io/rewrite-target': '/$2', 'nginx.ingress.kubernetes.io/use-regex': 'true' }),
    );
    const r = await until('rewritten', () => httpGet(host('rw'), '/shop/api/'), (x) => x.status === 200);
    assert.equal(r.body.trim(), 'alpha-api');
  });

  test('an Upgrade request becomes a raw two-way stream to the backend', async () => {
    await ns.apply(ingress('up', { rules: [pathRule(host('up'), [['/', 'echo']])] }));
    const head = Buffer.from(`GET /chat HTTP/1.1\r\nHost: ${host('up')}\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n`);
    const got = await until('upgrade', () => rawExchange(80, [head, Buffer.from('after-upgrade\n')], /after-upgrade/).catch((e: Error) => e.message), (g) => g.startsWith('HTTP/1.1 101 Switching Protocols\r\n'));
    // The backend saw the request line and the forwarded Upgrade headers, then the bytes that followed.
    assert.match(got, /GET \/chat HTTP\/1\.1\r\n/);
    assert.match(got, /upgrade: echo\r\n/i);
    assert.match(got, /after-upgrade/);
  });
});
