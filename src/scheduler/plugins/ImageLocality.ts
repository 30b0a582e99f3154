// ImageLocality: favours nodes that already hold the pod's images (node.status.images), each
// image's size scaled by how widely it is spread, so one node with a popular image does not
// attract every pod.
import { MAX_NODE_SCORE, type CycleState, type PreScorePlugin, type ScorePlugin, type Status } from '../framework.js';
import { normalizedImageName, type NodeInfo, type PodInfo } from '../node-info.js';
import type { Snapshot } from '../framework.js';

export const IMAGE_LOCALITY = 'ImageLocality';
const MB = 1024 * 1024;
const MIN_THRESHOLD = 23 * MB;
const MAX_CONTAINER_THRESHOLD = 1000 * MB;
const STATE_KEY = 'PreScore' + IMAGE_LOCALITY;

interface ImageLocalityState {
  images: string[];
  totalNodes: number;
}

export function imageLocalityScore(images: readonly string[], numContainers: number, node: NodeInfo, totalNodes: number): number {
  let sum = 0;
  if (node.imageStates.size) {
    for (const img of images) {
      const st = node.imageStates.get(img);
      if (st) sum += Math.trunc(st.size * (st.numNodes / totalNodes));
    }
  }
  const max = MAX_CONTAINER_THRESHOLD * numContainers;
  const clamped = Math.min(max, Math.max(MIN_THRESHOLD, sum));
  return Math.trunc((MAX_NODE_SCORE * (clamped - MIN_THRESHOLD)) / (max - MIN_THRESHOLD));
}

export class ImageLocality implements PreScorePlugin, ScorePlugin {
  readonly name = IMAGE_LOCALITY;

  preScore(state: CycleState, pod: PodInfo, _nodes: readonly NodeInfo[], snapshot: Snapshot): Status | null {
    const spec = pod.pod.spec;
    const images: string[] = [];
    for (const c of spec.initContainers ?? []) if (c.image) images.push(normalizedImageName(c.image));
    for (const c of spec.containers ?? []) if (c.image) images.push(normalizedImageName(c.image));
    state.write(STATE_KEY, { images, totalNodes: snapshot.nodeInfoList.length } satisfies ImageLocalityState);
    return null;
  }

  score(state: CycleState, pod: PodInfo, node: NodeInfo): number {
    const st = state.read<ImageLocalityState>(STATE_KEY)!;
    const n = (pod.pod.spec.initContainers?.length ?? 0) + (pod.pod.spec.containers?.length ?? 0);
    return imageLocalityScore(st.images, n, node, st.totalNodes);
  }
}
