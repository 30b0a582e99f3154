// Turning kubelet summaries into PodMetrics and NodeMetrics, in metrics-server's units
// (CPU in nano-cores "n", memory in "Ki"). Pure functions.
import type { Summary } from '../../kubelet/server/stats-summary.js';

export const METRICS_WINDOW = '10s';

export interface Usage {
  cpu: string;
  memory: string;
}

export function usage(nanoCores: number | undefined, workingSetBytes: number | undefined): Usage {
  return { cpu: `${Math.max(0, Math.round(nanoCores ?? 0))}n`, memory: `${Math.max(0, Math.round((workingSetBytes ?? 0) / 1024))}Ki` };
}

export interface PodMetrics {
  kind: 'PodMetrics';
  apiVersion: 'metrics.k8s.io/v1beta1';
  metadata: { name: string; namespace: string; creationTimestamp: string; labels?: Record<string, string> };
  timestamp: string;
  window: string;
  containers: { name: string; usage: Usage }[];
}

export interface NodeMetrics {
  kind: 'NodeMetrics';
  apiVersion: 'metrics.k8s.io/v1beta1';
  metadata: { name: string; creationTimestamp: string; labels?: Record<string, string> };
  timestamp: string;
  window: string;
  usage: Usage;
}

function secondTime(iso: string | undefined, now: Date): string {
  const d = iso ? new Date(iso) : now;
  return (Number.isNaN(d.getTime()) ? now : d).toISOString().replace(/\.\d+Z$/, 'Z');
}

export function nodeMetrics(s: Summary, labels: Record<string, string> | undefined, now: Date): NodeMetrics | undefined {
  const n = s.node;
  if (!n.cpu && !n.memory) return undefined;
  return {
    kind: 'NodeMetrics',
    apiVersion: 'metrics.k8s.io/v1beta1',
    metadata: { name: n.nodeName, creationTimestamp: secondTime(undefined, now), ...(labels ? { labels } : {}) },
    timestamp: secondTime(n.cpu?.time, now),
    window: METRICS_WINDOW,
    usage: usage(n.cpu?.usageNanoCores, n.memory?.workingSetBytes),
  };
}

export function podMetrics(s: Summary, labelsOf: (ns: string, name: string) => Record<string, string> | undefined, now: Date): PodMetrics[] {
  const out: PodMetrics[] = [];
  for (const p of s.pods) {
    if (!p.containers.length) continue;
    const labels = labelsOf(p.podRef.namespace, p.podRef.name);
    out.push({
      kind: 'PodMetrics',
      apiVersion: 'metrics.k8s.io/v1beta1',
      metadata: { name: p.podRef.name, namespace: p.podRef.namespace, creationTimestamp: secondTime(undefined, now), ...(labels ? { labels } : {}) },
      timestamp: secondTime(p.cpu?.time, now),
      window: METRICS_WINDOW,
      containers: p.containers.map((c) => ({ name: c.name, usage: usage(c.cpu?.usageNanoCores, c.memory?.workingSetBytes) })),
    });
  }
  return out;
}
