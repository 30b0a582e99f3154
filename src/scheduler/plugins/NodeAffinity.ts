// NodeAffinity: nodeSelector and required node affinity filter nodes; preferred terms add their
// weights (Score, normalised to the best node).
import type { PreferredSchedulingTerm } from '../api-types.js';
import { defaultNormalizeScore, MAX_NODE_SCORE, SKIP, type CycleState, type FilterPlugin, type PreFilterPlugin, type PreScorePlugin, type ScorePlugin, type Status } from '../framework.js';
import { requiredNodeAffinity, termMatchesNode, type NodeMatcher } from '../helpers/node-selector.js';
import type { NodeInfo, PodInfo } from '../node-info.js';

export const NODE_AFFINITY = 'NodeAffinity';
export const ERR_REASON_POD = "node(s) didn't match Pod's node affinity/selector";
const FILTER_KEY = 'PreFilter' + NODE_AFFINITY;
const SCORE_KEY = 'PreScore' + NODE_AFFINITY;

export class NodeAffinity implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin {
  readonly name = NODE_AFFINITY;

  preFilter(state: CycleState, pod: PodInfo): Status | null {
    const spec = pod.pod.spec;
    if (!spec.nodeSelector && !spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution) return SKIP;
    state.write(FILTER_KEY, requiredNodeAffinity(pod.pod));
    return null;
  }

  filter(state: CycleState, pod: PodInfo, node: NodeInfo): Status | null {
    const match = state.read<NodeMatcher>(FILTER_KEY) ?? requiredNodeAffinity(pod.pod);
    if (match(node)) return null;
    return { code: 'UnschedulableAndUnresolvable', reasons: [ERR_REASON_POD], plugin: NODE_AFFINITY };
  }

  preScore(state: CycleState, pod: PodInfo): Status | null {
    const preferred = pod.pod.spec.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution;
    if (!preferred?.length) return SKIP;
    state.write(SCORE_KEY, preferred);
    return null;
  }

  score(state: CycleState, _pod: PodInfo, node: NodeInfo): number {
    const preferred = state.read<PreferredSchedulingTerm[]>(SCORE_KEY) ?? [];
    let sum = 0;
    for (const t of preferred) if (t.weight !== 0 && termMatchesNode(t.preference, node.labels, node.name)) sum += t.weight;
    return sum;
  }

  normalizeScore(_s: CycleState, _p: PodInfo, scores: number[]): void {
    defaultNormalizeScore(MAX_NODE_SCORE, false, scores);
  }
}
