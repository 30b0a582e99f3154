// NodeResourcesBalancedAllocation: favours nodes whose cpu and memory would be used in equal
// proportion after placing the pod (1 - standard deviation of the fractions). Pods requesting
// nothing are not scored, as upstream.
import { MAX_NODE_SCORE, SKIP, type CycleState, type PreScorePlugin, type ScorePlugin, type Status } from '../framework.js';
import type { NodeInfo, PodInfo } from '../node-info.js';

export const NODE_RESOURCES_BALANCED_ALLOCATION = 'NodeResourcesBalancedAllocation';

export function balancedAllocationScore(pod: PodInfo, node: NodeInfo): number {
  const a = node.allocatable;
  const r = node.requested;
  const fractions: number[] = [];
  if (a.milliCPU > 0) fractions.push(Math.min(1, (r.milliCPU + pod.requests.milliCPU) / a.milliCPU));
  if (a.memory > 0) fractions.push(Math.min(1, (r.memory + pod.requests.memory) / a.memory));
  const std = fractions.length === 2 ? Math.abs((fractions[0]! - fractions[1]!) / 2) : 0;
  return Math.trunc((1 - std) * MAX_NODE_SCORE);
}

export class NodeResourcesBalancedAllocation implements PreScorePlugin, ScorePlugin {
  readonly name = NODE_RESOURCES_BALANCED_ALLOCATION;

  preScore(_s: CycleState, pod: PodInfo): Status | null {
    return pod.requests.milliCPU === 0 && pod.requests.memory === 0 ? SKIP : null;
  }

  score(_s: CycleState, pod: PodInfo, node: NodeInfo): number {
    return balancedAllocationScore(pod, node);
  }
}
