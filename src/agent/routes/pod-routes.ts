// Which pod routes a node needs for host-gw networking (pure): every other Node's pod range via
// that Node's InternalIP. Nodes without a range or an address yet get no route.
import type { KubeObject } from '../../api/object.js';

/** podCIDR → gateway (the owning node's InternalIP) for every node but self. */
export function desiredPodRoutes(nodes: Iterable<KubeObject>, self: string): Map<string, string> {
  const routes = new Map<string, string>();
  for (const n of nodes) {
    if (n.metadata.name === self) continue;
    const spec = (n.spec ?? {}) as { podCIDR?: string };
    const addresses = ((n.status ?? {}) as { addresses?: { type: string; address: string }[] }).addresses ?? [];
    const ip = addresses.find((a) => a.type === 'InternalIP')?.address;
    if (spec.podCIDR && ip) routes.set(spec.podCIDR, ip);
  }
  return routes;
}

export interface RouteChanges {
  /** routes to add or point elsewhere */
  replace: [cidr: string, via: string][];
  /** routes to remove */
  remove: [cidr: string, via: string][];
}

/** What to change to get from the installed routes to the desired ones. */
export function diffRoutes(installed: ReadonlyMap<string, string>, desired: ReadonlyMap<string, string>): RouteChanges {
  const replace: [string, string][] = [];
  const remove: [string, string][] = [];
  for (const [cidr, via] of desired) if (installed.get(cidr) !== via) replace.push([cidr, via]);
  for (const [cidr, via] of installed) if (!desired.has(cidr)) remove.push([cidr, via]);
  return { replace, remove };
}
