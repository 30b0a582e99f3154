// DefaultPreemption (PostFilter): when no node fits, finds nodes where evicting lower-priority
// pods would make room, picks the cheapest, and returns its victims; otherwise explains why
// preemption cannot help, in upstream's words. The dry run temporarily removes pods from the
// live NodeInfo and restores them before returning (the cycle is synchronous).
import { fitErrorMessage } from '../fit-error.js';
import type { CycleState, Diagnosis, Framework, PostFilterPlugin, PostFilterResult, Snapshot, Status } from '../framework.js';
import type { NodeInfo, PodInfo } from '../node-info.js';

export const DEFAULT_PREEMPTION = 'DefaultPreemption';
export const NO_VICTIMS = 'No preemption victims found for incoming pod';
export const NOT_HELPFUL = 'Preemption is not helpful for scheduling';

interface Candidate {
  node: NodeInfo;
  victims: PodInfo[];
}

/** Minimal victims on node so pod fits, or the status explaining why none will do. */
export function selectVictimsOnNode(fw: Framework, state: CycleState, pod: PodInfo, node: NodeInfo): PodInfo[] | Status {
  const potential = node.pods.filter((p) => p.priority < pod.priority);
  if (potential.length === 0) return { code: 'UnschedulableAndUnresolvable', reasons: [NO_VICTIMS] };
  for (const p of potential) node.removePod(p.key);
  const victims: PodInfo[] = [];
  try {
    const fits = fw.runFilter(state, pod, node);
    if (fits !== null) return fits;
    // Reprieve as many as possible, highest priority first.
    potential.sort((a, b) => b.priority - a.priority);
    for (const p of potential) {
      node.addPod(p);
      if (fw.runFilter(state, pod, node) !== null) {
        node.removePod(p.key);
        victims.push(p);
      }
    }
    return victims;
  } finally {
    for (const p of potential) if (!node.hasPod(p.key)) node.addPod(p);
  }
}

/** pickOneNodeForPreemption, simplified: lowest highest-victim priority, then lowest sum, then fewest. */
function pickCandidate(cands: Candidate[]): Candidate {
  const key = (c: Candidate) => {
    let hi = -Infinity;
    let sum = 0;
    for (const v of c.victims) {
      hi = Math.max(hi, v.priority);
      sum += v.priority + 2 ** 31;
    }
    return [hi, sum, c.victims.length] as const;
  };
  let best = cands[0]!;
  let bk = key(best);
  for (const c of cands.slice(1)) {
    const k = key(c);
    if (k[0] < bk[0] || (k[0] === bk[0] && (k[1] < bk[1] || (k[1] === bk[1] && k[2] < bk[2])))) {
      best = c;
      bk = k;
    }
  }
  return best;
}

export class DefaultPreemption implements PostFilterPlugin {
  readonly name = DEFAULT_PREEMPTION;

  postFilter(state: CycleState, pod: PodInfo, snapshot: Snapshot, diagnosis: Diagnosis, fw: Framework): PostFilterResult {
    if (pod.pod.spec.preemptionPolicy === 'Never') {
      return { status: { code: 'Unschedulable', reasons: ['preemption: not eligible due to preemptionPolicy=Never.'] } };
    }
    const nodeToStatus = new Map<string, Status>();
    const candidates: Candidate[] = [];
    for (const [name, s] of diagnosis.nodeToStatus) {
      if (s.code !== 'Unschedulable') continue;
      const node = snapshot.get(name);
      if (!node) continue;
      const r = selectVictimsOnNode(fw, state, pod, node);
      if (Array.isArray(r)) candidates.push({ node, victims: r });
      else nodeToStatus.set(name, r);
    }
    if (candidates.length === 0) {
      for (const n of snapshot.nodeInfoList) {
        if (!nodeToStatus.has(n.name)) nodeToStatus.set(n.name, { code: 'UnschedulableAndUnresolvable', reasons: [NOT_HELPFUL] });
      }
      const msg = fitErrorMessage(snapshot.nodeInfoList.length, { nodeToStatus, unschedulablePlugins: new Set() });
      return { status: { code: 'Unschedulable', reasons: [`preemption: ${msg}`] }, nominatedNodeName: '' };
    }
    const best = pickCandidate(candidates);
    return { status: null, nominatedNodeName: best.node.name, victims: best.victims };
  }
}
