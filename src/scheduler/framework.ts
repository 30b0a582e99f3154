// The scheduling framework's contracts: statuses, cycle state, the snapshot plugins read, and
// the extension points (PreFilter, Filter, PostFilter, PreScore, Score, Reserve) with upstream's
// names and meanings. Plugins are pure over (pod, snapshot) up to Reserve; only PreBind may do I/O.
import type { LabelPredicate } from '../api/selectors/label-selector.js';
import type { NamespaceLabels, NodeInfo, PodInfo } from './node-info.js';
import type { TopologyIndex } from './topology-index.js';
import type { SharedInformerFactory } from '../client/informer-types.js';
import type { KubeClient } from '../client/types.js';
import type { ClusterEvent } from './queue.js';

export type Code = 'Success' | 'Unschedulable' | 'UnschedulableAndUnresolvable' | 'Error' | 'Skip';

/** A non-success outcome. Success is `null` so the hot filter path allocates nothing. */
export interface Status {
  code: Exclude<Code, 'Success'>;
  reasons: string[];
  plugin?: string;
}

export const MAX_NODE_SCORE = 100;

export const unschedulable = (...reasons: string[]): Status => ({ code: 'Unschedulable', reasons });
export const unresolvable = (...reasons: string[]): Status => ({ code: 'UnschedulableAndUnresolvable', reasons });
export const SKIP: Status = Object.freeze({ code: 'Skip', reasons: [] }) as Status;
export const isRejection = (s: Status | null): s is Status => s !== null && (s.code === 'Unschedulable' || s.code === 'UnschedulableAndUnresolvable');

/** Per-pod, per-cycle scratch space plugins share between their extension points. */
export class CycleState {
  private readonly data = new Map<string, unknown>();
  /** Plugins whose PreFilter/PreScore returned Skip: their Filter/Score are not run. */
  readonly skipFilter = new Set<string>();
  readonly skipScore = new Set<string>();
  write(key: string, v: unknown): void {
    this.data.set(key, v);
  }
  read<T>(key: string): T | undefined {
    return this.data.get(key) as T | undefined;
  }
}

/** The cluster as one scheduling cycle sees it. */
export interface Snapshot {
  readonly nodeInfoList: readonly NodeInfo[];
  get(nodeName: string): NodeInfo | undefined;
  /** Nodes holding at least one pod with any pod (anti-)affinity term. */
  readonly havePodsWithAffinityList: readonly NodeInfo[];
  /** Nodes holding at least one pod with a required anti-affinity term. */
  readonly havePodsWithRequiredAntiAffinityList: readonly NodeInfo[];
  namespaceLabels: NamespaceLabels;
  /** Incremental per-topology counts of pods by label set and of required anti-affinity terms. */
  readonly topology: TopologyIndex;
  /**
   * Selectors of the Services, ReplicationControllers, ReplicaSets and StatefulSets that select
   * pod, for PodTopologySpread's system default constraints; empty when none.
   */
  ownerSelectors(pod: PodInfo): LabelPredicate[];
}

/** What a plugin that reads more than the snapshot (claims, volumes, classes) gets when the scheduler starts. */
export interface PluginContext {
  informers: SharedInformerFactory;
  client: KubeClient;
  /** Pods a plugin rejected may fit after this event (its informer saw a change). */
  onClusterEvent(event: ClusterEvent): void;
}

export interface Plugin {
  readonly name: string;
  setUp?(ctx: PluginContext): void;
}

export interface PreFilterPlugin extends Plugin {
  /** Returns null, SKIP (Filter not needed for this pod) or a rejection for every node. */
  preFilter(state: CycleState, pod: PodInfo, snapshot: Snapshot): Status | null;
}

export interface FilterPlugin extends Plugin {
  filter(state: CycleState, pod: PodInfo, node: NodeInfo): Status | null;
}

/** Why each node was rejected, for the FitError message and for preemption. */
export interface Diagnosis {
  nodeToStatus: Map<string, Status>;
  unschedulablePlugins: Set<string>;
  preFilterMsg?: string;
  postFilterMsg?: string;
}

export interface PostFilterResult {
  status: Status | null;
  nominatedNodeName?: string;
  /** Pods to delete so the preemptor fits on nominatedNodeName. */
  victims?: PodInfo[];
}

export interface PostFilterPlugin extends Plugin {
  postFilter(state: CycleState, pod: PodInfo, snapshot: Snapshot, diagnosis: Diagnosis, framework: Framework): PostFilterResult;
}

export interface PreScorePlugin extends Plugin {
  preScore(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[], snapshot: Snapshot): Status | null;
}

export interface ScorePlugin extends Plugin {
  score(state: CycleState, pod: PodInfo, node: NodeInfo): number;
  /** Maps raw scores (aligned with nodes) into [0, MAX_NODE_SCORE] in place. */
  normalizeScore?(state: CycleState, pod: PodInfo, scores: number[], nodes: readonly NodeInfo[]): void;
}

export interface ReservePlugin extends Plugin {
  reserve(state: CycleState, pod: PodInfo, nodeName: string): Status | null;
  unreserve(state: CycleState, pod: PodInfo, nodeName: string): void;
}

/**
 * PreBind runs after Reserve, off the scheduling cycle, before the pod is bound; unlike the other
 * extension points it may do I/O and wait (VolumeBinding provisions and binds claims here).
 */
export interface PreBindPlugin extends Plugin {
  preBind(state: CycleState, pod: PodInfo, nodeName: string, signal: AbortSignal): Promise<Status | null>;
}

export interface WeightedScorePlugin {
  plugin: ScorePlugin;
  weight: number;
}

/** A scheduler profile: which plugins run at each extension point, in order. */
export interface Profile {
  schedulerName: string;
  preFilter: PreFilterPlugin[];
  filter: FilterPlugin[];
  postFilter: PostFilterPlugin[];
  preScore: PreScorePlugin[];
  score: WeightedScorePlugin[];
  reserve: ReservePlugin[];
  preBind?: PreBindPlugin[];
  /** 0 means upstream's adaptive percentage. */
  percentageOfNodesToScore: number;
}

/** Runs a profile's extension points. Stateless apart from the profile. */
export class Framework {
  constructor(readonly profile: Profile) {}

  runPreFilter(state: CycleState, pod: PodInfo, snapshot: Snapshot): Status | null {
    for (const pl of this.profile.preFilter) {
      const s = pl.preFilter(state, pod, snapshot);
      if (s === null) continue;
      if (s.code === 'Skip') {
        state.skipFilter.add(pl.name);
        continue;
      }
      return { ...s, plugin: pl.name };
    }
    return null;
  }

  /** First rejecting Filter wins, as upstream (RunFilterPlugins stops at the first failure). */
  runFilter(state: CycleState, pod: PodInfo, node: NodeInfo): Status | null {
    const filters = this.profile.filter;
    const skip = state.skipFilter;
    for (let i = 0; i < filters.length; i++) {
      const pl = filters[i]!;
      if (skip.size && skip.has(pl.name)) continue;
      const s = pl.filter(state, pod, node);
      if (s !== null) {
        if (s.plugin === undefined) s.plugin = pl.name;
        return s;
      }
    }
    return null;
  }

  /** Weighted sum of normalised scores per node, aligned with nodes. */
  runScore(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[], snapshot: Snapshot): number[] {
    for (const pl of this.profile.preScore) {
      const s = pl.preScore(state, pod, nodes, snapshot);
      if (s?.code === 'Skip') state.skipScore.add(pl.name);
    }
    const total = new Array<number>(nodes.length).fill(0);
    const scores = new Array<number>(nodes.length);
    for (const { plugin, weight } of this.profile.score) {
      if (state.skipScore.has(plugin.name)) continue;
      for (let i = 0; i < nodes.length; i++) scores[i] = plugin.score(state, pod, nodes[i]!);
      plugin.normalizeScore?.(state, pod, scores, nodes);
      for (let i = 0; i < nodes.length; i++) total[i]! += scores[i]! * weight;
    }
    return total;
  }

  runReserve(state: CycleState, pod: PodInfo, nodeName: string): Status | null {
    const done: ReservePlugin[] = [];
    for (const pl of this.profile.reserve) {
      const s = pl.reserve(state, pod, nodeName);
      if (s !== null) {
        for (const d of done.reverse()) d.unreserve(state, pod, nodeName);
        return { ...s, plugin: pl.name };
      }
      done.push(pl);
    }
    return null;
  }

  /** First failing PreBind wins; none configured is success. */
  async runPreBind(state: CycleState, pod: PodInfo, nodeName: string, signal: AbortSignal): Promise<Status | null> {
    for (const pl of this.profile.preBind ?? []) {
      const s = await pl.preBind(state, pod, nodeName, signal);
      if (s !== null) return { ...s, plugin: pl.name };
    }
    return null;
  }

  /** Every distinct plugin of the profile, for setUp. */
  plugins(): Plugin[] {
    const p = this.profile;
    return [...new Set<Plugin>([...p.preFilter, ...p.filter, ...p.postFilter, ...p.preScore, ...p.score.map((w) => w.plugin), ...p.reserve, ...(p.preBind ?? [])])];
  }

  runUnreserve(state: CycleState, pod: PodInfo, nodeName: string): void {
    for (const pl of [...this.profile.reserve].reverse()) pl.unreserve(state, pod, nodeName);
  }
}

/** DefaultNormalizeScore: scale to [0, max] by the highest score; reverse flips it. */
export function defaultNormalizeScore(maxPriority: number, reverse: boolean, scores: number[]): void {
  let max = 0;
  for (const s of scores) if (s > max) max = s;
  if (max === 0) {
    if (reverse) scores.fill(maxPriority);
    return;
  }
  for (let i = 0; i < scores.length; i++) {
    let s = Math.trunc((maxPriority * scores[i]!) / max);
    if (reverse) s = maxPriority - s;
    scores[i] = s;
  }
}
