// Where a simulated node lives on paper: its pod range and its host address. No traffic is ever
// sent to these; they only have to be unique, plausible and never routable.

/** Pods per node fit a /24 (.2 to .254): .0 is the network, .1 the bridge, .255 broadcast. */
export function podCIDRFor(index: number, count: number, podCIDRBase: string): string {
  // A /16 holds 256 node ranges (k3s' default cluster-cidr); bigger pools use 10.128.0.0/9 so
  // they never run into the service range that follows the pod range (10.43.0.0/16).
  if (count <= 256) return `${podCIDRBase}.${index}.0/24`;
  return `10.${128 + (index >> 8)}.${index & 255}.0/24`;
}

/**
 * InternalIP of node index: documentation space (TEST-NET-1, RFC 5737) while it lasts, then the
 * benchmarking range 198.18.0.0/15 (RFC 2544); neither is routed anywhere.
 */
export function internalIPFor(index: number): string {
  if (index < 254) return `192.0.2.${index + 1}`;
  const i = index - 254;
  return `198.${18 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`;
}

/** "10.42.7.0/24" → "10.42.7." (the prefix pod addresses are built from). */
export function prefixOf24(cidr: string): string {
  return cidr.slice(0, cidr.lastIndexOf('.') + 1);
}
