// The node's default address when --node-ip is not given: the host's primary IPv4 address
// (the first non-internal interface address), else loopback. Pure over the interface table.
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';

export function primaryIPv4(interfaces: NodeJS.Dict<NetworkInterfaceInfo[]> = networkInterfaces()): string {
  const names = Object.keys(interfaces).sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  for (const name of names) {
    for (const addr of interfaces[name] ?? []) {
      if (addr.family === 'IPv4' && !addr.internal) return addr.address;
    }
  }
  return '127.0.0.1';
}

/** Physical-looking interfaces first; bridges and veths made by container networking last. */
function rank(name: string): number {
  return /^(cni|cbr|veth|docker|br-|k8ts|flannel|virbr)/.test(name) ? 1 : 0;
}
