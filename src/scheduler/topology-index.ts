// Incremental per-topology pod counts for InterPodAffinity, so a cycle costs O(distinct pod
// label sets) instead of O(pods in the cluster): pods are grouped by namespace+labels (equal for
// pods of one template), and each group keeps, per topology key asked about, how many of its
// pods sit in each topology value. Required anti-affinity terms of placed pods (interned, see
// node-info.ts) keep the same counts. Maintained by SchedulerCache as pods are placed/removed.
import type { AffinityTerm, NodeInfo, PodInfo } from './node-info.js';

export type ValueCounts = Map<string, number>;

export class PodGroup {
  size = 0;
  readonly nodes = new Map<NodeInfo, number>();
  readonly byTopology = new Map<string, ValueCounts>();
  constructor(readonly sample: PodInfo) {}

  /** Counts of this group's pods per value of topologyKey (built once, then maintained). */
  countsFor(topologyKey: string): ValueCounts {
    let m = this.byTopology.get(topologyKey);
    if (!m) {
      m = new Map();
      for (const [node, n] of this.nodes) {
        const v = node.labels?.[topologyKey];
        if (v !== undefined) m.set(v, (m.get(v) ?? 0) + n);
      }
      this.byTopology.set(topologyKey, m);
    }
    return m;
  }
}

function inc(m: ValueCounts, v: string, by: number): void {
  const n = (m.get(v) ?? 0) + by;
  if (n === 0) m.delete(v);
  else m.set(v, n);
}

export class TopologyIndex {
  readonly groups = new Map<string, PodGroup>();
  /** Interned required anti-affinity term → pods carrying it per value of its topologyKey. */
  readonly antiAffinityTerms = new Map<AffinityTerm, ValueCounts>();

  add(pi: PodInfo, node: NodeInfo): void {
    this.update(pi, node, 1);
  }

  remove(pi: PodInfo, node: NodeInfo): void {
    this.update(pi, node, -1);
  }

  private update(pi: PodInfo, node: NodeInfo, d: 1 | -1): void {
    let g = this.groups.get(pi.selectorKey);
    if (!g) {
      if (d < 0) return;
      this.groups.set(pi.selectorKey, (g = new PodGroup(pi)));
    }
    g.size += d;
    const onNode = (g.nodes.get(node) ?? 0) + d;
    if (onNode <= 0) g.nodes.delete(node);
    else g.nodes.set(node, onNode);
    const labels = node.labels;
    if (labels) {
      for (const [key, m] of g.byTopology) {
        const v = labels[key];
        if (v !== undefined) inc(m, v, d);
      }
    }
    if (g.size <= 0) this.groups.delete(pi.selectorKey);
    for (const t of pi.requiredAntiAffinity) {
      const v = labels?.[t.topologyKey];
      if (v === undefined) continue;
      let m = this.antiAffinityTerms.get(t);
      if (!m) this.antiAffinityTerms.set(t, (m = new Map()));
      inc(m, v, d);
      if (m.size === 0) this.antiAffinityTerms.delete(t);
    }
  }
}
