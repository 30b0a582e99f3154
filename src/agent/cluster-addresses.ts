// Well-known addresses derived from the cluster's ranges, shared by the server, the agent and the
// components that must agree on them (kubelet resolv.conf, the kube-dns Service). Pure.
import { formatIPv4, parseIPv4 } from '../api/alloc/index.js';

/** The n-th address of an IPv4 CIDR ("10.43.0.0/16", 10 → "10.43.0.10"). */
export function nthAddress(cidr: string, n: number): string {
  const [base, bits] = cidr.split('/');
  const ip = parseIPv4(base ?? '');
  const prefix = Number(bits);
  if (ip === undefined || !Number.isInteger(prefix) || prefix < 0 || prefix > 32) throw new Error(`invalid CIDR ${cidr}`);
  const size = 2 ** (32 - prefix);
  if (n < 0 || n >= size) throw new Error(`${cidr} has no address number ${n}`);
  const network = prefix === 0 ? 0 : (ip >>> (32 - prefix)) * size;
  return formatIPv4(network + n);
}

/** The cluster DNS Service's address: the 10th of the service range, as k3s and kubeadm choose. */
export function clusterDNSAddress(serviceCIDR: string): string {
  return nthAddress(serviceCIDR, 10);
}
