// The node's pod range. The node IPAM controller (src/controllers/nodeipam/) assigns it unless
// the agent was given --pod-cidr. Pure.
import type { KubeObject } from '../../api/object.js';

/** spec.podCIDR of a Node, or undefined while it has none. */
export function podCIDROf(node: KubeObject): string | undefined {
  return ((node.spec ?? {}) as { podCIDR?: string }).podCIDR || undefined;
}

/** The Node without spec.podCIDR(s) when they are empty (the IPAM controller fills them in). */
export function withoutEmptyPodCIDR(node: KubeObject): KubeObject {
  const spec = node.spec as { podCIDR?: string; podCIDRs?: string[] } | undefined;
  if (!spec || spec.podCIDR) return node;
  const { podCIDR: _c, podCIDRs: _cs, ...rest } = spec;
  return { ...node, spec: rest };
}
