// NodeName: a pod that names its node fits only that node.
import type { FilterPlugin, Status } from '../framework.js';
import type { NodeInfo, PodInfo } from '../node-info.js';

export const NODE_NAME = 'NodeName';
export const ERR_REASON_NODE_NAME = "node(s) didn't match the requested node name";

export class NodeName implements FilterPlugin {
  readonly name = NODE_NAME;

  filter(_s: unknown, pod: PodInfo, node: NodeInfo): Status | null {
    const want = pod.pod.spec.nodeName;
    if (!want || want === node.name) return null;
    return { code: 'UnschedulableAndUnresolvable', reasons: [ERR_REASON_NODE_NAME], plugin: NODE_NAME };
  }
}
