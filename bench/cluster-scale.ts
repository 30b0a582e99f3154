// Cluster-scale benchmark (issue 3) on simulated nodes, control plane in-process:
//  1. rollout: time from creating a 1,000-replica Deployment to 1,000 pods created and to 1,000
//     Ready, with the API p99 a light probe client sees meanwhile. When the controller manager
//     and scheduler are not wired into the control plane yet, it says so and measures what the
//     sim nodes alone do: 1,000 pods created already bound, to Ready.
//  2. scale: RSS of one process holding the control plane and 5,000 simulated nodes heartbeating
//     every 10 s with 50,000 pods bound to them, Lease freshness and API p99 in steady state.
//
//   node --import tsx bench/cluster-scale.ts [--quick] [--nodes=N] [--pods=N] [--replicas=N] [--steady-seconds=S]
//
// Each phase runs in a fresh child process (this file with --phase=NAME) so its RSS is its own.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import type { KubeObject } from '../src/api/object.js';
import { HttpKubeClient } from '../src/client/http-client.js';
import { R } from '../src/client/resources.js';
import { isAlreadyExists, type KubeClient } from '../src/client/types.js';
import { startSimNodes } from '../src/sim/start-sim-nodes.js';
import { startTestControlPlane } from '../test/support/control-plane.js';
import { Samples, summarize, type LatencySummary } from './lib/stats.js';
import { formatTable, MiB, verdict } from './lib/table.js';

const args = process.argv.slice(2);
const flag = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const quick = args.includes('--quick');
const settings = {
  replicas: Number(flag('replicas') ?? (quick ? 200 : 1000)),
  rolloutNodes: Number(flag('rollout-nodes') ?? (quick ? 10 : 50)),
  nodes: Number(flag('nodes') ?? (quick ? 500 : 5000)),
  pods: Number(flag('pods') ?? (quick ? 5000 : 50_000)),
  steadySeconds: Number(flag('steady-seconds') ?? (quick ? 10 : 30)),
};
const log = (s: string) => process.stderr.write(`[bench/cluster-scale] ${s}\n`);
const NS = 'bench';

interface RolloutReport {
  phase: 'rollout';
  mode: 'deployment' | 'pre-bound pods';
  replicas: number;
  createdMs: number;
  readyMs: number;
  api: LatencySummary;
  rssMiB: number;
}

interface ScaleReport {
  phase: 'scale';
  nodes: number;
  pods: number;
  registerS: number;
  createS: number;
  runningS: number;
  running: number;
  rssMiB: number;
  heapMiB: number;
  leaseMaxAgeS: number;
  api: LatencySummary;
}

// ---- shared helpers ----

async function ensureNamespace(client: KubeClient, name: string): Promise<void> {
  try {
    await client.create(R.namespaces, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
  }
}

function boundPod(name: string, nodeName: string | undefined, labels: Record<string, string>): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: NS, labels },
    spec: {
      ...(nodeName ? { nodeName } : {}),
      containers: [{ name: 'app', image: 'registry.k8s.io/pause:3.10', resources: { requests: { cpu: '10m', memory: '16Mi' } } }],
    },
  };
}

const isReady = (p: KubeObject) => ((p.status as any)?.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True');
const isRunning = (p: KubeObject) => (p.status as any)?.phase === 'Running';

/** Counts pods of the namespace as they are created and as they turn Ready/Running (by uid only). */
function podCounter(client: KubeClient, signal: AbortSignal, done: (p: KubeObject) => boolean) {
  const seen = new Set<string>();
  const finished = new Set<string>();
  const c = { created: 0, finished: 0, firstCreatedAt: 0, lastCreatedAt: 0, lastFinishedAt: 0 };
  const run = async () => {
    while (!signal.aborted) {
      try {
        await client.watch(R.pods, NS, { signal, allowWatchBookmarks: true }, (e) => {
          if (e.type !== 'ADDED' && e.type !== 'MODIFIED') return;
          const uid = e.object.metadata.uid!;
          if (!seen.has(uid)) {
            seen.add(uid);
            c.created++;
            c.lastCreatedAt = performance.now();
          }
          if (!finished.has(uid) && done(e.object)) {
            finished.add(uid);
            c.finished++;
            c.lastFinishedAt = performance.now();
          }
        });
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  };
  void run();
  return c;
}

/** A light API client: GET of a namespace and a ConfigMap create, back to back, recording latency. */
function apiProbe(client: KubeClient, signal: AbortSignal) {
  const samples = new Samples();
  let errors = 0;
  let i = 0;
  const t0 = performance.now();
  const loop = async () => {
    while (!signal.aborted) {
      const start = performance.now();
      try {
        if (i++ % 2) await client.get(R.namespaces, '', NS);
        else await client.create(R.configmaps, NS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { generateName: 'probe-' }, data: { k: 'v' } });
        samples.push(performance.now() - start);
      } catch {
        errors++;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const loops = Promise.all([loop(), loop()]);
  return {
    async stop(): Promise<LatencySummary> {
      await loops;
      return summarize(samples.view(), (performance.now() - t0) / 1000, errors);
    },
  };
}

async function until(what: string, cond: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!cond()) {
    if (performance.now() > deadline) {
      log(`gave up waiting for ${what}`);
      return false;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}

/** Creates total pods with `concurrency` requests in flight; returns how many failed for good. */
async function createAll(client: KubeClient, total: number, concurrency: number, make: (i: number) => KubeObject): Promise<number> {
  let next = 0;
  let failed = 0;
  const worker = async () => {
    for (let i = next++; i < total; i = next++) {
      for (let attempt = 0; ; attempt++) {
        try {
          await client.create(R.pods, NS, make(i));
          break;
        } catch (err) {
          if (isAlreadyExists(err)) break;
          if (attempt >= 8) {
            if (failed++ === 0) log(`create failed: ${String(err)}`);
            break;
          }
          await new Promise((r) => setTimeout(r, Math.min(5000, 100 * 2 ** attempt)));
        }
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return failed;
}

/** Separate HTTP/2 connections, so a watch backlog never holds up writes or the probe. */
function clients(config: ConstructorParameters<typeof HttpKubeClient>[0]) {
  const c = { writer: new HttpKubeClient(config), watcher: new HttpKubeClient(config), prober: new HttpKubeClient(config) };
  return { ...c, close: () => Object.values(c).forEach((x) => x.close()) };
}

// ---- phase 1: rollout ----

async function rolloutPhase(): Promise<RolloutReport> {
  const cp = await startTestControlPlane({ controllers: true });
  const ac = new AbortController();
  const config = await cp.clientConfig('bench-admin', ['system:masters']);
  const cs = clients(config);
  const client = cs.writer;
  const logger = pino({ level: 'silent' });
  try {
    const pool = startSimNodes(config, settings.rolloutNodes, logger, ac.signal, { heartbeatSeconds: 10 });
    await pool.registered;
    await ensureNamespace(client, NS);
    const counter = podCounter(cs.watcher, ac.signal, isReady);
    const probeAc = new AbortController();
    const probe = apiProbe(cs.prober, probeAc.signal);
    const n = settings.replicas;
    log(`rollout: Deployment of ${n} replicas on ${settings.rolloutNodes} simulated nodes`);
    const t0 = performance.now();
    await client.create(R.deployments, NS, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'scale', namespace: NS },
      spec: {
        replicas: n,
        selector: { matchLabels: { app: 'scale' } },
        template: { metadata: { labels: { app: 'scale' } }, spec: (boundPod('x', undefined, {}).spec as object) },
      },
    });
    let mode: RolloutReport['mode'] = 'deployment';
    const controllersWork = await until('the first pod of the Deployment', () => counter.created > 0, 15_000);
    let start = t0;
    if (!controllersWork) {
      // No controller manager in the control plane yet: measure the sim nodes' part alone.
      mode = 'pre-bound pods';
      log('rollout: no pods after 15 s (controllers not wired?); creating pre-bound pods instead');
      start = performance.now();
      await createAll(client, n, 32, (i) => boundPod(`pre-${i}`, `sim-node-${i % settings.rolloutNodes}`, { app: 'pre' }));
    }
    await until(`${n} pods created`, () => counter.created >= n, 120_000);
    await until(`${n} pods Ready`, () => counter.finished >= n, 120_000);
    const api = await (probeAc.abort(), probe.stop());
    return {
      phase: 'rollout',
      mode,
      replicas: n,
      createdMs: counter.lastCreatedAt - start,
      readyMs: counter.lastFinishedAt - start,
      api,
      rssMiB: process.memoryUsage().rss / MiB,
    };
  } finally {
    ac.abort();
    cs.close();
    await cp.stop();
  }
}

// ---- phase 2: scale ----

async function scalePhase(): Promise<ScaleReport> {
  const cp = await startTestControlPlane({ controllers: true });
  const ac = new AbortController();
  const config = await cp.clientConfig('bench-admin', ['system:masters']);
  const cs = clients(config);
  const client = cs.writer;
  const logger = pino({ level: 'silent' });
  try {
    const { nodes, pods } = settings;
    log(`scale: registering ${nodes} simulated nodes`);
    let t = performance.now();
    const pool = startSimNodes(config, nodes, logger, ac.signal, { heartbeatSeconds: 10 });
    await pool.registered;
    const registerS = (performance.now() - t) / 1000;
    await ensureNamespace(client, NS);
    const counter = podCounter(cs.watcher, ac.signal, isRunning);
    log(`scale: creating ${pods} pods bound round-robin (nodes registered in ${registerS.toFixed(1)} s)`);
    t = performance.now();
    const failed = await createAll(client, pods, 32, (i) => boundPod(`p-${i}`, `sim-node-${i % nodes}`, { app: 'scale' }));
    const createS = (performance.now() - t) / 1000;
    if (failed) log(`scale: ${failed} pods could not be created`);
    await until(`${pods - failed} pods Running`, () => counter.finished >= pods - failed, 600_000);
    const runningS = (counter.lastFinishedAt - t) / 1000;
    log(`scale: ${counter.finished} pods Running; steady state for ${settings.steadySeconds} s`);
    const probeAc = new AbortController();
    const probe = apiProbe(cs.prober, probeAc.signal);
    let rss = 0;
    let heap = 0;
    const end = performance.now() + settings.steadySeconds * 1000;
    while (performance.now() < end) {
      await new Promise((r) => setTimeout(r, 1000));
      const m = process.memoryUsage();
      rss = Math.max(rss, m.rss);
      heap = Math.max(heap, m.heapUsed);
    }
    const api = await (probeAc.abort(), probe.stop());
    const leases = await client.list(R.leases, 'kube-node-lease');
    const now = Date.now();
    let maxAge = 0;
    for (const l of leases.items) {
      const renew = Date.parse(((l.spec as any)?.renewTime as string) ?? '');
      if (Number.isFinite(renew)) maxAge = Math.max(maxAge, (now - renew) / 1000);
    }
    return { phase: 'scale', nodes, pods, registerS, createS, runningS, running: counter.finished, rssMiB: rss / MiB, heapMiB: heap / MiB, leaseMaxAgeS: maxAge, api };
  } finally {
    ac.abort();
    cs.close();
    await cp.stop();
  }
}

// ---- driver ----

function runPhase<T>(phase: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), [...args, `--phase=${phase}`], { execArgv: process.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let report: T | undefined;
    child.on('message', (m: T) => (report = m));
    child.on('error', reject);
    child.on('exit', (code) => (report ? resolve(report) : reject(new Error(`${phase} phase exited with ${code}`))));
  });
}

function print(rollout: RolloutReport | undefined, scale: ScaleReport | undefined): void {
  if (rollout) {
    console.log(`\nRollout: ${rollout.replicas} replicas (${rollout.mode}) on ${settings.rolloutNodes} simulated nodes`);
    console.log(formatTable(['measure', 'value', 'aim', ''], [
      ['pods created (s)', rollout.createdMs / 1000, '<= 5', rollout.mode === 'deployment' ? verdict(rollout.createdMs <= 5000) : 'n/a'],
      ['pods Ready (s)', rollout.readyMs / 1000, '', ''],
      ['API p50 (ms)', rollout.api.p50ms, '', ''],
      ['API p99 (ms)', rollout.api.p99ms, '<= 1000', verdict(rollout.api.p99ms <= 1000)],
      ['API requests', rollout.api.ops, '', ''],
      ['RSS (MiB)', rollout.rssMiB, '', ''],
    ]));
    if (rollout.mode !== 'deployment') console.log('(the controller manager and scheduler were not running: pods were created already bound)');
  }
  if (scale) {
    console.log(`\nScale: ${scale.nodes} simulated nodes heartbeating every 10 s, ${scale.pods} pods, one process`);
    console.log(formatTable(['measure', 'value', 'aim', ''], [
      ['nodes registered (s)', scale.registerS, '', ''],
      ['pods created (s)', scale.createS, '', ''],
      ['pods Running (s)', scale.runningS, '', ''],
      ['pods Running', scale.running, '', ''],
      ['RSS max, steady (MiB)', scale.rssMiB, '<= 1024', verdict(scale.rssMiB <= 1024)],
      ['heap used max (MiB)', scale.heapMiB, '', ''],
      ['oldest Lease renewal (s)', scale.leaseMaxAgeS, '<= 40', verdict(scale.leaseMaxAgeS <= 40)],
      ['API p50 (ms)', scale.api.p50ms, '', ''],
      ['API p99 (ms)', scale.api.p99ms, '<= 1000', verdict(scale.api.p99ms <= 1000)],
    ]));
  }
}

async function main(): Promise<void> {
  const phase = flag('phase');
  if (phase) {
    const report = phase === 'rollout' ? await rolloutPhase() : await scalePhase();
    await new Promise<void>((r) => process.send!(report, () => r()));
    process.disconnect?.();
    setTimeout(() => process.exit(0), 2000).unref();
    return;
  }
  const only = flag('only');
  const rollout = only && only !== 'rollout' ? undefined : await runPhase<RolloutReport>('rollout').catch((e) => (log(String(e)), undefined));
  const scale = only && only !== 'scale' ? undefined : await runPhase<ScaleReport>('scale').catch((e) => (log(String(e)), undefined));
  print(rollout, scale);
  if ((!only || only === 'rollout') && !rollout) process.exitCode = 1;
  if ((!only || only === 'scale') && !scale) process.exitCode = 1;
}

await main();
