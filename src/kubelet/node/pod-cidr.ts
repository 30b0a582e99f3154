// The node's pod range when none is configured: the one it already has, else the lowest free
// /24 of the cluster range among the nodes the API knows (10.42.0.0/16 by default, as k3s). Pure.
import type { KubeObject } from '../../api/object.js';
import { nthAddress } from '../../agent/cluster-addresses.js';

export const DEFAULT_CLUSTER_CIDR = '10.42.0.0/16';

export function choosePodCIDR(nodeName: string, nodes: KubeObject[], clusterCIDR = DEFAULT_CLUSTER_CIDR): string {
  const used = new Set<string>();
  for (const n of nodes) {
    const spec = (n.spec ?? {}) as { podCIDR?: string; podCIDRs?: string[] };
    if (n.metadata.name === nodeName && spec.podCIDR) return spec.podCIDR;
    for (const c of [spec.podCIDR, ...(spec.podCIDRs ?? [])]) if (c) used.add(c);
  }
  const prefix = Number(clusterCIDR.split('/')[1]);
  const blocks = prefix <= 24 ? 2 ** (24 - prefix) : 0;
  for (let i = 0; i < blocks; i++) {
    const cidr = `${nthAddress(clusterCIDR, i * 256)}/24`;
    if (!used.has(cidr)) return cidr;
  }
  throw new Error(`no free /24 pod range left in ${clusterCIDR}`);
}
