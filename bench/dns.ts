// Cluster DNS benchmark on loopback: the server (src/dns) with a zone of 5,000 Services (--quick:
// 1,000; a fifth headless with 5 endpoints each) answering real UDP queries from a load client in
// the same process (so the figures are a lower bound: client and server share one event loop):
//   1. cluster names (random A queries for Service names), 2. forwarded names answered from the
//   cache (a fake upstream on loopback, pre-warmed), 3. NXDOMAIN in the zone;
// plus the in-process answer rate (no sockets), the cost of one Service update in the index, and
// the index's memory.
// Run: node --import tsx bench/dns.ts [--quick]
import { createSocket } from 'node:dgram';
import dnsPacket from 'dns-packet';
import pino from 'pino';
import { DnsServer } from '../src/dns/dns-server.js';
import { Forwarder } from '../src/dns/forwarder.js';
import { QueryHandler } from '../src/dns/query-handler.js';
import { RecordIndex } from '../src/dns/record-index.js';
import { serviceRecords, type EndpointSliceObject, type ServiceObject } from '../src/dns/service-records.js';
import { Samples, summarize, type LatencySummary } from './lib/stats.js';
import { formatTable, MiB } from './lib/table.js';

const quick = process.argv.includes('--quick');
const SERVICES = quick ? 1000 : 5000;
const SECONDS = quick ? 2 : 5;
const IN_FLIGHT = 32;
const ZONE = 'cluster.local';

function service(i: number): { svc: ServiceObject; slices: EndpointSliceObject[] } {
  const headless = i % 5 === 0;
  const ns = `ns-${i % 50}`;
  const svc: ServiceObject = {
    metadata: { name: `svc-${i}`, namespace: ns },
    spec: { clusterIP: headless ? 'None' : `10.43.${(i >> 8) & 255}.${i & 255}`, ports: [{ name: 'http', port: 80, protocol: 'TCP' }] },
  };
  const endpoints = Array.from({ length: headless ? 5 : 2 }, (_, e) => ({ addresses: [`10.42.${(i >> 6) & 255}.${((i & 63) << 2) + e}`], hostname: headless ? `svc-${i}-${e}` : undefined, conditions: { ready: true } }));
  return { svc, slices: [{ metadata: { name: `svc-${i}-x`, namespace: ns }, addressType: 'IPv4', endpoints, ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] }] };
}

function buildIndex(): { index: RecordIndex; ms: number; bytes: number } {
  global.gc?.();
  const before = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  const index = new RecordIndex(ZONE);
  for (let i = 0; i < SERVICES; i++) {
    const { svc, slices } = service(i);
    index.setService(`${svc.metadata.namespace}/${svc.metadata.name}`, serviceRecords(svc, slices, ZONE));
  }
  const ms = performance.now() - t0;
  global.gc?.();
  return { index, ms, bytes: process.memoryUsage().heapUsed - before };
}

/** A resolver on loopback that answers every A question with 192.0.2.1 (TTL 300). */
async function fakeUpstream(): Promise<{ port: number; close(): void }> {
  const s = createSocket('udp4');
  s.on('message', (m, r) => {
    const q = dnsPacket.decode(m);
    s.send(dnsPacket.encode({ id: q.id, type: 'response', flags: dnsPacket.RECURSION_AVAILABLE, questions: q.questions, answers: [{ type: 'A', name: q.questions![0]!.name, ttl: 300, data: '192.0.2.1' }] }), r.port, r.address);
  });
  await new Promise<void>((res) => s.bind(0, '127.0.0.1', res));
  return { port: s.address().port, close: () => s.close() };
}

/** Keeps IN_FLIGHT queries outstanding on one UDP socket for `seconds`; names come from `next`. */
async function load(port: number, next: () => string, seconds: number): Promise<LatencySummary> {
  const sock = createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
  const sent = new Float64Array(65536);
  const lat = new Samples();
  let id = 0;
  let errors = 0;
  const deadline = performance.now() + seconds * 1000;
  let outstanding = 0;
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  const send = () => {
    if (performance.now() >= deadline) {
      if (outstanding === 0) done();
      return;
    }
    id = (id + 1) & 0xffff;
    const q = dnsPacket.encode({ id, type: 'query', flags: dnsPacket.RECURSION_DESIRED, questions: [{ name: next(), type: 'A' }] });
    sent[id] = performance.now();
    outstanding++;
    sock.send(q, port, '127.0.0.1');
  };
  sock.on('message', (m) => {
    outstanding--;
    const rid = m.readUInt16BE(0);
    lat.push(performance.now() - sent[rid]!);
    if ((m.readUInt16BE(2) & 0xf) === 2) errors++;
    send();
  });
  const t0 = performance.now();
  for (let i = 0; i < IN_FLIGHT; i++) send();
  // Lost datagrams would stall the loop: stop waiting at the deadline plus a second.
  await Promise.race([finished, new Promise((r) => setTimeout(r, seconds * 1000 + 1000))]);
  const elapsed = (performance.now() - t0) / 1000;
  sock.close();
  return summarize(lat.view(), elapsed, errors);
}

const { index, ms: buildMs, bytes } = buildIndex();
const upstream = await fakeUpstream();
const forwarder = new Forwarder({ upstreams: [{ host: '127.0.0.1', port: upstream.port }] });
const handler = new QueryHandler(index, forwarder, { nameserverIPs: ['10.43.0.10'] });
const server = new DnsServer({ address: '127.0.0.1', port: 0, handler, logger: pino({ level: 'silent' }) });
const stop = new AbortController();
const port = await server.listen(stop.signal);

const clusterName = () => {
  const i = Math.floor(Math.random() * SERVICES);
  return `svc-${i}.ns-${i % 50}.svc.${ZONE}`;
};
const external = Array.from({ length: 100 }, (_, i) => `host-${i}.example.test`);
for (const n of external) await forwarder.resolve({ name: n, type: 'A', class: 'IN' });
const cachedName = () => external[Math.floor(Math.random() * external.length)]!;
const missing = () => `nope-${Math.floor(Math.random() * 1e6)}.ns-1.svc.${ZONE}`;

// In-process, without sockets: repeated questions (the encoded-answer cache), then with the cache
// defeated by marking the zone changed before every query (decode, answer, encode each time).
const queries = Array.from({ length: 1000 }, () => dnsPacket.encode({ id: 1, type: 'query', questions: [{ name: clusterName(), type: 'A' }] }));
async function inProcess(defeatCache: boolean): Promise<number> {
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < 1000) {
    if (defeatCache) index.generation++;
    await handler.handle(queries[n++ % queries.length]!, 'udp');
  }
  return n / ((performance.now() - t0) / 1000);
}
const inProcessCached = await inProcess(false);
const inProcessUncached = await inProcess(true);

// One Service's update (its records rebuilt and swapped in the index).
const upd = new Samples();
for (let k = 0; k < 2000; k++) {
  const { svc, slices } = service(k % SERVICES);
  const t = performance.now();
  index.setService(`${svc.metadata.namespace}/${svc.metadata.name}`, serviceRecords(svc, slices, ZONE));
  upd.push((performance.now() - t) * 1000);
}
const updates = summarize(upd.view(), 1);

const rows: (string | number)[][] = [];
for (const [name, gen] of [['cluster names (A)', clusterName], ['forwarded, cache hits', cachedName], ['NXDOMAIN in zone', missing]] as const) {
  const s = await load(port, gen, SECONDS);
  rows.push([name, Math.round(s.opsPerSec), s.p50ms.toFixed(3), s.p99ms.toFixed(3), s.errors]);
}
stop.abort();
forwarder.close();
upstream.close();

console.log(`cluster DNS: ${SERVICES} Services (${index.nameCount} names), ${IN_FLIGHT} queries in flight over UDP on loopback, ${SECONDS} s each\n`);
console.log(formatTable(['workload', 'queries/s', 'p50 ms', 'p99 ms', 'SERVFAIL'], rows));
console.log(`\nin-process answers (no sockets): ${Math.round(inProcessCached)} queries/s repeated, ${Math.round(inProcessUncached)} queries/s decoded and encoded each time`);
console.log(`index: built in ${buildMs.toFixed(0)} ms, ~${(bytes / MiB).toFixed(1)} MiB heap${global.gc ? '' : ' (run with --expose-gc for an exact figure)'}`);
console.log(`one Service update: p50 ${updates.p50ms.toFixed(1)} µs, p99 ${updates.p99ms.toFixed(1)} µs`);
console.log(`process RSS: ${(process.memoryUsage().rss / MiB).toFixed(0)} MiB`);
