// NodePorts: a pod's hostPorts must be free on the node (same protocol and port, overlapping IP).
import { SKIP, type CycleState, type FilterPlugin, type PreFilterPlugin, type Status } from '../framework.js';
import { portsConflict, type NodeInfo, type PodInfo } from '../node-info.js';

export const NODE_PORTS = 'NodePorts';
export const ERR_REASON_PORTS = "node(s) didn't have free ports for the requested pod ports";

export class NodePorts implements PreFilterPlugin, FilterPlugin {
  readonly name = NODE_PORTS;

  preFilter(_s: CycleState, pod: PodInfo): Status | null {
    return pod.hostPorts.length === 0 ? SKIP : null;
  }

  filter(_s: CycleState, pod: PodInfo, node: NodeInfo): Status | null {
    if (node.usedPorts.length === 0) return null;
    for (const want of pod.hostPorts) {
      for (const used of node.usedPorts) {
        if (portsConflict(want, used)) return { code: 'Unschedulable', reasons: [ERR_REASON_PORTS], plugin: NODE_PORTS };
      }
    }
    return null;
  }
}
