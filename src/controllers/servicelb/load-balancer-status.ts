// Decisions of the built-in service load balancer (pure), after k3s ServiceLB: a LoadBalancer
// Service is reachable on its ports at every eligible node's address, so its status lists those
// addresses. Because every node serves every port, two Services cannot share a port and
// protocol: the older one keeps it and the younger one stays pending.
import type { KubeObject } from '../../api/object.js';

/** Nodes labelled with this (value "true") are the only ones used, when any node carries it. */
export const ENABLE_LB_LABEL = 'svccontroller.k8ts.io/enablelb';
/** Upstream's label for nodes that must not receive load balancer traffic. */
export const EXCLUDE_LB_LABEL = 'node.kubernetes.io/exclude-from-external-load-balancers';

export interface LoadBalancerIngress {
  ip: string;
  ipMode: 'VIP';
}

export interface PortClaim {
  port: number;
  protocol: string;
}

/** Services this controller serves: type LoadBalancer without a loadBalancerClass, not being deleted. */
export function wantsLoadBalancer(svc: KubeObject): boolean {
  const spec = (svc as any).spec ?? {};
  return spec.type === 'LoadBalancer' && !spec.loadBalancerClass && !svc.metadata.deletionTimestamp;
}

export function isNodeReady(node: KubeObject): boolean {
  const conds: any[] = (node as any).status?.conditions ?? [];
  return conds.some((c) => c.type === 'Ready' && c.status === 'True');
}

/** The nodes that carry load balancer traffic: Ready, not excluded, and opted in when any node opted in. */
export function eligibleNodes(nodes: readonly KubeObject[]): KubeObject[] {
  const usable = nodes.filter((n) => isNodeReady(n) && !(n.metadata.labels && EXCLUDE_LB_LABEL in n.metadata.labels));
  const optedIn = usable.filter((n) => n.metadata.labels?.[ENABLE_LB_LABEL] === 'true');
  if (nodes.some((n) => n.metadata.labels?.[ENABLE_LB_LABEL] === 'true')) return optedIn;
  return usable.filter((n) => n.metadata.labels?.[ENABLE_LB_LABEL] !== 'false');
}

/** A node's external addresses if it has any, else its internal ones. */
export function nodeAddresses(node: KubeObject): string[] {
  const addrs: any[] = (node as any).status?.addresses ?? [];
  const ext = addrs.filter((a) => a.type === 'ExternalIP').map((a) => String(a.address));
  return ext.length ? ext : addrs.filter((a) => a.type === 'InternalIP').map((a) => String(a.address));
}

const isV6 = (ip: string) => ip.includes(':');

/** status.loadBalancer.ingress for a Service: eligible node addresses of the Service's IP families, sorted. */
export function desiredIngress(svc: KubeObject, nodes: readonly KubeObject[]): LoadBalancerIngress[] {
  const families: string[] = (svc as any).spec?.ipFamilies ?? ['IPv4'];
  const ips = new Set<string>();
  for (const n of eligibleNodes(nodes)) {
    for (const ip of nodeAddresses(n)) if (families.includes(isV6(ip) ? 'IPv6' : 'IPv4')) ips.add(ip);
  }
  return [...ips].sort().map((ip) => ({ ip, ipMode: 'VIP' as const }));
}

export function portClaims(svc: KubeObject): PortClaim[] {
  return ((svc as any).spec?.ports ?? []).map((p: any) => ({ port: p.port, protocol: p.protocol ?? 'TCP' }));
}

const key = (s: KubeObject) => `${s.metadata.namespace}/${s.metadata.name}`;

export interface PortConflict {
  port: number;
  protocol: string;
  /** namespace/name of the Service holding the port */
  heldBy: string;
}

/**
 * Which Services cannot get their ports: Services are served oldest first, each taking all its
 * ports, or none when one is held already (as k3s's pending svclb pod holds no host port).
 */
export function assignPorts(services: readonly KubeObject[]): Map<string, PortConflict> {
  const lbs = services.filter(wantsLoadBalancer).sort((a, b) => {
    const ta = a.metadata.creationTimestamp ?? '';
    const tb = b.metadata.creationTimestamp ?? '';
    if (ta !== tb) return ta < tb ? -1 : 1;
    return key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;
  });
  const held = new Map<string, string>();
  const conflicts = new Map<string, PortConflict>();
  for (const svc of lbs) {
    const claims = portClaims(svc);
    const clash = claims.find((c) => held.has(`${c.port}/${c.protocol}`));
    if (clash) {
      conflicts.set(key(svc), { ...clash, heldBy: held.get(`${clash.port}/${clash.protocol}`)! });
      continue;
    }
    for (const c of claims) held.set(`${c.port}/${c.protocol}`, key(svc));
  }
  return conflicts;
}

export function sameIngress(current: readonly any[] | undefined, want: readonly LoadBalancerIngress[]): boolean {
  const cur = current ?? [];
  if (cur.length !== want.length) return false;
  for (let i = 0; i < cur.length; i++) {
    if (cur[i]?.ip !== want[i]!.ip || cur[i]?.ipMode !== want[i]!.ipMode || cur[i]?.hostname || cur[i]?.ports) return false;
  }
  return true;
}
