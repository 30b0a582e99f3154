// Service proxy benchmark against the real kernel, inside throwaway network namespaces:
//  1. rule programming with 1,000 Services x 10 endpoints (--quick: 200): the full table write,
//     then single EndpointSlice changes (recompute the Service's rules, diff, one nft
//     transaction) with p50/p99, and a burst of 50 changed Services in one transaction;
//  2. HTTP requests/s and p99 from a "client" namespace to a "pod" namespace through a ClusterIP
//     versus straight to the pod IP (a new connection per request, so every request is NATed).
// Needs root, `ip` and `nft`; prints "skipped" otherwise.
// Run: node --import tsx bench/proxy.ts [--quick]
import { spawn } from 'node:child_process';
import { findBinary } from '../src/kubelet/containerd/prerequisites.js';
import { fullProgram, serviceRulesFor, updateProgram, type ServiceRules } from '../src/proxy/nft-rules.js';
import { nftRunner, runCommand } from '../src/proxy/nft.js';
import type { EndpointSliceLike, ServiceLike } from '../src/proxy/service-model.js';

const quick = process.argv.includes('--quick');
const SERVICES = quick ? 200 : 1000;
const ENDPOINTS = 10;
const CHANGES = quick ? 30 : 100;
const TABLE = 'k8ts-proxy-bench';
const id = `${process.pid}-${Math.floor(Math.random() * 1e6)}`;
const NODE_NS = `k8tsbench-node-${id}`;
const POD_NS = `k8tsbench-pod-${id}`;
const CLIENT_NS = `k8tsbench-cli-${id}`;
const node = { nodeName: 'bench-node', clusterCIDR: '10.244.0.0/16' };

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
const ms = (n: number) => `${n.toFixed(1)} ms`;

async function sh(cmd: string, ...args: string[]): Promise<string> {
  const r = await runCommand(cmd, args);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr.trim()}`);
  return r.stdout;
}

function svc(i: number): ServiceLike {
  return {
    metadata: { namespace: `ns-${i % 20}`, name: `svc-${i}` },
    spec: { type: i % 4 === 0 ? 'NodePort' : 'ClusterIP', clusterIP: `10.96.${i >> 8}.${i & 255}`, ports: [{ name: 'http', port: 80, ...(i % 4 === 0 ? { nodePort: 30000 + i } : {}) }] },
  };
}

/** Service i's slice; `generation` shifts one endpoint's address so each change is real. */
function slice(i: number, generation: number): EndpointSliceLike {
  const endpoints = [];
  for (let e = 0; e < ENDPOINTS; e++) {
    const n = i * ENDPOINTS + e + (e === 0 ? generation * 7919 : 0);
    endpoints.push({ addresses: [`10.${128 + ((n >> 16) & 63)}.${(n >> 8) & 255}.${n & 255}`], conditions: { ready: true }, nodeName: 'bench-node' });
  }
  return {
    metadata: { namespace: `ns-${i % 20}`, name: `svc-${i}-x`, labels: { 'kubernetes.io/service-name': `svc-${i}` } },
    addressType: 'IPv4',
    endpoints,
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
  };
}

async function rulesBenchmark(): Promise<void> {
  const nft = nftRunner({ netns: NODE_NS });
  const heap0 = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  const rules: ServiceRules[] = [];
  const generation = new Array<number>(SERVICES).fill(0);
  for (let i = 0; i < SERVICES; i++) rules.push(serviceRulesFor(svc(i), [slice(i, 0)], node));
  const program = fullProgram(TABLE, rules);
  const genMs = performance.now() - t0;
  const heapMb = (process.memoryUsage().heapUsed - heap0) / 1e6;
  const t1 = performance.now();
  await nft.apply(program);
  const applyMs = performance.now() - t1;
  console.log(`full table: ${SERVICES} Services x ${ENDPOINTS} endpoints, ${program.split('\n').length} commands (${(program.length / 1e6).toFixed(1)} MB)`);
  console.log(`  generate ${ms(genMs)}, nft apply ${ms(applyMs)}, rules held in memory ~${heapMb.toFixed(0)} MB`);

  const lat: number[] = [];
  const gen: number[] = [];
  for (let c = 0; c < CHANGES; c++) {
    const i = Math.floor(Math.random() * SERVICES);
    const tA = performance.now();
    const after = serviceRulesFor(svc(i), [slice(i, ++generation[i]!)], node);
    const update = updateProgram(TABLE, [{ before: rules[i], after }]);
    gen.push(performance.now() - tA);
    await nft.apply(update);
    rules[i] = after;
    lat.push(performance.now() - tA);
  }
  lat.sort((a, b) => a - b);
  gen.sort((a, b) => a - b);
  console.log(`one EndpointSlice change -> programmed (${CHANGES} changes; the proxy adds its 30 ms coalescing delay):`);
  console.log(`  p50 ${ms(pct(lat, 50))}  p99 ${ms(pct(lat, 99))}  max ${ms(lat.at(-1)!)}   (rule diff alone p50 ${ms(pct(gen, 50))})`);

  const tB = performance.now();
  const changes = [];
  for (let k = 0; k < 50; k++) {
    const i = (k * 17) % SERVICES;
    const after = serviceRulesFor(svc(i), [slice(i, ++generation[i]!)], node);
    changes.push({ before: rules[i], after });
    rules[i] = after;
  }
  await nft.apply(updateProgram(TABLE, changes));
  console.log(`burst of 50 changed Services in one transaction: ${ms(performance.now() - tB)}`);
  const check = await nft.listTable(TABLE);
  if (!check?.includes('dnat to')) throw new Error('table not programmed');
}

/** Runs an HTTP load loop in the client namespace; returns requests/s and latency percentiles. */
async function load(url: string, seconds: number, concurrency: number): Promise<{ rps: number; p50: number; p99: number; errors: number }> {
  const script = `
    const http = require('node:http');
    const lat = []; let errors = 0; const end = Date.now() + ${seconds * 1000};
    const one = () => new Promise((resolve) => {
      const t0 = performance.now();
      const req = http.get(${JSON.stringify(url)}, { agent: false }, (res) => { res.resume(); res.on('end', () => { lat.push(performance.now() - t0); resolve(); }); });
      req.on('error', () => { errors++; resolve(); });
    });
    const worker = async () => { while (Date.now() < end) await one(); };
    Promise.all(Array.from({ length: ${concurrency} }, worker)).then(() => {
      lat.sort((a, b) => a - b);
      const p = (q) => lat[Math.min(lat.length - 1, Math.floor(q * lat.length))] || 0;
      console.log(JSON.stringify({ rps: lat.length / ${seconds}, p50: p(0.5), p99: p(0.99), errors }));
    });`;
  const out = await sh('ip', 'netns', 'exec', CLIENT_NS, process.execPath, '-e', script);
  return JSON.parse(out) as { rps: number; p50: number; p99: number; errors: number };
}

async function trafficBenchmark(): Promise<void> {
  await sh('ip', '-n', NODE_NS, 'link', 'add', 'vpod', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', POD_NS);
  await sh('ip', '-n', NODE_NS, 'link', 'add', 'vcli', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', CLIENT_NS);
  for (const [ns, ...args] of [
    [NODE_NS, 'addr', 'add', '10.244.1.1/24', 'dev', 'vpod'],
    [NODE_NS, 'addr', 'add', '10.244.2.1/24', 'dev', 'vcli'],
    [POD_NS, 'addr', 'add', '10.244.1.2/24', 'dev', 'eth0'],
    [CLIENT_NS, 'addr', 'add', '10.244.2.2/24', 'dev', 'eth0'],
  ]) await sh('ip', '-n', ns!, ...args);
  for (const [ns, dev] of [[NODE_NS, 'vpod'], [NODE_NS, 'vcli'], [POD_NS, 'lo'], [POD_NS, 'eth0'], [CLIENT_NS, 'lo'], [CLIENT_NS, 'eth0']]) {
    await sh('ip', '-n', ns!, 'link', 'set', dev!, 'up');
  }
  await sh('ip', '-n', POD_NS, 'route', 'add', 'default', 'via', '10.244.1.1');
  await sh('ip', '-n', CLIENT_NS, 'route', 'add', 'default', 'via', '10.244.2.1');
  await sh('ip', 'netns', 'exec', NODE_NS, 'sysctl', '-q', '-w', 'net.ipv4.ip_forward=1');
  const server = spawn('ip', ['netns', 'exec', POD_NS, process.execPath, '-e', `require('node:http').createServer((q, s) => s.end('ok')).listen(8080, () => console.log('ready'))`], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    await new Promise<void>((resolve) => server.stdout!.once('data', () => resolve()));
    // One more Service whose endpoint is the pod, among the 1,000 already in the table.
    const target: ServiceLike = { metadata: { namespace: 'bench', name: 'target' }, spec: { clusterIP: '10.97.0.1', ports: [{ port: 80 }] } };
    const ep: EndpointSliceLike = {
      metadata: { namespace: 'bench', name: 'target-x', labels: { 'kubernetes.io/service-name': 'target' } },
      addressType: 'IPv4',
      endpoints: [{ addresses: ['10.244.1.2'], conditions: { ready: true } }],
      ports: [{ name: '', port: 8080, protocol: 'TCP' }],
    };
    await nftRunner({ netns: NODE_NS }).apply(updateProgram(TABLE, [{ after: serviceRulesFor(target, [ep], node) }]));
    const seconds = quick ? 3 : 8;
    await load('http://10.244.1.2:8080/', 1, 4); // warm-up
    const direct = await load('http://10.244.1.2:8080/', seconds, 8);
    const viaService = await load('http://10.97.0.1/', seconds, 8);
    console.log(`HTTP, new connection per request, concurrency 8, ${seconds} s each (client and pod in their own netns):`);
    console.log(`  pod IP     ${direct.rps.toFixed(0)} req/s  p50 ${ms(direct.p50)}  p99 ${ms(direct.p99)}  errors ${direct.errors}`);
    console.log(`  ClusterIP  ${viaService.rps.toFixed(0)} req/s  p50 ${ms(viaService.p50)}  p99 ${ms(viaService.p99)}  errors ${viaService.errors}`);
    console.log(`  ratio ClusterIP/pod: throughput ${(viaService.rps / direct.rps).toFixed(2)}, p99 ${(viaService.p99 / direct.p99).toFixed(2)}`);
  } finally {
    server.kill();
  }
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0 || !findBinary('nft') || !findBinary('ip')) {
    console.log('proxy benchmark skipped: needs root, nft and ip');
    return;
  }
  for (const ns of [NODE_NS, POD_NS, CLIENT_NS]) await sh('ip', 'netns', 'add', ns);
  try {
    await rulesBenchmark();
    await trafficBenchmark();
  } finally {
    for (const ns of [NODE_NS, POD_NS, CLIENT_NS]) await runCommand('ip', ['netns', 'del', ns]);
  }
}

await main();
