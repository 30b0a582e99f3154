// Scheduler throughput end to end over HTTPS: a client creates bare pods, the scheduler (in the
// server, an API client with its own certificate) binds them through pods/binding, and simulated
// nodes write their Running status. Prints pods/s to bound and to Running, and per-pod p50/p99
// from creation to binding, next to the aim (>= 200 pods/s end to end).
//   node --import tsx bench/scheduler-e2e.ts [--quick]
import { startTestControlPlane } from '../test/support/control-plane.js';
import { HttpKubeClient } from '../src/client/http-client.js';
import { R } from '../src/client/resources.js';
import type { KubeObject } from '../src/api/object.js';

const quick = process.argv.includes('--quick');
const PODS = quick ? 500 : 2000;
const NODES = quick ? 20 : 100;
const CONCURRENCY = 50;

function pct(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : NaN;
}

async function main(): Promise<void> {
  const cp = await startTestControlPlane({ controllers: true, simNodes: NODES });
  const config = await cp.clientConfig('bench', ['system:masters']);
  const writer = new HttpKubeClient(config);
  const watcher = new HttpKubeClient(config);
  const ac = new AbortController();
  try {
    const deadline = Date.now() + 60_000;
    while ((await writer.list(R.nodes, '')).items.length < NODES) {
      if (Date.now() > deadline) throw new Error('simulated nodes did not register');
      await new Promise((r) => setTimeout(r, 250));
    }
    await writer.create(R.namespaces, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bench' } } as KubeObject);
    const createdAt = new Map<string, number>();
    const boundAt = new Map<string, number>();
    const runningAt = new Map<string, number>();
    let resolveAll!: () => void;
    const allRunning = new Promise<void>((r) => (resolveAll = r));
    const list = await watcher.list(R.pods, 'bench');
    void watcher.watch(R.pods, 'bench', { resourceVersion: list.metadata.resourceVersion, signal: ac.signal, timeoutSeconds: 600 }, (ev) => {
      const p = ev.object as any;
      const name = p.metadata.name;
      const now = performance.now();
      if (p.spec?.nodeName && !boundAt.has(name)) boundAt.set(name, now);
      if (p.status?.phase === 'Running' && !runningAt.has(name)) {
        runningAt.set(name, now);
        if (runningAt.size === PODS) resolveAll();
      }
    });
    const start = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < PODS) {
          const i = next++;
          const name = `p-${i}`;
          createdAt.set(name, performance.now());
          await writer.create(R.pods, 'bench', {
            apiVersion: 'v1',
            kind: 'Pod',
            metadata: { name },
            spec: { containers: [{ name: 'c', image: 'busybox', resources: { requests: { cpu: '10m', memory: '16Mi' } } }] },
          } as KubeObject);
        }
      }),
    );
    const created = performance.now();
    await Promise.race([allRunning, new Promise((_, rej) => setTimeout(() => rej(new Error(`only ${runningAt.size}/${PODS} Running after 5 min`)), 300_000))]);
    const end = performance.now();
    const lastBound = Math.max(...boundAt.values());
    const latencies = [...boundAt.entries()].map(([n, t]) => t - createdAt.get(n)!).sort((a, b) => a - b);
    const bindRate = PODS / ((lastBound - start) / 1000);
    const runRate = PODS / ((end - start) / 1000);
    console.log(`\nScheduler end to end over HTTPS: ${PODS} pods, ${NODES} simulated nodes, ${CONCURRENCY} concurrent creators`);
    console.log(`  created in              ${((created - start) / 1000).toFixed(2)} s (${(PODS / ((created - start) / 1000)).toFixed(0)} pods/s)`);
    console.log(`  all bound in            ${((lastBound - start) / 1000).toFixed(2)} s -> ${bindRate.toFixed(0)} pods/s   (aim >= 200: ${bindRate >= 200 ? 'met' : 'missed'})`);
    console.log(`  all Running in          ${((end - start) / 1000).toFixed(2)} s -> ${runRate.toFixed(0)} pods/s`);
    console.log(`  create -> bound         p50 ${pct(latencies, 50).toFixed(1)} ms, p99 ${pct(latencies, 99).toFixed(1)} ms`);
    console.log(`  server process RSS      ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB (server, controllers, scheduler, sim and this client share one process)`);
  } finally {
    ac.abort();
    writer.close();
    watcher.close();
    await cp.stop();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
