// The service proxy against the real kernel: it programs its nftables table in a throwaway
// network namespace ("node") and traffic flows from a "client" namespace to a "pod" namespace
// through ClusterIPs, and from the node itself through a NodePort on 127.0.0.1. The informers are
// in-memory fakes fed by the test, so each step (scale-up, affinity, no endpoints) is exact.
// Needs root, `ip` and `nft`. Every namespace is created and removed by this file.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { after, before, test } from 'node:test';
import type { KubeObject } from '../../src/api/object.js';
import { findBinary } from '../../src/kubelet/containerd/prerequisites.js';
import { enableRouteLocalnet, nftRunner, runCommand } from '../../src/proxy/nft.js';
import { ServiceProxy, type SyncReport } from '../../src/proxy/service-proxy.js';
import { FakeInformers } from '../unit/proxy-fakes.js';

const skip = process.getuid?.() !== 0 ? 'needs root' : !findBinary('nft') || !findBinary('ip') ? 'needs nft and ip' : undefined;

const id = `${process.pid}-${Math.floor(Math.random() * 1e6)}`;
const NODE_NS = `k8tsprx-node-${id}`;
const POD_NS = `k8tsprx-pod-${id}`;
const CLIENT_NS = `k8tsprx-cli-${id}`;
const TABLE = 'k8ts-proxy-test';
const POD_A = '10.244.1.2';
const POD_B = '10.244.1.3';
const CLIENT = '10.244.2.2';

async function sh(cmd: string, ...args: string[]): Promise<string> {
  const r = await runCommand(cmd, args);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr.trim()}`);
  return r.stdout;
}

/** Runs a node script inside a namespace and returns its stdout. */
async function nodeIn(ns: string, script: string): Promise<string> {
  const r = await runCommand('ip', ['netns', 'exec', ns, process.execPath, '-e', script], '', 20_000);
  if (r.code !== 0) throw new Error(`script in ${ns} failed: ${r.stderr.trim()}`);
  return r.stdout.trim();
}

/** HTTP GETs from a namespace; each result is the body or "ERR <code> <ms>". */
function httpGets(ns: string, url: string, n: number): Promise<string[]> {
  const script = `
    const http = require('node:http');
    (async () => {
      const out = [];
      for (let i = 0; i < ${n}; i++) {
        const t0 = Date.now();
        out.push(await new Promise((resolve) => {
          const req = http.get(${JSON.stringify(url)}, { agent: false, timeout: 3000 }, (res) => {
            let b = ''; res.on('data', (d) => (b += d)); res.on('end', () => resolve(b));
          });
          req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
          req.on('error', (e) => resolve('ERR ' + e.code + ' ' + (Date.now() - t0)));
        }));
      }
      console.log(JSON.stringify(out));
    })();`;
  return nodeIn(ns, script).then((s) => JSON.parse(s) as string[]);
}

let backends: ChildProcess | undefined;
let proxyAbort: AbortController | undefined;
let proxyDone: Promise<void> | undefined;
const informers = new FakeInformers();
let proxy: ServiceProxy;
const reports: SyncReport[] = [];

function service(name: string, spec: Record<string, unknown>): KubeObject {
  return { metadata: { namespace: 'default', name }, spec };
}
function slice(service: string, ips: string[], ports: { name?: string; port: number; protocol?: string }[]): KubeObject {
  return {
    metadata: { namespace: 'default', name: `${service}-x`, labels: { 'kubernetes.io/service-name': service } },
    addressType: 'IPv4',
    endpoints: ips.map((ip) => ({ addresses: [ip], conditions: { ready: true }, nodeName: 'node-a' })),
    ports: ports.map((p) => ({ name: p.name ?? '', port: p.port, protocol: p.protocol ?? 'TCP' })),
  };
}

/** Waits until the proxy programmed something after `since` reports. */
async function programmed(since: number, timeoutMs = 3000): Promise<SyncReport> {
  const t0 = Date.now();
  while (reports.length <= since) {
    if (Date.now() - t0 > timeoutMs) throw new Error('the proxy did not program the change');
    await new Promise((r) => setTimeout(r, 5));
  }
  return reports[reports.length - 1]!;
}

before(async () => {
  if (skip) return;
  for (const ns of [NODE_NS, POD_NS, CLIENT_NS]) await sh('ip', 'netns', 'add', ns);
  // node <-> pod and node <-> client veth pairs, created inside the namespaces (no host names used)
  await sh('ip', '-n', NODE_NS, 'link', 'add', 'vpod', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', POD_NS);
  await sh('ip', '-n', NODE_NS, 'link', 'add', 'vcli', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', CLIENT_NS);
  const cmds: string[][] = [
    [NODE_NS, 'addr', 'add', '10.244.1.1/24', 'dev', 'vpod'],
    [NODE_NS, 'addr', 'add', '10.244.2.1/24', 'dev', 'vcli'],
    [POD_NS, 'addr', 'add', `${POD_A}/24`, 'dev', 'eth0'],
    [POD_NS, 'addr', 'add', `${POD_B}/24`, 'dev', 'eth0'],
    [CLIENT_NS, 'addr', 'add', `${CLIENT}/24`, 'dev', 'eth0'],
  ];
  for (const [ns, ...args] of cmds) await sh('ip', '-n', ns!, ...args);
  for (const [ns, dev] of [[NODE_NS, 'lo'], [NODE_NS, 'vpod'], [NODE_NS, 'vcli'], [POD_NS, 'lo'], [POD_NS, 'eth0'], [CLIENT_NS, 'lo'], [CLIENT_NS, 'eth0']]) {
    await sh('ip', '-n', ns!, 'link', 'set', dev!, 'up');
  }
  await sh('ip', '-n', POD_NS, 'route', 'add', 'default', 'via', '10.244.1.1');
  await sh('ip', '-n', CLIENT_NS, 'route', 'add', 'default', 'via', '10.244.2.1');
  await sh('ip', 'netns', 'exec', NODE_NS, 'sysctl', '-q', '-w', 'net.ipv4.ip_forward=1');
  // The "pod": HTTP on 8080 and UDP echo on 5353, both answering with the address they were reached on.
  backends = spawn(
    'ip',
    [
      'netns', 'exec', POD_NS, process.execPath, '-e',
      `require('node:http').createServer((q, s) => s.end(q.socket.localAddress)).listen(8080, '0.0.0.0');
       const u = require('node:dgram').createSocket('udp4');
       u.on('message', (m, r) => u.send('udp:' + m, r.port, r.address)); u.bind(5353, '0.0.0.0');
       setTimeout(() => console.log('ready'), 100);`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise<void>((resolve) => backends!.stdout!.once('data', () => resolve()));

  proxy = new ServiceProxy(
    { informers, nft: nftRunner({ netns: NODE_NS }), logger: { debug() {}, info() {}, warn: (o, m) => console.error(m, o), error: (o, m) => console.error(m, o) } },
    { table: TABLE, nodeName: 'node-a', clusterCIDR: '10.244.0.0/16', removeOnStop: true, syncDelayMs: 10, prepare: () => enableRouteLocalnet(NODE_NS) },
  );
  proxy.onSync((r) => reports.push(r));
  informers.of('services').set(service('web', { type: 'NodePort', clusterIP: '10.96.0.10', ports: [{ name: 'http', port: 80, nodePort: 30080 }] }));
  informers.of('endpointslices').set(slice('web', [POD_A], [{ name: 'http', port: 8080 }]));
  informers.of('services').set(service('empty', { clusterIP: '10.96.0.11', ports: [{ port: 80 }] }));
  proxyAbort = new AbortController();
  proxyDone = proxy.run(proxyAbort.signal);
  await programmed(0);
});

after(async () => {
  if (skip) return;
  proxyAbort?.abort();
  await proxyDone?.catch(() => undefined);
  backends?.kill();
  for (const ns of [NODE_NS, POD_NS, CLIENT_NS]) await runCommand('ip', ['netns', 'del', ns]);
});

test('the table holds the verdict maps and the Service chains', { skip }, async () => {
  const table = await nftRunner({ netns: NODE_NS }).listTable(TABLE);
  assert.ok(table);
  assert.match(table, /10\.96\.0\.10 \. tcp \. 80 : goto svc-\w+-default\/web\/tcp\/http/);
  assert.match(table, /tcp \. 30080 : goto ext-\w+-default\/web\/tcp\/http/);
  assert.match(table, /10\.96\.0\.11 \. tcp \. 80 : goto reject-chain/);
  assert.match(table, /dnat to 10\.244\.1\.2:8080/);
  assert.equal(await nftRunner({ netns: NODE_NS }).hasTable(TABLE), true);
});

test('a client reaches the pod through the ClusterIP at the named targetPort', { skip }, async () => {
  assert.deepEqual(await httpGets(CLIENT_NS, 'http://10.96.0.10/', 3), [POD_A, POD_A, POD_A]);
});

test('the node reaches a NodePort on 127.0.0.1', { skip }, async () => {
  assert.deepEqual(await httpGets(NODE_NS, 'http://127.0.0.1:30080/', 2), [POD_A, POD_A]);
});

test('a Service without endpoints is refused at once', { skip }, async () => {
  const [r] = await httpGets(CLIENT_NS, 'http://10.96.0.11/', 1);
  const m = /^ERR (\w+) (\d+)$/.exec(r!);
  assert.ok(m, `expected an error, got ${r}`);
  assert.equal(m[1], 'ECONNREFUSED');
  assert.ok(Number(m[2]) < 1000, `refused after ${m[2]} ms`);
});

test('a new endpoint is programmed incrementally within a second and gets traffic', { skip }, async () => {
  const n = reports.length;
  const t0 = performance.now();
  informers.of('endpointslices').set(slice('web', [POD_A, POD_B], [{ name: 'http', port: 8080 }]));
  const r = await programmed(n);
  const ms = performance.now() - t0;
  assert.equal(r.full, false);
  assert.ok(ms < 1000, `programmed after ${ms.toFixed(0)} ms`);
  const seen = new Set(await httpGets(CLIENT_NS, 'http://10.96.0.10/', 40));
  assert.deepEqual([...seen].sort(), [POD_A, POD_B]);
});

test('sessionAffinity ClientIP keeps a client on one endpoint', { skip }, async () => {
  const n = reports.length;
  informers.of('services').set(
    service('web', { type: 'NodePort', clusterIP: '10.96.0.10', sessionAffinity: 'ClientIP', ports: [{ name: 'http', port: 80, nodePort: 30080 }] }),
  );
  await programmed(n);
  const got = await httpGets(CLIENT_NS, 'http://10.96.0.10/', 20);
  assert.equal(new Set(got).size, 1, `answers came from ${[...new Set(got)].join(', ')}`);
});

test('UDP through a ClusterIP', { skip }, async () => {
  const n = reports.length;
  informers.of('services').set(service('dns', { clusterIP: '10.96.0.53', ports: [{ name: 'dns', port: 53, protocol: 'UDP' }] }));
  informers.of('endpointslices').set(slice('dns', [POD_A], [{ name: 'dns', port: 5353, protocol: 'UDP' }]));
  await programmed(n);
  const out = await nodeIn(
    CLIENT_NS,
    `const s = require('node:dgram').createSocket('udp4');
     s.on('message', (m) => { console.log(String(m)); s.close(); });
     s.send('ping', 53, '10.96.0.53');
     setTimeout(() => { console.log('timeout'); process.exit(0); }, 2000).unref();`,
  );
  assert.equal(out, 'udp:ping');
});

test('deleting a Service removes its rules; stopping removes the table', { skip }, async () => {
  const n = reports.length;
  informers.of('services').delete(service('web', {}));
  await programmed(n);
  const table = await nftRunner({ netns: NODE_NS }).listTable(TABLE);
  assert.ok(table && !table.includes('default/web/'));
  const [r] = await httpGets(CLIENT_NS, 'http://10.96.0.10/', 1);
  assert.match(r!, /^ERR /);
  proxyAbort!.abort();
  await proxyDone;
  assert.equal(await nftRunner({ netns: NODE_NS }).listTable(TABLE), undefined);
  assert.equal(await nftRunner({ netns: NODE_NS }).hasTable(TABLE), false);
});
