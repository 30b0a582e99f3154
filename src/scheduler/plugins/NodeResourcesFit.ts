// NodeResourcesFit: the pod's requests (init containers as a maximum, plus overhead) must fit in
// allocatable minus what pods on the node already request, and the pod count must stay within
// allocatable pods (Filter). Scores with the LeastAllocated strategy over cpu and memory.
import { MAX_NODE_SCORE, type CycleState, type FilterPlugin, type ScorePlugin, type Status } from '../framework.js';
import type { NodeInfo, PodInfo } from '../node-info.js';

export const NODE_RESOURCES_FIT = 'NodeResourcesFit';

/** The reasons a pod does not fit, in upstream's order (pods, cpu, memory, storage, extended). */
export function insufficientResources(pod: PodInfo, node: NodeInfo): string[] | null {
  let out: string[] | null = null;
  const alloc = node.allocatable;
  const used = node.requested;
  if (node.pods.length + 1 > alloc.allowedPodNumber) (out ??= []).push('Too many pods');
  if (pod.zeroRequest) return out;
  const req = pod.requests;
  if (req.milliCPU > 0 && req.milliCPU > alloc.milliCPU - used.milliCPU) (out ??= []).push('Insufficient cpu');
  if (req.memory > 0 && req.memory > alloc.memory - used.memory) (out ??= []).push('Insufficient memory');
  if (req.ephemeralStorage > 0 && req.ephemeralStorage > alloc.ephemeralStorage - used.ephemeralStorage) (out ??= []).push('Insufficient ephemeral-storage');
  if (req.scalar) {
    for (const [name, q] of req.scalar) {
      if (q > 0 && q > (alloc.scalar?.get(name) ?? 0) - (used.scalar?.get(name) ?? 0)) (out ??= []).push(`Insufficient ${name}`);
    }
  }
  return out;
}

/** LeastAllocated: the share left free after placing the pod, averaged over cpu and memory. */
export function leastAllocatedScore(pod: PodInfo, node: NodeInfo): number {
  const a = node.allocatable;
  const r = node.nonZeroRequested;
  const cpu = leastRequested(r.milliCPU + pod.nonZero.milliCPU, a.milliCPU);
  const mem = leastRequested(r.memory + pod.nonZero.memory, a.memory);
  return Math.trunc((cpu + mem) / 2);
}

function leastRequested(requested: number, capacity: number): number {
  if (capacity === 0 || requested > capacity) return 0;
  return Math.trunc(((capacity - requested) * MAX_NODE_SCORE) / capacity);
}

export class NodeResourcesFit implements FilterPlugin, ScorePlugin {
  readonly name = NODE_RESOURCES_FIT;

  filter(_s: CycleState, pod: PodInfo, node: NodeInfo): Status | null {
    const reasons = insufficientResources(pod, node);
    return reasons ? { code: 'Unschedulable', reasons, plugin: NODE_RESOURCES_FIT } : null;
  }

  score(_s: CycleState, pod: PodInfo, node: NodeInfo): number {
    return leastAllocatedScore(pod, node);
  }
}
