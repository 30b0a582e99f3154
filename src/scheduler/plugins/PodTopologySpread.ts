// PodTopologySpread: DoNotSchedule constraints bound the skew between topology domains (Filter);
// ScheduleAnyway constraints, or the system defaults (hostname maxSkew 3, zone maxSkew 5) for
// pods selected by a Service/ReplicaSet/StatefulSet/ReplicationController, prefer less crowded
// domains (Score). Domain counts are computed once per cycle.
import { compileRequirements, requirementsFromSpec, type LabelPredicate } from '../../api/selectors/label-selector.js';
import { LABEL_HOSTNAME, LABEL_ZONE, type TopologySpreadConstraint } from '../api-types.js';
import { MAX_NODE_SCORE, SKIP, type CycleState, type FilterPlugin, type PreFilterPlugin, type PreScorePlugin, type ScorePlugin, type Snapshot, type Status } from '../framework.js';
import { requiredNodeAffinity, type NodeMatcher } from '../helpers/node-selector.js';
import { findUntoleratedTaint } from '../helpers/taints.js';
import type { NodeInfo, PodInfo } from '../node-info.js';

export const POD_TOPOLOGY_SPREAD = 'PodTopologySpread';
export const ERR_REASON_CONSTRAINTS_NOT_MATCH = "node(s) didn't match pod topology spread constraints";
export const ERR_REASON_NODE_LABEL_NOT_MATCH = ERR_REASON_CONSTRAINTS_NOT_MATCH + ' (missing required label)';
const FILTER_KEY = 'PreFilter' + POD_TOPOLOGY_SPREAD;
const SCORE_KEY = 'PreScore' + POD_TOPOLOGY_SPREAD;

export const SYSTEM_DEFAULT_CONSTRAINTS: readonly Pick<TopologySpreadConstraint, 'topologyKey' | 'maxSkew' | 'whenUnsatisfiable'>[] = [
  { topologyKey: LABEL_HOSTNAME, whenUnsatisfiable: 'ScheduleAnyway', maxSkew: 3 },
  { topologyKey: LABEL_ZONE, whenUnsatisfiable: 'ScheduleAnyway', maxSkew: 5 },
];

export interface Constraint {
  maxSkew: number;
  topologyKey: string;
  selector: LabelPredicate;
  minDomains: number;
  honorNodeAffinity: boolean;
  honorTaints: boolean;
}

const hardEffect = (e: string) => e === 'NoSchedule' || e === 'NoExecute';

/** The pod's constraints of one kind, with matchLabelKeys folded into the selector. */
export function podConstraints(pod: PodInfo, when: 'DoNotSchedule' | 'ScheduleAnyway', snapshot: Snapshot): { constraints: Constraint[]; defaulted: boolean } {
  const own = pod.pod.spec.topologySpreadConstraints;
  if (own?.length) {
    const constraints: Constraint[] = [];
    for (const c of own) {
      if (c.whenUnsatisfiable !== when) continue;
      const reqs = c.labelSelector ? requirementsFromSpec(c.labelSelector) : null;
      for (const key of c.matchLabelKeys ?? []) {
        const v = pod.labels?.[key];
        if (v !== undefined && reqs) reqs.push({ key, op: 'in', values: [v] });
      }
      constraints.push({
        maxSkew: c.maxSkew,
        topologyKey: c.topologyKey,
        selector: reqs ? compileRequirements(reqs) : () => false,
        minDomains: c.minDomains ?? 1,
        honorNodeAffinity: c.nodeAffinityPolicy !== 'Ignore',
        honorTaints: c.nodeTaintsPolicy === 'Honor',
      });
    }
    return { constraints, defaulted: false };
  }
  if (when === 'DoNotSchedule') return { constraints: [], defaulted: true };
  const selectors = snapshot.ownerSelectors(pod);
  if (selectors.length === 0) return { constraints: [], defaulted: true };
  const selector: LabelPredicate = selectors.length === 1 ? selectors[0]! : (labels) => selectors.every((s) => s(labels));
  return {
    constraints: SYSTEM_DEFAULT_CONSTRAINTS.map((c) => ({ maxSkew: c.maxSkew, topologyKey: c.topologyKey, selector, minDomains: 1, honorNodeAffinity: true, honorTaints: false })),
    defaulted: true,
  };
}

function hasAllKeys(node: NodeInfo, constraints: Constraint[]): boolean {
  const labels = node.labels;
  if (!labels) return false;
  for (const c of constraints) if (labels[c.topologyKey] === undefined) return false;
  return true;
}

function included(c: Constraint, pod: PodInfo, node: NodeInfo, affinity: NodeMatcher): boolean {
  if (c.honorNodeAffinity && !affinity(node)) return false;
  if (c.honorTaints && node.taints.length && findUntoleratedTaint(node.taints, pod.pod.spec.tolerations, hardEffect)) return false;
  return true;
}

export function countMatching(node: NodeInfo, selector: LabelPredicate, namespace: string): number {
  let n = 0;
  for (const p of node.pods) if (p.namespace === namespace && !p.terminating && selector(p.labels)) n++;
  return n;
}

interface FilterState {
  constraints: Constraint[];
  /** Per constraint: topology value → matching pods. */
  counts: Map<string, number>[];
  /** Per constraint: the global minimum, 0 when fewer domains than minDomains. */
  minMatch: number[];
}

export function computeFilterState(pod: PodInfo, constraints: Constraint[], snapshot: Snapshot): FilterState {
  const affinity = requiredNodeAffinity(pod.pod);
  const counts = constraints.map(() => new Map<string, number>());
  for (const node of snapshot.nodeInfoList) {
    if (!hasAllKeys(node, constraints)) continue;
    for (let i = 0; i < constraints.length; i++) {
      const c = constraints[i]!;
      if (!included(c, pod, node, affinity)) continue;
      const v = node.labels![c.topologyKey]!;
      counts[i]!.set(v, (counts[i]!.get(v) ?? 0) + countMatching(node, c.selector, pod.namespace));
    }
  }
  const minMatch = constraints.map((c, i) => {
    const m = counts[i]!;
    if (m.size < c.minDomains) return 0;
    let min = Infinity;
    for (const n of m.values()) if (n < min) min = n;
    return min;
  });
  return { constraints, counts, minMatch };
}

interface ScoreState {
  constraints: Constraint[];
  /** Per constraint: topology value → matching pods (unused for hostname, counted per node). */
  counts: Map<string, number>[];
  weights: number[];
  ignored: Set<NodeInfo>;
}

export class PodTopologySpread implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin {
  readonly name = POD_TOPOLOGY_SPREAD;

  preFilter(state: CycleState, pod: PodInfo, snapshot: Snapshot): Status | null {
    const { constraints } = podConstraints(pod, 'DoNotSchedule', snapshot);
    if (constraints.length === 0) return SKIP;
    state.write(FILTER_KEY, computeFilterState(pod, constraints, snapshot));
    return null;
  }

  filter(state: CycleState, pod: PodInfo, node: NodeInfo): Status | null {
    const s = state.read<FilterState>(FILTER_KEY);
    if (!s) return null;
    for (let i = 0; i < s.constraints.length; i++) {
      const c = s.constraints[i]!;
      const v = node.labels?.[c.topologyKey];
      if (v === undefined) return { code: 'UnschedulableAndUnresolvable', reasons: [ERR_REASON_NODE_LABEL_NOT_MATCH], plugin: POD_TOPOLOGY_SPREAD };
      const self = c.selector(pod.labels) ? 1 : 0;
      const skew = (s.counts[i]!.get(v) ?? 0) + self - s.minMatch[i]!;
      if (skew > c.maxSkew) return { code: 'Unschedulable', reasons: [ERR_REASON_CONSTRAINTS_NOT_MATCH], plugin: POD_TOPOLOGY_SPREAD };
    }
    return null;
  }

  preScore(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[], snapshot: Snapshot): Status | null {
    const { constraints, defaulted } = podConstraints(pod, 'ScheduleAnyway', snapshot);
    if (constraints.length === 0) return SKIP;
    const requireAll = !defaulted;
    const ignored = new Set<NodeInfo>();
    const counts = constraints.map(() => new Map<string, number>());
    for (const node of nodes) {
      if (requireAll && !hasAllKeys(node, constraints)) {
        ignored.add(node);
        continue;
      }
      for (let i = 0; i < constraints.length; i++) {
        const c = constraints[i]!;
        const v = node.labels?.[c.topologyKey];
        if (v === undefined || c.topologyKey === LABEL_HOSTNAME) continue;
        counts[i]!.set(v, 0);
      }
    }
    const weights = constraints.map((c, i) => Math.log((c.topologyKey === LABEL_HOSTNAME ? nodes.length - ignored.size : counts[i]!.size) + 2));
    if (counts.some((m) => m.size > 0)) {
      const affinity = requiredNodeAffinity(pod.pod);
      for (const node of snapshot.nodeInfoList) {
        if (requireAll && !hasAllKeys(node, constraints)) continue;
        for (let i = 0; i < constraints.length; i++) {
          const c = constraints[i]!;
          if (c.topologyKey === LABEL_HOSTNAME) continue;
          const v = node.labels?.[c.topologyKey];
          if (v === undefined) continue;
          const cur = counts[i]!.get(v);
          if (cur === undefined || !included(c, pod, node, affinity)) continue;
          counts[i]!.set(v, cur + countMatching(node, c.selector, pod.namespace));
        }
      }
    }
    state.write(SCORE_KEY, { constraints, counts, weights, ignored } satisfies ScoreState);
    return null;
  }

  score(state: CycleState, pod: PodInfo, node: NodeInfo): number {
    const s = state.read<ScoreState>(SCORE_KEY)!;
    if (s.ignored.has(node)) return 0;
    let score = 0;
    for (let i = 0; i < s.constraints.length; i++) {
      const c = s.constraints[i]!;
      const v = node.labels?.[c.topologyKey];
      if (v === undefined) continue;
      const cnt = c.topologyKey === LABEL_HOSTNAME ? countMatching(node, c.selector, pod.namespace) : (s.counts[i]!.get(v) ?? 0);
      score += cnt * s.weights[i]! + (c.maxSkew - 1);
    }
    return Math.round(score);
  }

  normalizeScore(state: CycleState, _p: PodInfo, scores: number[], nodes: readonly NodeInfo[]): void {
    const s = state.read<ScoreState>(SCORE_KEY)!;
    let min = Infinity;
    let max = 0;
    for (let i = 0; i < scores.length; i++) {
      if (s.ignored.has(nodes[i]!)) continue;
      const v = scores[i]!;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    for (let i = 0; i < scores.length; i++) {
      if (s.ignored.has(nodes[i]!)) scores[i] = 0;
      else if (max === 0) scores[i] = MAX_NODE_SCORE;
      else scores[i] = Math.trunc((MAX_NODE_SCORE * (max + min - scores[i]!)) / max);
    }
  }
}
