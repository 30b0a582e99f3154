// Scheduler decision-core benchmark, in process (no API server): the default profile placing
// pods from the SchedulingQueue onto a SchedulerCache and assuming them, as the scheduler loop
// does before binding. Cases follow upstream scheduler_perf: SchedulingBasic 5000 nodes /
// 10000 pods, and 5000 pods with required pod anti-affinity on hostname.
// Run: node --import tsx bench/scheduler.ts [--quick]
import type { Node, Pod } from '../src/scheduler/api-types.js';
import { SchedulerCache } from '../src/scheduler/cache.js';
import { PodInfo } from '../src/scheduler/node-info.js';
import { defaultFramework } from '../src/scheduler/profile.js';
import { SchedulingQueue } from '../src/scheduler/queue.js';
import { schedulePod } from '../src/scheduler/schedule-one.js';

const quick = process.argv.includes('--quick');

function makeNode(i: number): Node {
  const name = `node-${i}`;
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, 'topology.kubernetes.io/zone': `zone-${i % 3}` } },
    spec: {},
    status: { allocatable: { cpu: '4', memory: '32Gi', pods: '110' }, capacity: { cpu: '4', memory: '32Gi', pods: '110' } },
  };
}

function makePod(i: number, prefix: string, antiAffinity: boolean): Pod {
  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `${prefix}-${i}`, namespace: 'default', uid: `${prefix}-uid-${i}`, labels: { app: prefix, color: 'green' } },
    spec: {
      schedulerName: 'default-scheduler',
      containers: [{ name: 'pause', image: 'registry.k8s.io/pause:3.10', resources: { requests: { cpu: '100m', memory: '500Mi' } } }],
    },
  };
  if (antiAffinity) {
    pod.spec.affinity = {
      podAntiAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { color: 'green' } }, topologyKey: 'kubernetes.io/hostname' }],
      },
    };
  }
  return pod;
}

interface CaseResult {
  name: string;
  pods: number;
  scheduled: number;
  seconds: number;
  p50ms: number;
  p99ms: number;
  rssMiB: number;
}

function runCase(name: string, nodes: number, initPods: number, pods: number, antiAffinity: boolean): CaseResult {
  const cache = new SchedulerCache();
  for (let i = 0; i < nodes; i++) cache.addOrUpdateNode(makeNode(i));
  // Initial pods already bound, spread round-robin (as scheduler_perf's init phase).
  for (let i = 0; i < initPods; i++) {
    const p = makePod(i, 'init', false);
    p.spec.nodeName = `node-${i % nodes}`;
    cache.addOrUpdatePod(p);
  }
  let now = 0;
  const queue = new SchedulingQueue({ now: () => now });
  for (let i = 0; i < pods; i++) queue.add(makePod(i, 'measured', antiAffinity));
  const fw = defaultFramework();
  const latencies = new Float64Array(pods);
  let next = 0;
  let scheduled = 0;
  let n = 0;
  const t0 = process.hrtime.bigint();
  for (;;) {
    const qpi = queue.tryPop();
    if (!qpi) break;
    const s = process.hrtime.bigint();
    const { result, nextStartNodeIndex } = schedulePod(fw, qpi.podInfo, cache, { nextStartNodeIndex: next });
    next = nextStartNodeIndex;
    if (result.kind === 'scheduled') {
      const bound = { ...qpi.podInfo.pod, spec: { ...qpi.podInfo.pod.spec, nodeName: result.node } };
      cache.assumePod(new PodInfo(bound), result.node);
      scheduled++;
    }
    queue.done(qpi.key);
    latencies[n++] = Number(process.hrtime.bigint() - s) / 1e6;
    now++;
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const sorted = latencies.slice(0, n).sort();
  return {
    name,
    pods,
    scheduled,
    seconds,
    p50ms: sorted[Math.floor(n * 0.5)] ?? 0,
    p99ms: sorted[Math.floor(n * 0.99)] ?? 0,
    rssMiB: process.memoryUsage().rss / 2 ** 20,
  };
}

const cases: [string, number, number, number, boolean][] = quick
  ? [
      ['SchedulingBasic/500Nodes_1000Pods', 500, 100, 1000, false],
      ['SchedulingPodAntiAffinity/500Nodes_500Pods', 500, 0, 500, true],
    ]
  : [
      ['SchedulingBasic/5000Nodes_10000Pods', 5000, 1000, 10000, false],
      ['SchedulingPodAntiAffinity/5000Nodes_5000Pods', 5000, 0, 5000, true],
    ];

const only = process.env.BENCH_CASE;
for (const c of cases) {
  if (only && !c[0].includes(only)) continue;
  const r = runCase(...c);
  const rate = r.scheduled / r.seconds;
  console.log(
    `${r.name}: ${r.scheduled}/${r.pods} pods scheduled in ${r.seconds.toFixed(2)} s = ${rate.toFixed(0)} pods/s ` +
      `(target >= 340), per-pod p50 ${r.p50ms.toFixed(3)} ms p99 ${r.p99ms.toFixed(3)} ms, RSS ${r.rssMiB.toFixed(0)} MiB`,
  );
}
