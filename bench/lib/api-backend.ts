// One datastore's API benchmark, run inside the process that hosts the control plane: starts the
// control plane (and for etcd a single-member cluster), loads it through the load client child
// process, and returns the figures. Server RSS is this process's RSS, so each datastore runs in a
// fresh process (see bench/api.ts).
import { execFileSync } from 'node:child_process';
import { startTestControlPlane, type TestControlPlane } from '../../test/support/control-plane.js';
import { EtcdCluster } from '../../test/support/etcd-cluster.js';
import { HttpsClient } from './https-client.js';
import { LoadClient } from './load-driver.js';
import type { Target, WatchResult } from './protocol.js';
import type { LatencySummary } from './stats.js';

export type Backend = 'sqlite' | 'etcd';

export interface BenchSettings {
  /** Seconds per timed case. */
  seconds: number;
  /** Objects in the big LIST namespace (10k in a full run; 0 skips it, filling 200 elsewhere to time creates). */
  bigList: number;
  clients: number[];
  /** Client counts for LISTs of 1k (each LIST costs tens of ms of server CPU). */
  listClients: number[];
  watchers: number[];
}

export interface OpRow {
  op: string;
  clients: number;
  s: LatencySummary;
  /** Server process CPU (user+system) per operation, microseconds. */
  cpuUsPerOp: number;
}

export interface WatchRow {
  watchers: number;
  r: WatchResult;
  /** JSON.stringify calls in the server process per write: flat if events are serialised once. */
  stringifyPerWrite: number;
}

export interface BackendReport {
  backend: Backend;
  rssIdle: number;
  rssLoaded: number;
  heapLoaded: number;
  objects: number;
  fill: LatencySummary;
  ops: OpRow[];
  watch: WatchRow[];
}

const NS = { small: 'bench-1k', big: 'bench-big', create: 'bench-create', watch: 'bench-watch' } as const;
const SMALL = 1000;

export function etcdAvailable(): boolean {
  try {
    execFileSync('etcd', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

async function settle(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

export async function runBackend(backend: Backend, cfg: BenchSettings, log: (s: string) => void): Promise<BackendReport> {
  let etcd: EtcdCluster | undefined;
  let cp: TestControlPlane | undefined;
  const load = new LoadClient();
  try {
    if (backend === 'etcd') etcd = await EtcdCluster.start({ members: 1 });
    cp = await startTestControlPlane({ controllers: false, datastoreEndpoint: etcd ? `etcd://${etcd.endpoints.join(',')}` : undefined });
    const creds = await cp.clientConfig('admin', ['system:masters']);
    const target: Target = { url: cp.url, caPem: creds.caPem, certPem: creds.certPem, keyPem: creds.keyPem };
    await settle(1000);
    const rssIdle = process.memoryUsage().rss;

    const setup = new HttpsClient(target, 1);
    for (const name of Object.values(NS)) {
      const r = await setup.request('POST', '/api/v1/namespaces', JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }), true);
      if (r.status !== 201) throw new Error(`create namespace ${name}: HTTP ${r.status} ${r.body}`);
    }
    setup.close();

    log(`${backend}: filling ${SMALL} + ${cfg.bigList || 200} pods`);
    await load.run(target, { kind: 'fill', namespace: NS.watch, prefix: 'w', count: 1, concurrency: 1 });
    await load.run(target, { kind: 'fill', namespace: NS.small, prefix: 'p', count: SMALL, concurrency: 50 });
    const fill = await load.run(target, { kind: 'fill', namespace: cfg.bigList ? NS.big : NS.create, prefix: cfg.bigList ? 'p' : 'f', count: cfg.bigList || 200, concurrency: 50 });
    if (fill.errors) throw new Error(`fill: ${fill.errors} errors`);
    await settle(500);
    const mem = process.memoryUsage();

    const ops: OpRow[] = [];
    const timed = async (op: string, clients: number, fn: () => Promise<LatencySummary>) => {
      const c0 = process.cpuUsage();
      const s = await fn();
      const c = process.cpuUsage(c0);
      ops.push({ op, clients, s, cpuUsPerOp: s.ops ? (c.user + c.system) / s.ops : 0 });
      log(`${backend}: ${op} x${clients}: ${Math.round(s.opsPerSec)}/s p99 ${s.p99ms.toFixed(1)} ms${s.errors ? ` (${s.errors} errors)` : ''}`);
    };
    const seconds = cfg.seconds;
    for (const c of cfg.clients) await timed('create', c, () => load.run(target, { kind: 'create', namespace: NS.create, prefix: `c${c}-`, concurrency: c, seconds }));
    for (const c of cfg.clients) await timed('get', c, () => load.run(target, { kind: 'get', namespace: NS.small, prefix: 'p', count: SMALL, concurrency: c, seconds }));
    for (const c of cfg.clients) await timed('update', c, () => load.run(target, { kind: 'update', namespace: NS.small, prefix: 'p', count: SMALL, concurrency: c, seconds }));
    for (const c of cfg.listClients) await timed(`list ${SMALL / 1000}k`, c, () => load.run(target, { kind: 'list', namespace: NS.small, expect: SMALL, concurrency: c, seconds }));
    // 100 clients each holding a 30 MB response is a memory test, not a latency one.
    for (const c of cfg.bigList ? cfg.listClients.filter((c) => c <= 10) : []) {
      await timed(`list ${cfg.bigList / 1000}k`, c, () => load.run(target, { kind: 'list', namespace: NS.big, expect: cfg.bigList, concurrency: c, seconds, maxOps: 20 * c }));
    }

    const watch: WatchRow[] = [];
    for (const w of cfg.watchers) {
      const counted = countStringify();
      let r: WatchResult;
      try {
        r = await load.run(target, { kind: 'watch', namespace: NS.watch, prefix: 'w', watchers: w, seconds, maxEvents: 5000 });
      } finally {
        counted.restore();
      }
      watch.push({ watchers: w, r, stringifyPerWrite: r.writes.ops ? counted.calls() / r.writes.ops : 0 });
      log(`${backend}: watch x${w}: delivery p99 ${r.delivery.p99ms.toFixed(1)} ms, ${r.delivered}/${r.expected} delivered`);
    }
    return {
      backend,
      rssIdle,
      rssLoaded: mem.rss,
      heapLoaded: mem.heapUsed,
      objects: 1 + SMALL + (cfg.bigList || 200),
      fill,
      ops,
      watch,
    };
  } finally {
    await load.close();
    await cp?.stop();
    await etcd?.close();
  }
}

/** Counts JSON.stringify calls in this (the server's) process until restored. */
function countStringify(): { calls(): number; restore(): void } {
  const original = JSON.stringify;
  let n = 0;
  JSON.stringify = function (this: unknown, ...args: Parameters<typeof JSON.stringify>) {
    n++;
    return original.apply(JSON, args);
  } as typeof JSON.stringify;
  return {
    calls: () => n,
    restore: () => {
      JSON.stringify = original;
    },
  };
}
