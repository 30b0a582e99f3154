// Desired replicas from resource metrics (pure), upstream's ReplicaCalculator for Resource
// metrics: usage ratio = current / target (utilization as integer percent of requests, or average
// value); inside the 10% tolerance nothing changes; otherwise ceil(ratio * pods with metrics).
// Pods without metrics dampen the move: they count as 100% of their request when scaling down
// and as 0 when scaling up, and if that flips the direction nothing changes.
import type { KubeObject } from '../../api/object.js';
import { quantityValue } from '../../api/quantity.js';

export const DEFAULT_TOLERANCE = 0.1;

export interface PodMetric {
  name: string;
  cpuMillis: number;
  memoryBytes: number;
}

/** Where the controller reads pod usage from (metrics-server in upstream; synthetic with sim nodes). */
export interface MetricsSource {
  podMetrics(namespace: string, selector: string): Promise<PodMetric[]>;
}

export type ResourceName = 'cpu' | 'memory';

export interface ResourceTarget {
  name: ResourceName;
  type: 'Utilization' | 'AverageValue';
  averageUtilization?: number;
  /** In base units: millicores for cpu, bytes for memory. */
  averageValue?: number;
}

export interface ReplicaResult {
  replicas: number;
  /** Current utilization (percent) when the target is a utilization. */
  utilization?: number;
  /** Average usage per pod in base units (millicores / bytes). */
  averageValue: number;
}

const usageOf = (m: PodMetric, r: ResourceName) => (r === 'cpu' ? m.cpuMillis : m.memoryBytes);

/** Sum of container requests of a resource in base units; undefined if a container has none. */
export function podRequest(pod: KubeObject, r: ResourceName): number | undefined {
  let total = 0;
  for (const c of ((pod as any).spec?.containers ?? []) as any[]) {
    const q = quantityValue(c.resources?.requests?.[r]);
    if (q === undefined) return undefined;
    total += r === 'cpu' ? Math.round(q * 1000) : q;
  }
  return total;
}

/** Pods that count: not terminating and not finished. */
export function activePods(pods: readonly KubeObject[]): KubeObject[] {
  return pods.filter((p) => !p.metadata.deletionTimestamp && !['Failed', 'Succeeded'].includes((p as any).status?.phase));
}

/**
 * Replicas a Resource metric asks for. Throws (with upstream-like messages) when metrics or
 * requests are missing.
 */
export function resourceReplicas(currentReplicas: number, target: ResourceTarget, pods: readonly KubeObject[], metrics: readonly PodMetric[], tolerance = DEFAULT_TOLERANCE): ReplicaResult {
  const active = activePods(pods);
  const byName = new Map(metrics.map((m) => [m.name, m]));
  const withMetrics = active.filter((p) => byName.has(p.metadata.name!));
  const missing = active.filter((p) => !byName.has(p.metadata.name!));
  if (!withMetrics.length) throw new Error(`did not receive metrics for targeted pods (pods might be unready)`);
  const r = target.name;
  const ratioFor = (extraUsage: number, extraPods: KubeObject[]) => {
    let usage = extraUsage;
    let requests = 0;
    for (const p of [...withMetrics, ...extraPods]) {
      if (target.type === 'Utilization') {
        const req = podRequest(p, r);
        if (req === undefined || req === 0) throw new Error(`missing request for ${r} in pod ${p.metadata.namespace}/${p.metadata.name}`);
        requests += req;
      }
    }
    for (const p of withMetrics) usage += usageOf(byName.get(p.metadata.name!)!, r);
    const n = withMetrics.length + extraPods.length;
    if (target.type === 'Utilization') {
      const utilization = Math.trunc((usage * 100) / requests);
      return { ratio: utilization / target.averageUtilization!, utilization, average: usage / n };
    }
    return { ratio: usage / n / target.averageValue!, utilization: undefined, average: usage / n };
  };
  const base = ratioFor(0, []);
  const result = (replicas: number): ReplicaResult => ({ replicas, utilization: base.utilization, averageValue: Math.round(base.average) });
  if (!missing.length) {
    if (Math.abs(1 - base.ratio) <= tolerance) return result(currentReplicas);
    return result(Math.ceil(base.ratio * withMetrics.length));
  }
  // Missing pods: assume their request when scaling down, nothing when scaling up.
  let assumed = 0;
  if (base.ratio < 1) {
    for (const p of missing) assumed += target.type === 'Utilization' ? podRequest(p, r) ?? 0 : target.averageValue!;
  }
  const adjusted = ratioFor(assumed, missing);
  if (Math.abs(1 - adjusted.ratio) <= tolerance || (base.ratio < 1 && adjusted.ratio > 1) || (base.ratio > 1 && adjusted.ratio < 1)) {
    return result(currentReplicas);
  }
  const replicas = Math.ceil(adjusted.ratio * (withMetrics.length + missing.length));
  // Never move against the direction the measured pods asked for.
  if ((base.ratio > 1 && replicas < currentReplicas) || (base.ratio < 1 && replicas > currentReplicas)) return result(currentReplicas);
  return result(replicas);
}

/** The Resource targets of an autoscaling/v2 spec (default: cpu at 80% utilization). */
export function resourceTargets(spec: any): { targets: ResourceTarget[]; unsupported: string[] } {
  const metrics = (spec?.metrics ?? []) as any[];
  if (!metrics.length) return { targets: [{ name: 'cpu', type: 'Utilization', averageUtilization: 80 }], unsupported: [] };
  const targets: ResourceTarget[] = [];
  const unsupported: string[] = [];
  for (const m of metrics) {
    const res = m.type === 'Resource' ? m.resource : undefined;
    if (!res || (res.name !== 'cpu' && res.name !== 'memory')) {
      unsupported.push(m.type === 'Resource' ? `${res?.name} resource` : `${m.type} metric`);
      continue;
    }
    const t = res.target ?? {};
    if (t.type === 'Utilization' && typeof t.averageUtilization === 'number') targets.push({ name: res.name, type: 'Utilization', averageUtilization: t.averageUtilization });
    else if (t.type === 'AverageValue' && t.averageValue !== undefined) {
      const q = quantityValue(t.averageValue) ?? 0;
      targets.push({ name: res.name, type: 'AverageValue', averageValue: res.name === 'cpu' ? q * 1000 : q });
    } else unsupported.push(`${res.name} target ${t.type}`);
  }
  return { targets, unsupported };
}

/** How upstream names a resource metric in messages and events. */
export function metricDescription(t: ResourceTarget): string {
  return t.type === 'Utilization' ? `${t.name} resource utilization (percentage of request)` : `${t.name} resource`;
}
