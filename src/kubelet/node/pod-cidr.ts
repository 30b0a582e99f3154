// The node's pod range when none is configured: the one it already has, else the lowest free
// 10.42.<n>.0/24 among the nodes the API knows (k3s' default cluster CIDR). Pure.
import type { KubeObject } from '../../api/object.js';

export const CLUSTER_CIDR_PREFIX = '10.42.';

export function choosePodCIDR(nodeName: string, nodes: KubeObject[]): string {
  const used = new Set<string>();
  for (const n of nodes) {
    const spec = (n.spec ?? {}) as { podCIDR?: string; podCIDRs?: string[] };
    if (n.metadata.name === nodeName && spec.podCIDR) return spec.podCIDR;
    for (const c of [spec.podCIDR, ...(spec.podCIDRs ?? [])]) if (c) used.add(c);
  }
  for (let i = 0; i < 256; i++) {
    const cidr = `${CLUSTER_CIDR_PREFIX}${i}.0/24`;
    if (!used.has(cidr)) return cidr;
  }
  throw new Error('no free pod CIDR left in 10.42.0.0/16');
}
