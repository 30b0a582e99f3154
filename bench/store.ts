// Store micro-benchmark: p50/p99 latency and ops/s of create/get/update/list(1k) for SQLite
// (synchronous FULL and NORMAL) and a single-member etcd, plus the raw SQLite commit baseline
// (same shape as shared/research/bench/sqlite_commit.py) measured in the same run, so results
// can be read as ratios to what the disk and SQLite allow. Each case runs for a bounded time.
//   node --import tsx bench/store.ts [--seconds=1.5] [--no-etcd]

import { mkdtempSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { EtcdStore } from '../src/store/etcd/etcd-store.js';
import type { Store } from '../src/store/types.js';
import { EtcdCluster } from '../test/support/etcd-cluster.js';

const SECONDS = Number(process.argv.find((a) => a.startsWith('--seconds='))?.split('=')[1] ?? 1.5);
const WITH_ETCD = !process.argv.includes('--no-etcd');
const VALUE = randomBytes(1024);

interface Row {
  store: string;
  op: string;
  ops: number;
  opsPerSec: number;
  p50ms: number;
  p99ms: number;
}
const rows: Row[] = [];

function pct(sorted: Float64Array, q: number): number {
  return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/** Runs op(i) sequentially for SECONDS (or maxOps) and records latencies. */
async function measure(store: string, op: string, fn: (i: number) => Promise<unknown>, maxOps = Infinity) {
  const lat: number[] = [];
  const t0 = performance.now();
  const end = t0 + SECONDS * 1000;
  let i = 0;
  while (performance.now() < end && i < maxOps) {
    const s = performance.now();
    await fn(i++);
    lat.push(performance.now() - s);
  }
  const elapsed = (performance.now() - t0) / 1000;
  const sorted = Float64Array.from(lat).sort();
  rows.push({ store, op, ops: i, opsPerSec: Math.round(i / elapsed), p50ms: round(pct(sorted, 0.5)), p99ms: round(pct(sorted, 0.99)) });
}

/** `concurrency` callers issuing creates at once: what group commit buys. */
async function measureConcurrentCreates(store: string, s: Store, concurrency: number) {
  const end = performance.now() + SECONDS * 1000;
  const lat: number[] = [];
  let n = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, w) => {
      while (performance.now() < end) {
        const st = performance.now();
        await s.create(`/bench/conc/${w}/${n++}`, VALUE);
        lat.push(performance.now() - st);
      }
    }),
  );
  const elapsed = (performance.now() - t0) / 1000;
  const sorted = Float64Array.from(lat).sort();
  rows.push({ store, op: `create x${concurrency} concurrent`, ops: n, opsPerSec: Math.round(n / elapsed), p50ms: round(pct(sorted, 0.5)), p99ms: round(pct(sorted, 0.99)) });
}

const round = (x: number) => Math.round(x * 1000) / 1000;

async function benchStore(label: string, s: Store) {
  const keys: string[] = [];
  const revs: number[] = [];
  await measure(label, 'create', async (i) => {
    const k = `/bench/pods/ns/p${i}`;
    revs.push(await s.create(k, VALUE));
    keys.push(k);
  });
  await measure(label, 'get', (i) => s.get(keys[i % keys.length]));
  await measure(label, 'update', async (i) => {
    const j = i % keys.length;
    revs[j] = await s.update(keys[j], VALUE, revs[j]);
  });
  // A 1k-key prefix to list; written in parallel to keep setup short.
  for (let i = 0; i < 1000; i += 100) {
    await Promise.all(Array.from({ length: 100 }, (_, j) => s.create(`/bench/list1k/k${String(i + j).padStart(4, '0')}`, VALUE)));
  }
  await measure(label, 'list(1k)', async () => {
    const r = await s.list('/bench/list1k/');
    if (r.kvs.length !== 1000) throw new Error(`listed ${r.kvs.length}`);
  });
  await measureConcurrentCreates(label, s, 16);
}

function rawSqliteBaseline(dir: string) {
  const out: Record<string, number> = {};
  for (const sync of ['FULL', 'NORMAL', 'OFF']) {
    const db = new Database(join(dir, `raw-${sync}.db`));
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${sync}`);
    db.exec('CREATE TABLE kine(id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT, value BLOB); CREATE INDEX kine_name ON kine(name)');
    const ins = db.prepare('INSERT INTO kine(name, value) VALUES (?, ?)');
    const one = db.transaction((name: string) => ins.run(name, VALUE));
    let n = 0;
    let t0 = performance.now();
    while (performance.now() - t0 < SECONDS * 1000) one.immediate(`/registry/pods/ns/p${n++}`);
    out[`wal_sync_${sync}_single_row_tx_per_s`] = Math.round(n / ((performance.now() - t0) / 1000));
    const hundred = db.transaction((base: number) => {
      for (let i = 0; i < 100; i++) ins.run(`/registry/pods/ns/b${base}_${i}`, VALUE);
    });
    n = 0;
    t0 = performance.now();
    while (performance.now() - t0 < SECONDS * 1000) hundred.immediate(n++);
    out[`wal_sync_${sync}_rows_per_s_batched100`] = Math.round((n * 100) / ((performance.now() - t0) / 1000));
    db.close();
  }
  return out;
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'k8ts-bench-store-'));
  try {
    console.log('raw SQLite commit baseline (better-sqlite3):');
    console.log(rawSqliteBaseline(dir));
    for (const sync of ['FULL', 'NORMAL'] as const) {
      const s = new SqliteStore({ path: join(dir, `store-${sync}.db`), synchronous: sync });
      await benchStore(`sqlite ${sync}`, s);
      await s.close();
    }
    const mem = new SqliteStore({ path: ':memory:' });
    for (let i = 0; i < 10_000; i += 500) {
      await Promise.all(Array.from({ length: 500 }, (_, j) => mem.create(`/bench/list10k/k${i + j}`, VALUE)));
    }
    await measure('sqlite :memory:', 'list(10k)', () => mem.list('/bench/list10k/'), 50);
    await mem.close();
    if (WITH_ETCD) {
      let hasEtcd = true;
      try {
        execFileSync('etcd', ['--version'], { stdio: 'ignore' });
      } catch {
        hasEtcd = false;
        console.log('etcd binary not found: skipping etcd');
      }
      if (hasEtcd) {
        const cluster = await EtcdCluster.start({ members: 1 });
        try {
          const s = new EtcdStore({ endpoints: cluster.endpoints });
          await benchStore('etcd (1 member)', s);
          await s.close();
        } finally {
          await cluster.close();
        }
      }
    }
    console.table(rows);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
