// Turns the baselines and per-datastore figures of bench/api.ts into the printed tables and the
// aim verdicts of issue 2. Pure formatting and arithmetic: it measures nothing.
import type { BackendReport, BenchSettings, OpRow } from './api-backend.js';
import type { LatencySummary } from './stats.js';
import { formatTable, MiB, ratio, verdict, type Cell } from './table.js';

export interface Baselines {
  /** Single-row WAL commits per second with synchronous=FULL. */
  sqliteFull: number;
  stringify: { ms: number; bytes: number };
  https: { method: 'GET' | 'POST'; clients: number; s: LatencySummary }[];
}

export interface Aim {
  aim: string;
  backend: string;
  measured: string;
  target: string;
  pass: boolean;
}

const rawRate = (b: Baselines, method: 'GET' | 'POST', clients: number) => b.https.find((h) => h.method === method && h.clients === clients)?.s.opsPerSec ?? 0;
const find = (r: BackendReport, op: string, clients: number): OpRow | undefined => r.ops.find((o) => o.op === op && o.clients === clients);

/** What each operation is compared with: writes with a durable commit, GETs with a raw HTTPS GET. */
function baselineRatio(b: Baselines, o: OpRow, bigListOp: string): string {
  if (o.op === 'create' || o.op === 'update') return `${ratio(o.s.opsPerSec, b.sqliteFull)} sqlite-commit`;
  if (o.op === 'get') return `${ratio(o.s.opsPerSec, rawRate(b, 'GET', o.clients))} raw-GET`;
  if (o.op === bigListOp) return `${ratio(o.s.p50ms, b.stringify.ms)} stringify`;
  return '';
}

export function aims(b: Baselines, reports: BackendReport[], s: BenchSettings): Aim[] {
  const out: Aim[] = [];
  const bigListOp = `list ${(s.bigList || 1000) / 1000}k`;
  for (const r of reports) {
    const add = (aim: string, measured: string, target: string, pass: boolean) => out.push({ aim, backend: r.backend, measured, target, pass });
    for (const c of [1, 10]) {
      const o = find(r, 'create', c);
      if (o) add(`durable creates/s, ${c} client${c > 1 ? 's' : ''}`, `${Math.round(o.s.opsPerSec)}/s = ${ratio(o.s.opsPerSec, b.sqliteFull)}`, '>= 0.3x SQLite FULL commits/s', o.s.opsPerSec >= 0.3 * b.sqliteFull);
    }
    for (const c of [10, 100]) {
      const o = find(r, 'get', c);
      if (o) add(`GETs/s, ${c} clients`, `${Math.round(o.s.opsPerSec)}/s = ${ratio(o.s.opsPerSec, rawRate(b, 'GET', c))}`, '>= 0.5x raw HTTPS GET/s', o.s.opsPerSec >= 0.5 * rawRate(b, 'GET', c));
    }
    for (const op of ['create', 'update']) {
      const o = find(r, op, 10);
      if (o) add(`${op} p99, 10 clients`, `${o.s.p99ms.toFixed(1)} ms`, '<= 50 ms', o.s.p99ms <= 50);
    }
    for (const w of r.watch) {
      add(`watch delivery p99, ${w.watchers} watcher${w.watchers > 1 ? 's' : ''}`, `${w.r.delivery.p99ms.toFixed(1)} ms (${w.r.delivered}/${w.r.expected})`, '<= 50 ms, none lost', w.r.delivery.p99ms <= 50 && w.r.delivered === w.r.expected);
    }
    const one = r.watch[0];
    const many = r.watch[r.watch.length - 1];
    if (one && many && many !== one) {
      add('events serialised once', `${many.stringifyPerWrite.toFixed(1)} stringify/write at ${many.watchers} vs ${one.stringifyPerWrite.toFixed(1)} at ${one.watchers}`, 'independent of watchers', many.stringifyPerWrite <= one.stringifyPerWrite + 2);
    }
    const list = find(r, bigListOp, 1);
    if (list) add(`${bigListOp} pods, 1 client (p50)`, `${list.s.p50ms.toFixed(0)} ms = ${ratio(list.s.p50ms, b.stringify.ms)}`, '<= 2x stringify time', list.s.p50ms <= 2 * b.stringify.ms);
    add('idle RSS', `${(r.rssIdle / MiB).toFixed(0)} MiB`, '<= 256 MiB', r.rssIdle <= 256 * MiB);
  }
  return out;
}

export function printReport(b: Baselines, reports: BackendReport[], s: BenchSettings): void {
  const bigListOp = `list ${(s.bigList || 1000) / 1000}k`;
  const out: string[] = [];
  out.push('== Raw baselines (same machine, same run)');
  const base: Cell[][] = [
    ['SQLite WAL commit, synchronous=FULL, 1 row/tx', b.sqliteFull, '', '', 'tx/s'],
    [`JSON.stringify ${s.bigList || 1000} pods (${(b.stringify.bytes / MiB).toFixed(1)} MiB)`, 1000 / b.stringify.ms, b.stringify.ms, '', 'lists/s; ms each'],
    ...b.https.map((h): Cell[] => [`loopback HTTPS ${h.method}, ${h.clients} client${h.clients > 1 ? 's' : ''}`, h.s.opsPerSec, h.s.p50ms, h.s.p99ms, 'req/s']),
  ];
  out.push(formatTable(['baseline', 'rate', 'p50 ms', 'p99 ms', 'unit'], base));
  for (const r of reports) {
    out.push('', `== API server on ${r.backend}: ${r.objects} pods stored (+ creates below); fill ran at ${Math.round(r.fill.opsPerSec)} creates/s`);
    out.push(
      formatTable(
        ['operation', 'clients', 'ops/s', 'p50 ms', 'p99 ms', 'errors', 'srv CPU us/op', 'vs baseline'],
        r.ops.map((o) => [o.op, o.clients, o.s.opsPerSec, o.s.p50ms, o.s.p99ms, o.s.errors, o.cpuUsPerOp, baselineRatio(b, o, bigListOp)]),
      ),
    );
    out.push('');
    out.push(
      formatTable(
        ['watchers', 'writes/s', 'write p99 ms', 'delivered', 'delivery p50 ms', 'delivery p99 ms', 'from send p99 ms', 'stringify/write'],
        r.watch.map((w) => [w.watchers, w.r.writes.opsPerSec, w.r.writes.p99ms, `${w.r.delivered}/${w.r.expected}`, w.r.delivery.p50ms, w.r.delivery.p99ms, w.r.deliveryFromSend.p99ms, w.stringifyPerWrite]),
      ),
    );
    out.push('', `server RSS idle ${(r.rssIdle / MiB).toFixed(0)} MiB; with ${r.objects} pods ${(r.rssLoaded / MiB).toFixed(0)} MiB (heap ${(r.heapLoaded / MiB).toFixed(0)} MiB)`);
  }
  out.push('', '== Aims (issue 2)');
  out.push(formatTable(['aim', 'datastore', 'measured', 'target', ''], aims(b, reports, s).map((a) => [a.aim, a.backend, a.measured, a.target, verdict(a.pass)])));
  console.log(out.join('\n'));
}
