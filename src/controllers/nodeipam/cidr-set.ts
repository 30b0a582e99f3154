// The range allocator's arithmetic (upstream nodeipam "cidrset"): split the cluster CIDR into
// per-node subnets and pick the lowest one no Node holds. Pure, IPv4 only.
import { formatIPv4, parseIPv4 } from '../../api/alloc/index.js';

export interface Ipv4Cidr {
  base: number; // network address as an unsigned 32-bit number
  prefix: number;
}

export function parseIpv4Cidr(cidr: string): Ipv4Cidr {
  const [addr, bits, extra] = cidr.trim().split('/');
  const ip = parseIPv4(addr ?? '');
  const prefix = Number(bits);
  if (ip === undefined || extra !== undefined || !/^\d{1,2}$/.test(bits ?? '') || prefix > 32) throw new Error(`invalid IPv4 CIDR "${cidr}"`);
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return { base: (ip & mask) >>> 0, prefix };
}

export function formatCidr(c: Ipv4Cidr): string {
  return `${formatIPv4(c.base)}/${c.prefix}`;
}

export class CidrSet {
  readonly cluster: Ipv4Cidr;
  readonly size: number;

  constructor(clusterCIDR: string, readonly nodeMaskSize = 24) {
    this.cluster = parseIpv4Cidr(clusterCIDR);
    if (nodeMaskSize < this.cluster.prefix || nodeMaskSize > 32) throw new Error(`node CIDR mask size ${nodeMaskSize} does not fit in ${clusterCIDR}`);
    this.size = 2 ** (nodeMaskSize - this.cluster.prefix);
  }

  subnet(index: number): string {
    return formatCidr({ base: (this.cluster.base + index * 2 ** (32 - this.nodeMaskSize)) >>> 0, prefix: this.nodeMaskSize });
  }

  /** The index of a subnet of this set, or undefined when cidr is not one of them. */
  indexOf(cidr: string): number | undefined {
    let c: Ipv4Cidr;
    try {
      c = parseIpv4Cidr(cidr);
    } catch {
      return undefined;
    }
    if (c.prefix !== this.nodeMaskSize) return undefined;
    const offset = c.base - this.cluster.base;
    const step = 2 ** (32 - this.nodeMaskSize);
    if (offset < 0 || offset % step !== 0 || offset / step >= this.size) return undefined;
    return offset / step;
  }

  /** The lowest subnet not in used, or undefined when the range is exhausted. */
  firstFree(used: ReadonlySet<string>): string | undefined {
    for (let i = 0; i < this.size; i++) {
      const s = this.subnet(i);
      if (!used.has(s)) return s;
    }
    return undefined;
  }
}
