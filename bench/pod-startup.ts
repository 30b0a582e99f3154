// Pod start-up latency on a real node, as upstream's pod start-up SLO measures it: from creation
// to all containers started, observed through a watch, with the image already present. The
// control plane runs in this process; the node agent (kubelet + its containerd) runs in a child
// process so its RSS and CPU are its own. Prints p50/p99 for 1 pod (several runs) and for 30 pods
// created at once, split into control-plane time (sent → bound, seen by the watch) and node time
// (bound → all containers running); the agent's RSS and CPU with 30 running pods; and the time
// `k8ts server` takes from start to a Ready node. Needs root, containerd, runc, CNI plugins,
// docker-registry and skopeo; prints why and exits 0 otherwise. creationTimestamp has whole-second
// resolution, so the clock starts when the create request is sent (at or before it).
//   node --import tsx bench/pod-startup.ts [--quick] [--pods=30] [--single-runs=5] [--no-server-start]
//   [--no-runtime-gate]   (every pod's runtime work at once, to compare with the gate)
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import type { KubeObject } from '../src/api/object.js';
import { HttpKubeClient, kubeconfigToConfig, type HttpKubeClientConfig } from '../src/client/http-client.js';
import { R } from '../src/client/resources.js';
import { freePort, repoRoot, startCluster } from '../test/support/cluster.js';
import { startTestControlPlane, type TestControlPlane } from '../test/support/control-plane.js';
import { startImageRegistry, type ImageRegistry } from '../test/support/image-registry.js';
import { nodeRuntimeUnavailable, testNodeNetwork, unmountBelow } from '../test/support/node-runtime.js';
import { percentile } from './lib/stats.js';

type Obj = Record<string, any>;

const arg = (name: string, dflt: number): number => {
  const a = process.argv.find((x) => x.startsWith(`--${name}=`));
  return a ? Number(a.slice(name.length + 3)) : dflt;
};
const quick = process.argv.includes('--quick');
const PODS = arg('pods', 30);
const SINGLE_RUNS = arg('single-runs', quick ? 3 : 5);
const SETTLE_MS = quick ? 3_000 : 10_000;
const rand = (n: number): number => Math.floor(Math.random() * n);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const now = (): number => performance.timeOrigin + performance.now();

// ---- the agent child process ----

interface AgentChildConfig {
  dataDir: string;
  nodeName: string;
  nodeIP: string;
  podCIDR: string;
  clusterCIDR: string;
  serviceCIDR: string;
  bridge: string;
  client: HttpKubeClientConfig;
}

async function agentChild(configFile: string): Promise<void> {
  const { startAgent } = await import('../src/agent/agent.js');
  const cfg = JSON.parse(await readFile(configFile, 'utf8')) as AgentChildConfig;
  const ac = new AbortController();
  process.on('SIGTERM', () => ac.abort());
  const agent = await startAgent(
    {
      dataDir: cfg.dataDir,
      nodeName: cfg.nodeName,
      nodeIP: cfg.nodeIP,
      podCIDR: cfg.podCIDR,
      clusterCIDR: cfg.clusterCIDR,
      serviceCIDR: cfg.serviceCIDR,
      cniBridge: cfg.bridge,
      serverClientConfig: cfg.client,
      removePodsOnStop: true,
      logger: pino({ level: process.env.K8TS_BENCH_LOG ?? 'warn' }, pino.destination(2)),
    },
    ac.signal,
  );
  if (process.argv.includes('--no-runtime-gate')) {
    // For comparison only: every pod's sandbox and containers at once, as before the gate.
    const { RuntimeGate } = await import('../src/kubelet/pods/runtime-gate.js');
    Object.assign(agent.kubelet.syncer, { gate: new RuntimeGate(Number.MAX_SAFE_INTEGER) });
  }
  process.stdout.write('agent started\n');
  await agent.done;
  process.exit(0);
}

// ---- measurement helpers ----

/** utime+stime of a process in seconds, and its RSS in MiB. */
async function procUsage(pid: number): Promise<{ cpuS: number; rssMiB: number }> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const rssKiB = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return { cpuS: ticks / 100, rssMiB: rssKiB / 1024 };
}

/** Every descendant pid of pid (containerd and its shims, for the agent). */
async function descendants(pid: number): Promise<number[]> {
  const out: number[] = [];
  const visit = async (p: number): Promise<void> => {
    for (const t of await readdir(`/proc/${p}/task`).catch(() => [] as string[])) {
      const kids = (await readFile(`/proc/${p}/task/${t}/children`, 'utf8').catch(() => '')).split(' ').filter(Boolean).map(Number);
      for (const k of kids) {
        out.push(k);
        await visit(k);
      }
    }
  };
  await visit(pid);
  return out;
}

/** Busy and total jiffies of the whole machine (/proc/stat). */
async function machineCpu(): Promise<{ busy: number; total: number }> {
  const f = (await readFile('/proc/stat', 'utf8')).split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = f.reduce((a, b) => a + b, 0);
  const idle = (f[3] ?? 0) + (f[4] ?? 0);
  return { busy: total - idle, total };
}

/** The containerd shims serving the containerd under dataDir (they re-parent to init). */
async function shimsOf(dataDir: string): Promise<number[]> {
  const out: number[] = [];
  for (const d of await readdir('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const cmd = await readFile(`/proc/${d}/cmdline`, 'utf8').catch(() => '');
    if (cmd.startsWith('/usr/bin/containerd-shim') && cmd.includes(dataDir)) out.push(Number(d));
  }
  return out;
}

async function commOf(pid: number): Promise<string> {
  return (await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '?')).trim();
}

interface PodTimes {
  sent: number;
  bound?: number;
  running?: number;
}

/** Watches ns and stamps, per pod name, when it was first seen bound and with all containers running. */
function trackPods(client: HttpKubeClient, ns: string, rv: string, signal: AbortSignal): { times: Map<string, PodTimes>; waitRunning(names: string[], timeoutMs: number): Promise<void> } {
  const times = new Map<string, PodTimes>();
  const waiters = new Set<() => void>();
  void client
    .watch(R.pods, ns, { resourceVersion: rv, signal, timeoutSeconds: 3600 }, (ev) => {
      const t = now();
      const p = ev.object as Obj;
      const rec = times.get(p.metadata.name);
      if (!rec) return;
      if (rec.bound === undefined && p.spec?.nodeName) rec.bound = t;
      const want = (p.spec?.containers ?? []).length;
      const statuses: Obj[] = p.status?.containerStatuses ?? [];
      if (rec.running === undefined && want > 0 && statuses.length === want && statuses.every((s) => s.state?.running)) rec.running = t;
      for (const w of waiters) w();
    })
    .catch(() => undefined);
  return {
    times,
    waitRunning(names, timeoutMs) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          if (names.every((n) => times.get(n)?.running !== undefined)) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve();
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          const left = names.filter((n) => times.get(n)?.running === undefined);
          reject(new Error(`${left.length} pods not running after ${timeoutMs / 1000} s: ${left.slice(0, 5).join(', ')}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
  };
}

const podBody = (name: string): KubeObject =>
  ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { bench: 'pod-startup' } },
    spec: {
      terminationGracePeriodSeconds: 0,
      containers: [{ name: 'c', image: 'busybox', imagePullPolicy: 'IfNotPresent', command: ['sleep', '3600'], resources: { requests: { cpu: '1m', memory: '4Mi' } } }],
    },
  }) as KubeObject;

function summary(label: string, values: number[]): string {
  const s = Float64Array.from(values).sort();
  return `${label.padEnd(34)} p50 ${fmt(percentile(s, 0.5))}   p99 ${fmt(percentile(s, 0.99))}   max ${fmt(s[s.length - 1] ?? 0)}`;
}
const fmt = (ms: number): string => `${(ms / 1000).toFixed(3)} s`.padStart(9);

async function waitPodsGone(client: HttpKubeClient, ns: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await client.list(R.pods, ns)).items.length > 0) {
    if (Date.now() > deadline) throw new Error(`pods in ${ns} not gone after ${timeoutMs / 1000} s`);
    await sleep(250);
  }
}

async function waitNodeReady(client: HttpKubeClient, node: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const n = (await client.get(R.nodes, '', node).catch(() => undefined)) as Obj | undefined;
    if ((n?.status?.conditions ?? []).some((c: Obj) => c.type === 'Ready' && c.status === 'True')) return;
    if (Date.now() > deadline) throw new Error(`node ${node} not Ready after ${timeoutMs / 1000} s`);
    await sleep(100);
  }
}

// ---- phase 1: pods on a node agent in its own process ----

async function podStartup(registry: ImageRegistry): Promise<void> {
  const nodeName = `bench-ps-${process.pid}`;
  const net = testNodeNetwork('k8tsb');
  const ns = `bench-ps-${rand(1e6)}`;
  let cp: TestControlPlane | undefined;
  let child: ChildProcess | undefined;
  let client: HttpKubeClient | undefined;
  let dataDir: string | undefined;
  const ac = new AbortController();
  try {
    cp = await startTestControlPlane({ controllers: true, serviceCidr: net.serviceCIDR });
    client = new HttpKubeClient(await cp.clientConfig('bench', ['system:masters']));
    dataDir = await mkdtemp(join(tmpdir(), 'k8ts-bps-'));
    await writeFile(join(dataDir, 'registries.yaml'), registry.registriesYaml());
    const cfg: AgentChildConfig = { dataDir, nodeName, nodeIP: '127.0.0.1', podCIDR: net.podCIDR, clusterCIDR: net.clusterCIDR, serviceCIDR: net.serviceCIDR, bridge: net.bridge, client: await cp.clientConfig(`system:node:${nodeName}`, ['system:nodes']) };
    const cfgFile = join(dataDir, 'bench-agent.json');
    await writeFile(cfgFile, JSON.stringify(cfg), { mode: 0o600 });
    const agentStart = now();
    child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), `--agent-child=${cfgFile}`, ...process.argv.filter((a) => a === '--no-runtime-gate')], { stdio: ['ignore', 'ignore', 'inherit'] });
    const childExit = new Promise<void>((resolve) => child!.once('exit', () => resolve()));
    await Promise.race([waitNodeReady(client, nodeName, 60_000), childExit.then(() => Promise.reject(new Error('agent exited')))]);
    console.log(`agent start → Ready node          ${fmt(now() - agentStart)}  (containerd start, registration, CNI)`);
    await client.create(R.namespaces, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } } as KubeObject);
    // The scheduler needs the namespace's default ServiceAccount only through admission; wait for it anyway.
    await sleep(500);
    const list = await client.list(R.pods, ns);
    const tracker = trackPods(client, ns, list.metadata.resourceVersion!, ac.signal);
    const idle = await procUsage(child.pid!);

    const createPods = async (names: string[]): Promise<void> => {
      await Promise.all(
        names.map(async (n) => {
          tracker.times.set(n, { sent: now() });
          await client!.create(R.pods, ns, podBody(n));
        }),
      );
    };

    // Warm-up: the first pod pulls the image; not counted.
    await createPods(['warmup']);
    await tracker.waitRunning(['warmup'], 120_000);
    await client.delete(R.pods, ns, 'warmup', { gracePeriodSeconds: 0 } as never);
    await waitPodsGone(client, ns, 60_000);

    const single: number[] = [];
    const singleCp: number[] = [];
    const singleNode: number[] = [];
    for (let i = 0; i < SINGLE_RUNS; i++) {
      const n = `single-${i}`;
      await createPods([n]);
      await tracker.waitRunning([n], 60_000);
      const t = tracker.times.get(n)!;
      single.push(t.running! - t.sent);
      singleCp.push(t.bound! - t.sent);
      singleNode.push(t.running! - t.bound!);
      await client.delete(R.pods, ns, n, { gracePeriodSeconds: 0 } as never);
      await waitPodsGone(client, ns, 60_000);
      await sleep(300);
    }

    const names = Array.from({ length: PODS }, (_, i) => `burst-${i}`);
    const containerdPid = (await Promise.all((await descendants(child.pid!)).map(async (p) => ((await commOf(p)) === 'containerd' ? p : 0)))).find((p) => p > 0);
    const cpuBefore = { agent: await procUsage(child.pid!), containerd: containerdPid ? await procUsage(containerdPid) : undefined, machine: await machineCpu() };
    const burstStart = now();
    await createPods(names);
    await tracker.waitRunning(names, 180_000);
    const burstEnd = now();
    const cpuAfter = { agent: await procUsage(child.pid!), containerd: containerdPid ? await procUsage(containerdPid) : undefined, machine: await machineCpu() };
    const burst = names.map((n) => tracker.times.get(n)!);

    console.log(`\nPod start-up (sent → all containers running, seen by a watch; image present)`);
    console.log(summary(`1 pod (${SINGLE_RUNS} runs)  total`, single));
    console.log(summary('                     control plane', singleCp));
    console.log(summary('                     node', singleNode));
    console.log(summary(`${PODS} pods at once  total`, burst.map((t) => t.running! - t.sent)));
    console.log(summary('                     control plane', burst.map((t) => t.bound! - t.sent)));
    console.log(summary('                     node', burst.map((t) => t.running! - t.bound!)));
    console.log(`all ${PODS} running after            ${fmt(burstEnd - burstStart)}`);
    const burstS = (burstEnd - burstStart) / 1000;
    const busy = cpuAfter.machine.busy - cpuBefore.machine.busy;
    const total = cpuAfter.machine.total - cpuBefore.machine.total;
    console.log(
      `CPU during the burst: agent ${(cpuAfter.agent.cpuS - cpuBefore.agent.cpuS).toFixed(2)} s, containerd ${cpuAfter.containerd && cpuBefore.containerd ? (cpuAfter.containerd.cpuS - cpuBefore.containerd.cpuS).toFixed(2) : '?'} s, ` +
        `whole machine ${((busy / total) * 100).toFixed(0)} % busy of ${availableParallelism()} CPUs over ${burstS.toFixed(1)} s (shims, runc, CNI plugins and anything else running)`,
    );

    // Steady state with the pods running: the agent's own usage, and its containerd's.
    await sleep(2_000);
    const before = await procUsage(child.pid!);
    const kids = await descendants(child.pid!);
    const kidsBefore = await Promise.all(kids.map((p) => procUsage(p).catch(() => ({ cpuS: 0, rssMiB: 0 }))));
    const t0 = now();
    await sleep(SETTLE_MS);
    const after = await procUsage(child.pid!);
    const kidsAfter = await Promise.all(kids.map((p) => procUsage(p).catch(() => ({ cpuS: 0, rssMiB: 0 }))));
    const secs = (now() - t0) / 1000;
    const comms = await Promise.all(kids.map(commOf));
    const sum = (xs: { cpuS: number; rssMiB: number }[], pick: (i: number) => boolean, key: 'cpuS' | 'rssMiB'): number => xs.reduce((a, x, i) => a + (pick(i) ? x[key] : 0), 0);
    const isContainerd = (i: number): boolean => comms[i] === 'containerd';
    const shims = await Promise.all((await shimsOf(dataDir)).map((p) => procUsage(p).catch(() => ({ cpuS: 0, rssMiB: 0 }))));
    console.log(`\nWith ${PODS} pods running (${(secs).toFixed(0)} s window)`);
    console.log(`agent process (kubelet)  RSS ${after.rssMiB.toFixed(0)} MiB (idle before pods ${idle.rssMiB.toFixed(0)} MiB)   CPU ${(((after.cpuS - before.cpuS) / secs) * 100).toFixed(1)} %`);
    console.log(`containerd               RSS ${sum(kidsAfter, isContainerd, 'rssMiB').toFixed(0)} MiB   CPU ${(((sum(kidsAfter, isContainerd, 'cpuS') - sum(kidsBefore, isContainerd, 'cpuS')) / secs) * 100).toFixed(1)} %`);
    console.log(`containerd shims (${shims.length})      RSS ${shims.reduce((a, x) => a + x.rssMiB, 0).toFixed(0)} MiB total`);

    for (const n of names) await client.delete(R.pods, ns, n, { gracePeriodSeconds: 0 } as never).catch(() => undefined);
    await waitPodsGone(client, ns, 120_000).catch((err: unknown) => console.error(String(err)));
    await client.delete(R.namespaces, '', ns).catch(() => undefined);
  } finally {
    ac.abort();
    if (child && child.exitCode === null) {
      const exited = new Promise<void>((resolve) => child!.once('exit', () => resolve()));
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(60_000)]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    client?.close();
    await cp?.stop();
    await net.cleanup();
    if (dataDir) {
      await unmountBelow(dataDir);
      await rm(dataDir, { recursive: true, force: true });
    }
  }
}

// ---- phase 2: `k8ts server` (built dist) from spawn to a Ready node ----

async function serverStartup(registry: ImageRegistry): Promise<void> {
  if (!existsSync(join(repoRoot(), 'dist', 'src', 'cli', 'main.js'))) {
    console.log('\nk8ts server start → Ready node: skipped (no dist/: run `npx tsc -p tsconfig.json` first)');
    return;
  }
  const nodeName = `bench-srv-${rand(1e6)}`;
  const net = testNodeNetwork('k8tsv');
  const t0 = now();
  const cluster = await startCluster({
    noAgent: false,
    reuseShared: false,
    readyTimeoutMs: 120_000,
    prepareDataDir: (dir) => writeFileSync(join(dir, 'registries.yaml'), registry.registriesYaml()),
    extraArgs: ['--node-name', nodeName, '--node-ip', `127.${1 + rand(250)}.${rand(256)}.${1 + rand(250)}`, '--kubelet-port', String(await freePort()),
      '--cni-bridge', net.bridge, '--cluster-cidr', net.clusterCIDR, '--service-cidr', net.serviceCIDR, '--remove-pods-on-stop'],
  });
  const apiReady = now();
  const client = new HttpKubeClient(kubeconfigToConfig(readFileSync(cluster.kubeconfig, 'utf8')));
  try {
    await waitNodeReady(client, nodeName, 120_000);
    const nodeReady = now();
    console.log(`\nk8ts server start → /readyz          ${fmt(apiReady - t0)}`);
    console.log(`k8ts server start → Ready node       ${fmt(nodeReady - t0)}  (fresh data dir: CA, certificates, containerd start, node registration, CNI)`);
  } finally {
    client.close();
    const dataDir = cluster.dataDir;
    await unmountBelow(dataDir).catch(() => undefined);
    await cluster.stop();
    await unmountBelow(dataDir).catch(() => undefined);
    await net.cleanup();
  }
}

// ---- main ----

async function main(): Promise<void> {
  const childCfg = process.argv.find((a) => a.startsWith('--agent-child='));
  if (childCfg) return agentChild(childCfg.slice('--agent-child='.length));
  const why = nodeRuntimeUnavailable();
  if (why) {
    console.log(`pod-startup: skipped (${why})`);
    return;
  }
  const registry = await startImageRegistry();
  try {
    await podStartup(registry);
    if (!process.argv.includes('--no-server-start')) await serverStartup(registry);
  } finally {
    await registry.stop();
  }
}

await main();
