// TaintToleration: NoSchedule/NoExecute taints must be tolerated (Filter); PreferNoSchedule taints
// a pod does not tolerate count against a node (Score, reversed so fewer is better).
import type { Toleration } from '../api-types.js';
import { defaultNormalizeScore, MAX_NODE_SCORE, type CycleState, type FilterPlugin, type PreScorePlugin, type ScorePlugin, type Status } from '../framework.js';
import { findUntoleratedTaint, tolerationsTolerateTaint } from '../helpers/taints.js';
import type { NodeInfo, PodInfo } from '../node-info.js';

export const TAINT_TOLERATION = 'TaintToleration';
const STATE_KEY = 'PreScore' + TAINT_TOLERATION;
const hardEffect = (e: string) => e === 'NoSchedule' || e === 'NoExecute';

export class TaintToleration implements FilterPlugin, PreScorePlugin, ScorePlugin {
  readonly name = TAINT_TOLERATION;

  filter(_s: CycleState, pod: PodInfo, node: NodeInfo): Status | null {
    if (node.taints.length === 0) return null;
    const taint = findUntoleratedTaint(node.taints, pod.pod.spec.tolerations, hardEffect);
    if (!taint) return null;
    return { code: 'UnschedulableAndUnresolvable', reasons: [`node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`], plugin: TAINT_TOLERATION };
  }

  preScore(state: CycleState, pod: PodInfo): Status | null {
    const prefer = (pod.pod.spec.tolerations ?? []).filter((t) => !t.effect || t.effect === 'PreferNoSchedule');
    state.write(STATE_KEY, prefer);
    return null;
  }

  score(state: CycleState, _pod: PodInfo, node: NodeInfo): number {
    if (node.taints.length === 0) return 0;
    const tolerations = state.read<Toleration[]>(STATE_KEY);
    let n = 0;
    for (const taint of node.taints) if (taint.effect === 'PreferNoSchedule' && !tolerationsTolerateTaint(tolerations, taint)) n++;
    return n;
  }

  normalizeScore(_s: CycleState, _p: PodInfo, scores: number[]): void {
    defaultNormalizeScore(MAX_NODE_SCORE, true, scores);
  }
}
