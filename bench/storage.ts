// Storage benchmarks. (1) Binder throughput, in-process: 1,000 static volumes and 1,000 claims
// in a real API server, then the persistentvolume-binder started and timed until every claim is
// Bound (all API writes included); plus the pure matching cost of 1,000 claims over 1,000 volumes.
// (2) On a real node (needs root and containerd; skipped with a reason otherwise): time from
// creating a claim of the default local-path class (WaitForFirstConsumer) and a pod using it to
// the pod Running with its freshly provisioned volume, p50/p99 over 20 (sequential).
//   node --import tsx bench/storage.ts [--quick] [--claims=1000] [--runs=20] [--no-node]
import { readFileSync } from 'node:fs';
import pino from 'pino';
import type { KubeObject } from '../src/api/object.js';
import { HttpKubeClient, kubeconfigToConfig } from '../src/client/http-client.js';
import { createSharedInformerFactory } from '../src/client/informer.js';
import { realClock } from '../src/client/informer-types.js';
import { R } from '../src/client/resources.js';
import { PersistentVolumeController } from '../src/controllers/volume/persistentvolume/binder-controller.js';
import { findMatchingVolume } from '../src/controllers/volume/persistentvolume/matching.js';
import type { PersistentVolume, PersistentVolumeClaim } from '../src/storage/api.js';
import { startTestControlPlane } from '../test/support/control-plane.js';
import { nodeClusterUnavailable, startNodeCluster } from '../test/support/node-cluster.js';
import { percentile } from './lib/stats.js';

const arg = (name: string, dflt: number): number => {
  const a = process.argv.find((x) => x.startsWith(`--${name}=`));
  return a ? Number(a.slice(name.length + 3)) : dflt;
};
const quick = process.argv.includes('--quick');
const CLAIMS = arg('claims', quick ? 300 : 1000);
const RUNS = arg('runs', quick ? 5 : 20);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mib = (b: number) => `${(b / 1024 / 1024).toFixed(0)} MiB`;

const volume = (i: number): PersistentVolume => ({
  apiVersion: 'v1',
  kind: 'PersistentVolume',
  metadata: { name: `bench-pv-${i}` },
  spec: { capacity: { storage: `${1 + (i % 10)}Gi` }, accessModes: ['ReadWriteOnce'], storageClassName: 'bench', persistentVolumeReclaimPolicy: 'Retain', hostPath: { path: `/tmp/bench-pv-${i}` } },
});
const claim = (i: number): PersistentVolumeClaim => ({
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { name: `bench-pvc-${i}`, namespace: 'default' },
  spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'bench', resources: { requests: { storage: `${1 + (i % 10)}Gi` } } },
});

/** Creates objects with a few requests in flight. */
async function createAll(client: HttpKubeClient, gvr: typeof R.pods, ns: string, objs: KubeObject[], parallel = 16): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: parallel }, async () => {
    while (next < objs.length) await client.create(gvr, ns, objs[next++]!);
  }));
}

function matchingCost(): void {
  const vols = Array.from({ length: CLAIMS }, (_, i) => ({ ...volume(i), status: { phase: 'Available' as const } }));
  const claims = Array.from({ length: CLAIMS }, (_, i) => ({ ...claim(i), metadata: { ...claim(i).metadata, uid: `u${i}` } }));
  const taken = new Set<string>();
  const t0 = performance.now();
  for (const c of claims) {
    const v = findMatchingVolume(c, vols, { excluded: taken });
    if (v) taken.add(v.metadata.name!);
  }
  const ms = performance.now() - t0;
  console.log(`matching (pure)       ${CLAIMS} claims x ${CLAIMS} volumes: ${ms.toFixed(0)} ms, ${(CLAIMS / (ms / 1000)).toFixed(0)} claims/s, matched ${taken.size}`);
}

async function binderThroughput(): Promise<void> {
  const cp = await startTestControlPlane({ controllers: false });
  const client = new HttpKubeClient(await cp.clientConfig('admin', ['system:masters']));
  const ac = new AbortController();
  try {
    await createAll(client, R.persistentvolumes, '', Array.from({ length: CLAIMS }, (_, i) => volume(i)));
    await createAll(client, R.persistentvolumeclaims, 'default', Array.from({ length: CLAIMS }, (_, i) => claim(i)));
    const heap0 = process.memoryUsage();
    const informers = createSharedInformerFactory(client);
    const binder = new PersistentVolumeController(
      { client, informers, recorder: { event: () => undefined }, clock: realClock, logger: pino({ level: 'silent' }) },
      { resyncMs: 60_000 },
    );
    const t0 = performance.now();
    const run = binder.run(ac.signal);
    informers.start(ac.signal);
    for (;;) {
      const bound = (await client.list<PersistentVolumeClaim>(R.persistentvolumeclaims, 'default')).items.filter((c) => c.status?.phase === 'Bound').length;
      if (bound === CLAIMS) break;
      if (performance.now() - t0 > 600_000) throw new Error(`only ${bound}/${CLAIMS} claims bound after 10 min`);
      await sleep(100);
    }
    const s = (performance.now() - t0) / 1000;
    const pvs = (await client.list<PersistentVolume>(R.persistentvolumes, '')).items;
    const boundPVs = pvs.filter((v) => v.status?.phase === 'Bound').length;
    const mem = process.memoryUsage();
    console.log(`binder (API included) ${CLAIMS} claims bound in ${s.toFixed(2)} s: ${(CLAIMS / s).toFixed(0)} claims/s (${boundPVs} volumes Bound)`);
    console.log(`                      process RSS ${mib(mem.rss)}, heap ${mib(mem.heapUsed)} (heap before binder ${mib(heap0.heapUsed)})`);
    ac.abort();
    await run;
  } finally {
    ac.abort();
    client.close();
    await cp.stop();
  }
}

async function podWithFreshVolume(): Promise<void> {
  const why = nodeClusterUnavailable();
  if (why || process.argv.includes('--no-node')) {
    console.log(`claim+pod → Running: skipped (${why ?? '--no-node'})`);
    return;
  }
  const cluster = await startNodeCluster();
  const client = new HttpKubeClient(kubeconfigToConfig(readFileSync(cluster.kubeconfig, 'utf8')));
  try {
    const ns = 'bench-storage';
    await client.create(R.namespaces, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    // Warm the image so the figure is about storage, not pulls.
    const warm = async (name: string, withVolume: boolean) => {
      const spec: Record<string, unknown> = { terminationGracePeriodSeconds: 0, containers: [{ name: 'c', image: 'busybox', command: ['sh', '-c', 'echo x > /data/f 2>/dev/null; sleep 3600'], ...(withVolume ? { volumeMounts: [{ name: 'd', mountPath: '/data' }] } : {}) }] };
      if (withVolume) spec.volumes = [{ name: 'd', persistentVolumeClaim: { claimName: name } }];
      return client.create(R.pods, ns, { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec } as KubeObject);
    };
    const running = async (name: string, timeoutMs = 120_000) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const p = (await client.get(R.pods, ns, name)) as any;
        if (p.status?.phase === 'Running') return;
        if (Date.now() > deadline) throw new Error(`pod ${name} not Running: ${JSON.stringify(p.status)}`);
        await sleep(20);
      }
    };
    await warm('warmup', false);
    await running('warmup');
    await client.delete(R.pods, ns, 'warmup', { gracePeriodSeconds: 0 });
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const name = `vol-${i}`;
      const t0 = performance.now();
      await client.create(R.persistentvolumeclaims, ns, { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } } as KubeObject);
      await warm(name, true);
      await running(name);
      times.push(performance.now() - t0);
      await client.delete(R.pods, ns, name, { gracePeriodSeconds: 0 });
      await client.delete(R.persistentvolumeclaims, ns, name);
    }
    const s = Float64Array.from(times).sort();
    console.log(`claim+pod → Running   fresh local-path volume, ${RUNS} runs: p50 ${percentile(s, 0.5).toFixed(0)} ms   p99 ${percentile(s, 0.99).toFixed(0)} ms   max ${s[s.length - 1]!.toFixed(0)} ms`);
    await client.delete(R.namespaces, '', ns).catch(() => undefined);
    // Let Delete reclaim finish before the node goes away.
    const deadline = Date.now() + 60_000;
    while ((await client.list(R.persistentvolumes, '')).items.length > 0 && Date.now() < deadline) await sleep(500);
  } finally {
    client.close();
    await cluster.stop();
  }
}

console.log(`bench/storage: ${CLAIMS} claims, ${RUNS} claim+pod runs${quick ? ' (quick)' : ''}`);
matchingCost();
await binderThroughput();
await podWithFreshVolume();
