// InterPodAffinity: required pod affinity / anti-affinity of the incoming pod, and the required
// anti-affinity of pods already placed, evaluated per topology domain (Filter); preferred terms
// of both sides plus existing pods' required affinity (weight 1) score domains (Score,
// min-max normalised). Counts are computed once per cycle in PreFilter/PreScore.
import { MAX_NODE_SCORE, SKIP, type CycleState, type FilterPlugin, type PreFilterPlugin, type PreScorePlugin, type ScorePlugin, type Snapshot, type Status } from '../framework.js';
import { termMatches, type AffinityTerm, type NamespaceLabels, type NodeInfo, type PodInfo } from '../node-info.js';

export const INTER_POD_AFFINITY = 'InterPodAffinity';
export const ERR_REASON_EXISTING_ANTI_AFFINITY = "node(s) didn't satisfy existing pods anti-affinity rules";
export const ERR_REASON_AFFINITY = "node(s) didn't match pod affinity rules";
export const ERR_REASON_ANTI_AFFINITY = "node(s) didn't match pod anti-affinity rules";
const FILTER_KEY = 'PreFilter' + INTER_POD_AFFINITY;
const SCORE_KEY = 'PreScore' + INTER_POD_AFFINITY;
/** Weight of an existing pod's required affinity term towards the incoming pod (HardPodAffinityWeight). */
const HARD_POD_AFFINITY_WEIGHT = 1;

/** topologyKey → topologyValue → count (or score). */
type TopologyCounts = Map<string, Map<string, number>>;

function bump(m: TopologyCounts, key: string, value: string, by: number): void {
  let inner = m.get(key);
  if (!inner) m.set(key, (inner = new Map()));
  inner.set(value, (inner.get(value) ?? 0) + by);
}

function countAt(m: TopologyCounts, key: string, value: string): number {
  return m.get(key)?.get(value) ?? 0;
}

interface FilterState {
  existingAntiAffinity: TopologyCounts;
  affinity: TopologyCounts;
  antiAffinity: TopologyCounts;
  affinityEmpty: boolean;
}

function matchesAll(terms: AffinityTerm[], pod: PodInfo, ns: NamespaceLabels): boolean {
  for (const t of terms) if (!termMatches(t, pod, ns)) return false;
  return terms.length > 0;
}

/** The PreFilter counts (pure over the snapshot). */
export function computeFilterState(pod: PodInfo, snapshot: Snapshot): FilterState {
  const ns = snapshot.namespaceLabels;
  const existingAntiAffinity: TopologyCounts = new Map();
  for (const node of snapshot.havePodsWithRequiredAntiAffinityList) {
    const labels = node.labels;
    if (!labels) continue;
    for (const existing of node.podsWithRequiredAntiAffinity) {
      for (const t of existing.requiredAntiAffinity) {
        const v = labels[t.topologyKey];
        if (v !== undefined && termMatches(t, pod, ns)) bump(existingAntiAffinity, t.topologyKey, v, 1);
      }
    }
  }
  const affinity: TopologyCounts = new Map();
  const antiAffinity: TopologyCounts = new Map();
  const aff = pod.requiredAffinity;
  const anti = pod.requiredAntiAffinity;
  if (aff.length || anti.length) {
    for (const node of snapshot.nodeInfoList) {
      const labels = node.labels;
      if (!labels || node.pods.length === 0) continue;
      for (const existing of node.pods) {
        if (aff.length && matchesAll(aff, existing, ns)) {
          for (const t of aff) {
            const v = labels[t.topologyKey];
            if (v !== undefined) bump(affinity, t.topologyKey, v, 1);
          }
        }
        for (const t of anti) {
          const v = labels[t.topologyKey];
          if (v !== undefined && termMatches(t, existing, ns)) bump(antiAffinity, t.topologyKey, v, 1);
        }
      }
    }
  }
  return { existingAntiAffinity, affinity, antiAffinity, affinityEmpty: affinity.size === 0 };
}

export class InterPodAffinity implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin {
  readonly name = INTER_POD_AFFINITY;
  private nsLabels: NamespaceLabels = () => undefined;

  preFilter(state: CycleState, pod: PodInfo, snapshot: Snapshot): Status | null {
    if (!pod.requiredAffinity.length && !pod.requiredAntiAffinity.length && !snapshot.havePodsWithRequiredAntiAffinityList.length) return SKIP;
    this.nsLabels = snapshot.namespaceLabels;
    state.write(FILTER_KEY, computeFilterState(pod, snapshot));
    return null;
  }

  filter(state: CycleState, pod: PodInfo, node: NodeInfo): Status | null {
    const s = state.read<FilterState>(FILTER_KEY);
    if (!s) return null;
    const labels = node.labels;
    if (pod.requiredAffinity.length && !this.satisfiesAffinity(s, pod, labels)) {
      return { code: 'UnschedulableAndUnresolvable', reasons: [ERR_REASON_AFFINITY], plugin: INTER_POD_AFFINITY };
    }
    for (const t of pod.requiredAntiAffinity) {
      const v = labels?.[t.topologyKey];
      if (v !== undefined && countAt(s.antiAffinity, t.topologyKey, v) > 0) {
        return { code: 'Unschedulable', reasons: [ERR_REASON_ANTI_AFFINITY], plugin: INTER_POD_AFFINITY };
      }
    }
    for (const [key, values] of s.existingAntiAffinity) {
      const v = labels?.[key];
      if (v !== undefined && (values.get(v) ?? 0) > 0) {
        return { code: 'Unschedulable', reasons: [ERR_REASON_EXISTING_ANTI_AFFINITY], plugin: INTER_POD_AFFINITY };
      }
    }
    return null;
  }

  private satisfiesAffinity(s: FilterState, pod: PodInfo, labels: Record<string, string> | undefined): boolean {
    let podsExist = true;
    for (const t of pod.requiredAffinity) {
      const v = labels?.[t.topologyKey];
      if (v === undefined) return false;
      if (countAt(s.affinity, t.topologyKey, v) <= 0) podsExist = false;
    }
    if (podsExist) return true;
    // The first pod of a group with affinity to itself may go anywhere with the topology keys.
    return s.affinityEmpty && matchesAll(pod.requiredAffinity, pod, this.nsLabels);
  }

  preScore(state: CycleState, pod: PodInfo, _nodes: readonly NodeInfo[], snapshot: Snapshot): Status | null {
    const hasPreferred = pod.preferredAffinity.length > 0 || pod.preferredAntiAffinity.length > 0;
    if (!hasPreferred && snapshot.havePodsWithAffinityList.length === 0) return SKIP;
    const ns = snapshot.namespaceLabels;
    const scores: TopologyCounts = new Map();
    const nodes = hasPreferred ? snapshot.nodeInfoList : snapshot.havePodsWithAffinityList;
    for (const node of nodes) {
      const labels = node.labels;
      if (!labels) continue;
      const pods = hasPreferred ? node.pods : node.podsWithAffinity;
      for (const existing of pods) {
        const add = (terms: AffinityTerm[], subject: PodInfo, sign: number, weight?: number) => {
          for (const t of terms) {
            const v = labels[t.topologyKey];
            if (v !== undefined && termMatches(t, subject, ns)) bump(scores, t.topologyKey, v, sign * (weight ?? t.weight));
          }
        };
        add(pod.preferredAffinity, existing, 1);
        add(pod.preferredAntiAffinity, existing, -1);
        if (existing.hasAffinity) {
          add(existing.requiredAffinity, pod, 1, HARD_POD_AFFINITY_WEIGHT);
          add(existing.preferredAffinity, pod, 1);
          add(existing.preferredAntiAffinity, pod, -1);
        }
      }
    }
    if (scores.size === 0) return SKIP;
    state.write(SCORE_KEY, scores);
    return null;
  }

  score(state: CycleState, _pod: PodInfo, node: NodeInfo): number {
    const scores = state.read<TopologyCounts>(SCORE_KEY)!;
    let total = 0;
    for (const [key, values] of scores) {
      const v = node.labels?.[key];
      if (v !== undefined) total += values.get(v) ?? 0;
    }
    return total;
  }

  normalizeScore(_s: CycleState, _p: PodInfo, scores: number[]): void {
    let min = Infinity;
    let max = -Infinity;
    for (const s of scores) {
      if (s > max) max = s;
      if (s < min) min = s;
    }
    const diff = max - min;
    for (let i = 0; i < scores.length; i++) scores[i] = diff > 0 ? Math.trunc((MAX_NODE_SCORE * (scores[i]! - min)) / diff) : 0;
  }
}
