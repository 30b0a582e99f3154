// One scheduling decision, pure over (framework, pod, snapshot): PreFilter, Filter over a
// rotating sample of nodes (percentageOfNodesToScore), PreScore/Score, then the best node with
// ties broken at random; or, when nothing fits, the Diagnosis, PostFilter (preemption) outcome and
// upstream's FitError message. No I/O, no clock.
import { fitErrorMessage } from './fit-error.js';
import { CycleState, type Diagnosis, type Framework, type PostFilterResult, type Snapshot, type Status } from './framework.js';
import type { NodeInfo, PodInfo } from './node-info.js';

export const MIN_FEASIBLE_NODES_TO_FIND = 100;
export const MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND = 5;
export const NO_NODES_AVAILABLE = 'no nodes available to schedule pods';

/** How many feasible nodes to look for before scoring (upstream's adaptive formula). */
export function numFeasibleNodesToFind(percentageOfNodesToScore: number, numAllNodes: number): number {
  if (numAllNodes < MIN_FEASIBLE_NODES_TO_FIND) return numAllNodes;
  let pct = percentageOfNodesToScore;
  if (pct <= 0) {
    pct = 50 - Math.trunc(numAllNodes / 125);
    if (pct < MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND) pct = MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND;
  }
  if (pct >= 100) return numAllNodes;
  const n = Math.trunc((numAllNodes * pct) / 100);
  return n < MIN_FEASIBLE_NODES_TO_FIND ? MIN_FEASIBLE_NODES_TO_FIND : n;
}

const rejectedScratch: (NodeInfo | Status)[] = [];

export interface Scheduled {
  kind: 'scheduled';
  node: string;
  evaluatedNodes: number;
  feasibleNodes: number;
  state: CycleState;
}

export interface Unschedulable {
  kind: 'unschedulable';
  message: string;
  diagnosis: Diagnosis;
  postFilter?: PostFilterResult;
}

export type ScheduleResult = Scheduled | Unschedulable;

export interface ScheduleOptions {
  /** Where the rotating node scan starts; the result says where the next one should. */
  nextStartNodeIndex: number;
  random?: () => number;
}

/** Highest total wins; equal totals are sampled uniformly (reservoir), as upstream's selectHost. */
export function selectHost(nodes: readonly NodeInfo[], totals: readonly number[], random: () => number): NodeInfo {
  let best = 0;
  let ties = 1;
  for (let i = 1; i < nodes.length; i++) {
    const t = totals[i]!;
    if (t > totals[best]!) {
      best = i;
      ties = 1;
    } else if (t === totals[best]!) {
      ties++;
      if (random() * ties < 1) best = i;
    }
  }
  return nodes[best]!;
}

export function schedulePod(fw: Framework, pod: PodInfo, snapshot: Snapshot, opts: ScheduleOptions): { result: ScheduleResult; nextStartNodeIndex: number } {
  const all = snapshot.nodeInfoList;
  const n = all.length;
  const diagnosis: Diagnosis = { nodeToStatus: new Map(), unschedulablePlugins: new Set() };
  if (n === 0) return { result: { kind: 'unschedulable', message: NO_NODES_AVAILABLE, diagnosis }, nextStartNodeIndex: 0 };
  const state = new CycleState();
  const fail = (): { result: ScheduleResult; nextStartNodeIndex: number } => {
    const post = runPostFilter(fw, state, pod, snapshot, diagnosis);
    if (post?.status) diagnosis.postFilterMsg = post.status.reasons.join(', ');
    return { result: { kind: 'unschedulable', message: fitErrorMessage(n, diagnosis), diagnosis, postFilter: post }, nextStartNodeIndex: opts.nextStartNodeIndex };
  };

  const pre = fw.runPreFilter(state, pod, snapshot);
  if (pre !== null) {
    diagnosis.preFilterMsg = pre.reasons.join(', ');
    if (pre.plugin) diagnosis.unschedulablePlugins.add(pre.plugin);
    for (const node of all) diagnosis.nodeToStatus.set(node.name, pre);
    return fail();
  }

  // A pod nominated by an earlier preemption tries its nominated node first.
  const nominated = pod.pod.status?.nominatedNodeName;
  if (nominated) {
    const node = snapshot.get(nominated);
    if (node?.hasNode && fw.runFilter(state, pod, node) === null) {
      return { result: { kind: 'scheduled', node: node.name, evaluatedNodes: 1, feasibleNodes: 1, state }, nextStartNodeIndex: opts.nextStartNodeIndex };
    }
  }

  const toFind = numFeasibleNodesToFind(fw.profile.percentageOfNodesToScore, n);
  const feasible: NodeInfo[] = [];
  const start = opts.nextStartNodeIndex % n;
  let processed = 0;
  // Rejections are only needed when nothing fits; keep them in a reused buffer until then.
  const rejected = rejectedScratch;
  rejected.length = 0;
  for (let i = 0; i < n && feasible.length < toFind; i++) {
    const node = all[(start + i) % n]!;
    processed++;
    const s: Status | null = fw.runFilter(state, pod, node);
    if (s === null) feasible.push(node);
    else if (feasible.length === 0) rejected.push(node, s);
  }
  const next = (start + processed) % n;
  if (feasible.length === 0) {
    for (let i = 0; i < rejected.length; i += 2) {
      const s = rejected[i + 1] as Status;
      diagnosis.nodeToStatus.set((rejected[i] as NodeInfo).name, s);
      if (s.plugin) diagnosis.unschedulablePlugins.add(s.plugin);
    }
    rejected.length = 0;
    const r = fail();
    r.nextStartNodeIndex = next;
    return r;
  }
  if (feasible.length === 1) {
    return { result: { kind: 'scheduled', node: feasible[0]!.name, evaluatedNodes: processed, feasibleNodes: 1, state }, nextStartNodeIndex: next };
  }
  const totals = fw.runScore(state, pod, feasible, snapshot);
  const host = selectHost(feasible, totals, opts.random ?? Math.random);
  return { result: { kind: 'scheduled', node: host.name, evaluatedNodes: processed, feasibleNodes: feasible.length, state }, nextStartNodeIndex: next };
}

function runPostFilter(fw: Framework, state: CycleState, pod: PodInfo, snapshot: Snapshot, d: Diagnosis): PostFilterResult | undefined {
  for (const pl of fw.profile.postFilter) {
    const r = pl.postFilter(state, pod, snapshot, d, fw);
    if (r.status === null) return r;
    if (r.status.code !== 'Unschedulable' || pl === fw.profile.postFilter[fw.profile.postFilter.length - 1]) return r;
  }
  return undefined;
}
