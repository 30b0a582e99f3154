// The kubelet's /stats/summary (upstream's stats/v1alpha1 Summary), built from CRI pod and
// container stats plus the host's own /proc figures. CPU rates come from two cumulative samples.
import { readFileSync } from 'node:fs';
import type { ContainerStats, PodSandboxStats } from '../cri/types.js';

export interface CpuStats { time: string; usageNanoCores?: number; usageCoreNanoSeconds?: number }
export interface MemoryStats { time: string; workingSetBytes?: number; usageBytes?: number; rssBytes?: number; availableBytes?: number }
export interface ContainerSummary { name: string; startTime?: string; cpu?: CpuStats; memory?: MemoryStats }
export interface PodSummary {
  podRef: { name: string; namespace: string; uid: string };
  startTime?: string;
  containers: ContainerSummary[];
  cpu?: CpuStats;
  memory?: MemoryStats;
}
export interface Summary {
  node: { nodeName: string; startTime?: string; cpu?: CpuStats; memory?: MemoryStats };
  pods: PodSummary[];
}

interface Sample { atNs: number; usageNs: number }

/** Remembers the last cumulative CPU sample per key to turn counters into nano-cores. */
export class CpuRateTracker {
  private readonly last = new Map<string, Sample>();

  rate(key: string, atNs: number, usageNs: number | undefined, reported?: number): number | undefined {
    if (reported) return reported;
    if (usageNs === undefined) return undefined;
    const prev = this.last.get(key);
    this.last.set(key, { atNs, usageNs });
    if (!prev || atNs <= prev.atNs || usageNs < prev.usageNs) return undefined;
    return Math.round(((usageNs - prev.usageNs) / (atNs - prev.atNs)) * 1e9);
  }

  retain(keys: Set<string>): void {
    for (const k of this.last.keys()) if (!keys.has(k)) this.last.delete(k);
  }
}

function iso(ns: number | undefined): string {
  return new Date(ns ? ns / 1e6 : Date.now()).toISOString();
}

function containerSummary(c: ContainerStats, tracker: CpuRateTracker, seen: Set<string>): ContainerSummary {
  const id = c.attributes?.id ?? '';
  seen.add(id);
  const out: ContainerSummary = { name: c.attributes?.metadata?.name ?? id };
  if (c.cpu) {
    const usage = c.cpu.usage_core_nano_seconds?.value;
    out.cpu = { time: iso(c.cpu.timestamp), usageCoreNanoSeconds: usage, usageNanoCores: tracker.rate(id, c.cpu.timestamp, usage, c.cpu.usage_nano_cores?.value) };
  }
  if (c.memory) {
    out.memory = { time: iso(c.memory.timestamp), workingSetBytes: c.memory.working_set_bytes?.value, usageBytes: c.memory.usage_bytes?.value, rssBytes: c.memory.rss_bytes?.value };
  }
  return out;
}

function sum(vals: (number | undefined)[]): number | undefined {
  let t: number | undefined;
  for (const v of vals) if (v !== undefined) t = (t ?? 0) + v;
  return t;
}

/**
 * Pods from CRI sandbox stats when the runtime has them, otherwise grouped from container stats
 * (containerd 1.6 answers ListPodSandboxStats with UNIMPLEMENTED).
 */
export function buildPodSummaries(
  sandboxes: PodSandboxStats[] | undefined,
  containers: ContainerStats[],
  tracker: CpuRateTracker,
): PodSummary[] {
  const seen = new Set<string>();
  const pods = new Map<string, PodSummary>();
  const podFor = (labels: Record<string, string> | undefined): PodSummary | undefined => {
    const ns = labels?.['io.kubernetes.pod.namespace'];
    const name = labels?.['io.kubernetes.pod.name'];
    const uid = labels?.['io.kubernetes.pod.uid'] ?? '';
    if (!ns || !name) return undefined;
    const key = `${ns}/${name}/${uid}`;
    let p = pods.get(key);
    if (!p) pods.set(key, (p = { podRef: { name, namespace: ns, uid }, containers: [] }));
    return p;
  };
  const list = sandboxes?.length ? sandboxes.flatMap((s) => s.linux?.containers ?? []) : containers;
  for (const c of list) {
    const p = podFor(c.attributes?.labels);
    if (p) p.containers.push(containerSummary(c, tracker, seen));
  }
  for (const p of pods.values()) {
    const time = p.containers.find((c) => c.cpu)?.cpu?.time ?? new Date().toISOString();
    p.cpu = { time, usageNanoCores: sum(p.containers.map((c) => c.cpu?.usageNanoCores)), usageCoreNanoSeconds: sum(p.containers.map((c) => c.cpu?.usageCoreNanoSeconds)) };
    p.memory = { time, workingSetBytes: sum(p.containers.map((c) => c.memory?.workingSetBytes)), usageBytes: sum(p.containers.map((c) => c.memory?.usageBytes)) };
  }
  tracker.retain(new Set([...seen, 'node']));
  return [...pods.values()];
}

/** Node CPU and memory from /proc (the node's own cgroup root would also count system daemons). */
export function hostSummary(tracker: CpuRateTracker, nowNs = Number(process.hrtime.bigint())): { cpu: CpuStats; memory: MemoryStats } {
  const time = new Date().toISOString();
  let usageNs: number | undefined;
  try {
    const cpuLine = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal: busy = all but idle and iowait, in USER_HZ (100/s).
    const busy = cpuLine.slice(0, 8).reduce((a, v, i) => (i === 3 || i === 4 ? a : a + v), 0);
    usageNs = busy * 1e7;
  } catch {
    /* not Linux */
  }
  const mem: MemoryStats = { time };
  try {
    const info = Object.fromEntries(readFileSync('/proc/meminfo', 'utf8').split('\n').filter(Boolean).map((l) => {
      const [k, v] = l.split(':');
      return [k!.trim(), Number.parseInt(v!.trim(), 10) * 1024];
    }));
    const total = info.MemTotal ?? 0;
    const avail = info.MemAvailable ?? 0;
    mem.usageBytes = total - (info.MemFree ?? 0);
    mem.workingSetBytes = total - avail;
    mem.availableBytes = avail;
  } catch {
    /* not Linux */
  }
  return { cpu: { time, usageCoreNanoSeconds: usageNs, usageNanoCores: tracker.rate('node', nowNs, usageNs) }, memory: mem };
}
