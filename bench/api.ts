// API server benchmark (issue 2): p50/p99 latency and throughput of create, get, update and list
// (1k and 10k pods) with 1, 10 and 100 concurrent HTTPS clients, watch delivery latency to 1, 10
// and 100 watchers, and server RSS idle and loaded, on SQLite and on a single-member etcd. The
// raw baselines of shared/research/bench are measured in the same run and every aim is printed
// as a ratio to them. It only reads the server through its HTTPS API.
//
//   node --import tsx bench/api.ts [--quick] [--no-etcd] [--seconds=S] [--objects=N (big LIST size, 0 = skip)]
//
// Each datastore runs in a fresh child process (this file with --backend=NAME) so that its RSS
// is the server's alone; the load client is a further child so client CPU never shares the
// server's event loop.
import { fork } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { etcdAvailable, runBackend, type Backend, type BackendReport, type BenchSettings } from './lib/api-backend.js';
import { printReport, type Baselines } from './lib/api-report.js';
import { sqliteCommitRate, startRawHttpsServer, stringifyTime } from './lib/baselines.js';
import { LoadClient, POD_JSON_PATH } from './lib/load-driver.js';

const args = process.argv.slice(2);
const flag = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const quick = args.includes('--quick');
const settings: BenchSettings = {
  seconds: Number(flag('seconds') ?? (quick ? 0.3 : 1.5)),
  // A quick run skips the big LIST: filling 10k pods would take most of its budget.
  bigList: Number(flag('objects') ?? (quick ? 0 : 10_000)),
  clients: [1, 10, 100],
  listClients: quick ? [1, 10] : [1, 10, 100],
  watchers: [1, 10, 100],
};
const t0 = Date.now();
const log = (s: string) => process.stderr.write(`[bench/api +${((Date.now() - t0) / 1000).toFixed(1)}s] ${s}\n`);

async function measureBaselines(): Promise<Baselines> {
  const dir = mkdtempSync(join(tmpdir(), 'k8ts-bench-api-'));
  try {
    log('baselines: SQLite commit, JSON stringify, loopback HTTPS');
    const sqliteFull = sqliteCommitRate(dir, 'FULL', Math.max(1, settings.seconds * 2));
    const stringify = stringifyTime(readFileSync(POD_JSON_PATH, 'utf8'), settings.bigList || 1000, quick ? 3 : 7);
    const raw = await startRawHttpsServer();
    const load = new LoadClient();
    try {
      const https: Baselines['https'] = [];
      for (const method of ['GET', 'POST'] as const) {
        for (const c of settings.clients) {
          https.push({ method, clients: c, s: await load.run(raw.target, { kind: 'raw', method, path: '/api/v1/namespaces/default/pods', concurrency: c, seconds: settings.seconds }) });
        }
      }
      return { sqliteFull, stringify, https };
    } finally {
      await load.close();
      await raw.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs one datastore's benchmark in a fresh process (this file with --backend). */
function runBackendProcess(backend: Backend): Promise<BackendReport> {
  return new Promise((resolve, reject) => {
    const execArgv = process.execArgv;
    const child = fork(fileURLToPath(import.meta.url), [...args, `--backend=${backend}`], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let report: BackendReport | undefined;
    child.on('message', (m: BackendReport) => (report = m));
    child.on('error', reject);
    child.on('exit', (code) => (report ? resolve(report) : reject(new Error(`${backend} benchmark exited with ${code}`))));
  });
}

async function main(): Promise<void> {
  const only = flag('backend') as Backend | undefined;
  if (only) {
    const report = await runBackend(only, settings, log);
    await new Promise<void>((r) => process.send!(report, () => r()));
    process.disconnect?.();
    return;
  }
  const started = performance.now();
  const baselines = await measureBaselines();
  const reports: BackendReport[] = [];
  const backends: Backend[] = ['sqlite'];
  if (!args.includes('--no-etcd')) {
    if (etcdAvailable()) backends.push('etcd');
    else log('etcd binary not found: skipping etcd');
  }
  let failed = false;
  for (const b of backends) {
    try {
      reports.push(await runBackendProcess(b));
    } catch (err) {
      // One datastore failing (say etcd would not start) should not hide the other's figures.
      failed = true;
      log(`${b}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  printReport(baselines, reports, settings);
  if (failed) process.exitCode = 1;
  console.log(`\n(total ${((performance.now() - started) / 1000).toFixed(0)} s${quick ? ', --quick' : ''})`);
}

await main();
