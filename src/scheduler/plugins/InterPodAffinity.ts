// InterPodAffinity: required pod affinity / anti-affinity of the incoming pod, and the required
// anti-affinity of pods already placed, evaluated per topology domain (Filter); preferred terms
// of both sides plus existing pods' required affinity (weight 1) score domains (Score,
// min-max normalised). Counts are computed once per cycle in PreFilter/PreScore.
import { MAX_NODE_SCORE, SKIP, type CycleState, type FilterPlugin, type PreFilterPlugin, type PreScorePlugin, type ScorePlugin, type Snapshot, type Status } from '../framework.js';
import { TermMatchMemo, termMatches, type AffinityTerm, type NamespaceLabels, type NodeInfo, type PodInfo } from '../node-info.js';
import type { ValueCounts } from '../topology-index.js';

export const INTER_POD_AFFINITY = 'InterPodAffinity';
export const ERR_REASON_EXISTING_ANTI_AFFINITY = "node(s) didn't satisfy existing pods anti-affinity rules";
export const ERR_REASON_AFFINITY = "node(s) didn't match pod affinity rules";
export const ERR_REASON_ANTI_AFFINITY = "node(s) didn't match pod anti-affinity rules";
const FILTER_KEY = 'PreFilter' + INTER_POD_AFFINITY;
const SCORE_KEY = 'PreScore' + INTER_POD_AFFINITY;
/** Weight of an existing pod's required affinity term towards the incoming pod (HardPodAffinityWeight). */
const HARD_POD_AFFINITY_WEIGHT = 1;
const AFFINITY_REJECTED: Status = { code: 'UnschedulableAndUnresolvable', reasons: [ERR_REASON_AFFINITY], plugin: INTER_POD_AFFINITY };
const ANTI_AFFINITY_REJECTED: Status = { code: 'Unschedulable', reasons: [ERR_REASON_ANTI_AFFINITY], plugin: INTER_POD_AFFINITY };
const EXISTING_ANTI_AFFINITY_REJECTED: Status = { code: 'Unschedulable', reasons: [ERR_REASON_EXISTING_ANTI_AFFINITY], plugin: INTER_POD_AFFINITY };

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
  /** Required anti-affinity terms of placed pods that select the incoming pod. */
  existing: { topologyKey: string; counts: ValueCounts }[];
  /** Per incoming required affinity term: counts of the pod groups matching every term. */
  affinity: ValueCounts[][];
  /** Per incoming required anti-affinity term: counts of the pod groups it selects. */
  antiAffinity: ValueCounts[][];
  affinityEmpty: boolean;
  namespaceLabels: NamespaceLabels;
}

const hasAt = (maps: ValueCounts[], v: string): boolean => {
  for (const m of maps) if ((m.get(v) ?? 0) > 0) return true;
  return false;
};

function matchesAll(terms: AffinityTerm[], pod: PodInfo, ns: NamespaceLabels): boolean {
  for (const t of terms) if (!termMatches(t, pod, ns)) return false;
  return terms.length > 0;
}

/** Memoises a predicate over existing pods by their namespace+labels within one cycle. */
function podMemo(pred: (p: PodInfo) => boolean): (p: PodInfo) => boolean {
  const memo = new Map<string, boolean>();
  return (p) => {
    let m = memo.get(p.selectorKey);
    if (m === undefined) memo.set(p.selectorKey, (m = pred(p)));
    return m;
  };
}

/** The PreFilter state, read off the snapshot's incremental topology index (pure). */
export function computeFilterState(pod: PodInfo, snapshot: Snapshot): FilterState {
  const ns = snapshot.namespaceLabels;
  const index = snapshot.topology;
  const selectsIncoming = new TermMatchMemo(pod, ns);
  const existing: FilterState['existing'] = [];
  for (const [term, counts] of index.antiAffinityTerms) {
    if (counts.size && selectsIncoming.matches(term)) existing.push({ topologyKey: term.topologyKey, counts });
  }
  const aff = pod.requiredAffinity;
  const anti = pod.requiredAntiAffinity;
  const affinity: ValueCounts[][] = aff.map(() => []);
  const antiAffinity: ValueCounts[][] = anti.map(() => []);
  let affinityEmpty = true;
  if (aff.length || anti.length) {
    for (const group of index.groups.values()) {
      if (group.size <= 0) continue;
      if (aff.length && matchesAll(aff, group.sample, ns)) {
        for (let i = 0; i < aff.length; i++) {
          const m = group.countsFor(aff[i]!.topologyKey);
          if (m.size) affinityEmpty = false;
          affinity[i]!.push(m);
        }
      }
      for (let i = 0; i < anti.length; i++) {
        if (termMatches(anti[i]!, group.sample, ns)) antiAffinity[i]!.push(group.countsFor(anti[i]!.topologyKey));
      }
    }
  }
  return { existing, affinity, antiAffinity, affinityEmpty, namespaceLabels: ns };
}

export class InterPodAffinity implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin {
  readonly name = INTER_POD_AFFINITY;

  preFilter(state: CycleState, pod: PodInfo, snapshot: Snapshot): Status | null {
    if (!pod.requiredAffinity.length && !pod.requiredAntiAffinity.length && !snapshot.havePodsWithRequiredAntiAffinityList.length) return SKIP;
    state.write(FILTER_KEY, computeFilterState(pod, snapshot));
    return null;
  }

  filter(state: CycleState, pod: PodInfo, node: NodeInfo): Status | null {
    const s = state.read<FilterState>(FILTER_KEY);
    if (!s) return null;
    const labels = node.labels;
    if (pod.requiredAffinity.length && !this.satisfiesAffinity(s, pod, labels)) return AFFINITY_REJECTED;
    const anti = pod.requiredAntiAffinity;
    for (let i = 0; i < anti.length; i++) {
      const v = labels?.[anti[i]!.topologyKey];
      if (v !== undefined && hasAt(s.antiAffinity[i]!, v)) return ANTI_AFFINITY_REJECTED;
    }
    for (const e of s.existing) {
      const v = labels?.[e.topologyKey];
      if (v !== undefined && (e.counts.get(v) ?? 0) > 0) return EXISTING_ANTI_AFFINITY_REJECTED;
    }
    return null;
  }

  private satisfiesAffinity(s: FilterState, pod: PodInfo, labels: Record<string, string> | undefined): boolean {
    let podsExist = true;
    const aff = pod.requiredAffinity;
    for (let i = 0; i < aff.length; i++) {
      const v = labels?.[aff[i]!.topologyKey];
      if (v === undefined) return false;
      if (!hasAt(s.affinity[i]!, v)) podsExist = false;
    }
    if (podsExist) return true;
    // The first pod of a group with affinity to itself may go anywhere with the topology keys.
    return s.affinityEmpty && matchesAll(aff, pod, s.namespaceLabels);
  }

  preScore(state: CycleState, pod: PodInfo, _nodes: readonly NodeInfo[], snapshot: Snapshot): Status | null {
    const hasPreferred = pod.preferredAffinity.length > 0 || pod.preferredAntiAffinity.length > 0;
    if (!hasPreferred && snapshot.havePodsWithAffinityList.length === 0) return SKIP;
    const ns = snapshot.namespaceLabels;
    const selectsIncoming = new TermMatchMemo(pod, ns);
    const prefAff = pod.preferredAffinity.map((t) => podMemo((p) => termMatches(t, p, ns)));
    const prefAnti = pod.preferredAntiAffinity.map((t) => podMemo((p) => termMatches(t, p, ns)));
    const scores: TopologyCounts = new Map();
    const fromExisting = (terms: AffinityTerm[], labels: Record<string, string>, sign: number, weight: number) => {
      for (const t of terms) {
        const v = labels[t.topologyKey];
        if (v !== undefined && selectsIncoming.matches(t)) bump(scores, t.topologyKey, v, sign * (weight || t.weight));
      }
    };
    const nodes = hasPreferred ? snapshot.nodeInfoList : snapshot.havePodsWithAffinityList;
    for (const node of nodes) {
      const labels = node.labels;
      if (!labels) continue;
      const pods = hasPreferred ? node.pods : node.podsWithAffinity;
      for (const existing of pods) {
        for (let i = 0; i < prefAff.length; i++) {
          const t = pod.preferredAffinity[i]!;
          const v = labels[t.topologyKey];
          if (v !== undefined && prefAff[i]!(existing)) bump(scores, t.topologyKey, v, t.weight);
        }
        for (let i = 0; i < prefAnti.length; i++) {
          const t = pod.preferredAntiAffinity[i]!;
          const v = labels[t.topologyKey];
          if (v !== undefined && prefAnti[i]!(existing)) bump(scores, t.topologyKey, v, -t.weight);
        }
        if (existing.hasScoringAffinity) {
          fromExisting(existing.requiredAffinity, labels, 1, HARD_POD_AFFINITY_WEIGHT);
          fromExisting(existing.preferredAffinity, labels, 1, 0);
          fromExisting(existing.preferredAntiAffinity, labels, -1, 0);
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
