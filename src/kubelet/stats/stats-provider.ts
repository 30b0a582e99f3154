// Resource usage for the metrics API (kubectl top): per-container CPU and memory working set from
// CRI ListContainerStats, and the node's from /proc. CPU rates come from the difference between
// two cumulative samples; the provider keeps the last sample of each container and of the node.
// It only reads; it never changes containers or the host.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

export interface CriContainerStats {
  attributes?: { id?: string; metadata?: { name?: string } | null; labels?: Record<string, string> } | null;
  cpu?: { timestamp?: number; usage_core_nano_seconds?: { value?: number } | null; usage_nano_cores?: { value?: number } | null } | null;
  memory?: { timestamp?: number; working_set_bytes?: { value?: number } | null } | null;
}

/** The part of the CRI client stats use (structurally satisfied by CriClient). */
export interface StatsRuntime {
  runtime: { listContainerStats(req: { filter?: Record<string, unknown> }): Promise<{ stats?: CriContainerStats[] }> };
}

export interface ContainerMetrics { name: string; cpuNanoCores: number; memoryWorkingSetBytes: number }
export interface PodMetrics { namespace: string; name: string; containers: ContainerMetrics[] }
export interface NodeMetrics { cpuNanoCores: number; memoryWorkingSetBytes: number }

/** A cumulative CPU reading: nanoseconds of CPU time used, at a time in nanoseconds. */
export interface CpuSample { timestampNs: number; usageNs: number }

/** Average cores used between two samples, in nano cores; 0 when they cannot be compared. */
export function cpuNanoCores(prev: CpuSample | undefined, cur: CpuSample): number {
  if (!prev) return 0;
  const dt = cur.timestampNs - prev.timestampNs;
  const du = cur.usageNs - prev.usageNs;
  if (dt <= 0 || du < 0) return 0;
  return Math.round((du / dt) * 1e9);
}

const USER_HZ = 100;

/** CPU time the whole machine spent busy (not idle or waiting on I/O), in nanoseconds, from /proc/stat. */
export function parseProcStatBusyNs(text: string): number {
  const line = text.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) throw new Error('no cpu line in /proc/stat');
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal (guest time is already inside user)
  const busy = f[0] + f[1] + f[2] + (f[5] ?? 0) + (f[6] ?? 0) + (f[7] ?? 0);
  return (busy * 1e9) / USER_HZ;
}

/** Working set as upstream defines it for the root cgroup: usage minus inactive page cache. */
export function parseMeminfoWorkingSet(text: string): number {
  const kb = (key: string) => {
    const m = new RegExp(`^${key.replace(/[()]/g, '\\$&')}:\\s+(\\d+)`, 'm').exec(text);
    return m ? Number(m[1]) * 1024 : 0;
  };
  return Math.max(0, kb('MemTotal') - kb('MemFree') - kb('Inactive(file)'));
}

const LABEL_POD_NAME = 'io.kubernetes.pod.name';
const LABEL_POD_NAMESPACE = 'io.kubernetes.pod.namespace';
const LABEL_CONTAINER_NAME = 'io.kubernetes.container.name';

/** Samples older than this are not used for a rate; a fresh pair is taken instead. */
const MAX_SAMPLE_AGE_NS = 5 * 60 * 1e9;
const SECOND_SAMPLE_DELAY_MS = 250;

export class StatsProvider {
  private readonly containerSamples = new Map<string, CpuSample>();
  private nodeSample?: CpuSample;
  private readonly procRoot: string;

  constructor(private readonly deps: { cri: StatsRuntime; procRoot?: string }) {
    this.procRoot = deps.procRoot ?? '/proc';
  }

  async podMetrics(): Promise<PodMetrics[]> {
    let stats = await this.listStats();
    const stale = stats.some((s) => {
      const cur = this.sampleOf(s);
      const prev = this.containerSamples.get(s.attributes?.id ?? '');
      return !!cur && !s.cpu?.usage_nano_cores?.value && (!prev || cur.timestampNs - prev.timestampNs > MAX_SAMPLE_AGE_NS);
    });
    if (stale) {
      this.remember(stats);
      await new Promise((r) => setTimeout(r, SECOND_SAMPLE_DELAY_MS));
      stats = await this.listStats();
    }
    const pods = new Map<string, PodMetrics>();
    for (const s of stats) {
      const labels = s.attributes?.labels ?? {};
      const ns = labels[LABEL_POD_NAMESPACE];
      const podName = labels[LABEL_POD_NAME];
      if (!ns || !podName) continue;
      const name = labels[LABEL_CONTAINER_NAME] ?? s.attributes?.metadata?.name ?? '';
      const id = s.attributes?.id ?? '';
      const cur = this.sampleOf(s);
      let cpu = cur ? cpuNanoCores(this.containerSamples.get(id), cur) : 0;
      if (!cpu && s.cpu?.usage_nano_cores?.value) cpu = s.cpu.usage_nano_cores.value;
      const key = `${ns}/${podName}`;
      let pm = pods.get(key);
      if (!pm) {
        pm = { namespace: ns, name: podName, containers: [] };
        pods.set(key, pm);
      }
      pm.containers.push({ name, cpuNanoCores: cpu, memoryWorkingSetBytes: s.memory?.working_set_bytes?.value ?? 0 });
    }
    this.remember(stats, true);
    return [...pods.values()];
  }

  async nodeMetrics(): Promise<NodeMetrics> {
    let cur = await this.readNodeCpu();
    if (!this.nodeSample || cur.timestampNs - this.nodeSample.timestampNs > MAX_SAMPLE_AGE_NS) {
      this.nodeSample = cur;
      await new Promise((r) => setTimeout(r, SECOND_SAMPLE_DELAY_MS));
      cur = await this.readNodeCpu();
    }
    const cpu = cpuNanoCores(this.nodeSample, cur);
    this.nodeSample = cur;
    const meminfo = await fs.readFile(path.join(this.procRoot, 'meminfo'), 'utf8');
    return { cpuNanoCores: cpu, memoryWorkingSetBytes: parseMeminfoWorkingSet(meminfo) };
  }

  private async readNodeCpu(): Promise<CpuSample> {
    const text = await fs.readFile(path.join(this.procRoot, 'stat'), 'utf8');
    return { timestampNs: Number(process.hrtime.bigint()), usageNs: parseProcStatBusyNs(text) };
  }

  private async listStats(): Promise<CriContainerStats[]> {
    return (await this.deps.cri.runtime.listContainerStats({ filter: {} })).stats ?? [];
  }

  private sampleOf(s: CriContainerStats): CpuSample | undefined {
    const usage = s.cpu?.usage_core_nano_seconds?.value;
    const ts = s.cpu?.timestamp;
    return usage === undefined || usage === null || !ts ? undefined : { timestampNs: ts, usageNs: usage };
  }

  /** Keeps the latest sample per container; with prune, forgets containers that are gone. */
  private remember(stats: CriContainerStats[], prune = false): void {
    const seen = new Set<string>();
    for (const s of stats) {
      const id = s.attributes?.id ?? '';
      const sample = this.sampleOf(s);
      seen.add(id);
      if (sample) this.containerSamples.set(id, sample);
    }
    if (prune) for (const id of this.containerSamples.keys()) if (!seen.has(id)) this.containerSamples.delete(id);
  }
}
