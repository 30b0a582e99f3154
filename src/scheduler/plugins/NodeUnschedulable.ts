// NodeUnschedulable: cordoned nodes (spec.unschedulable) accept only pods tolerating the
// node.kubernetes.io/unschedulable:NoSchedule taint.
import { TAINT_UNSCHEDULABLE } from '../api-types.js';
import type { FilterPlugin, Status } from '../framework.js';
import { tolerationsTolerateTaint } from '../helpers/taints.js';
import type { NodeInfo, PodInfo } from '../node-info.js';

export const NODE_UNSCHEDULABLE = 'NodeUnschedulable';
export const ERR_REASON_UNSCHEDULABLE = 'node(s) were unschedulable';
const UNSCHEDULABLE_TAINT = { key: TAINT_UNSCHEDULABLE, effect: 'NoSchedule' };

export class NodeUnschedulable implements FilterPlugin {
  readonly name = NODE_UNSCHEDULABLE;

  filter(_s: unknown, pod: PodInfo, node: NodeInfo): Status | null {
    if (!node.unschedulable) return null;
    if (tolerationsTolerateTaint(pod.pod.spec.tolerations, UNSCHEDULABLE_TAINT)) return null;
    return { code: 'UnschedulableAndUnresolvable', reasons: [ERR_REASON_UNSCHEDULABLE], plugin: NODE_UNSCHEDULABLE };
  }
}
