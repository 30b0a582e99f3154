// In-memory allocator of Service ClusterIPs from one IPv4 CIDR. The network and broadcast
// addresses are never handed out, and the first host address is left for the `kubernetes`
// Service (allocated by name, never by the "next free" scan). It owns no storage: callers
// rebuild it at start with markUsed() from the Services they read.
import { AllocationError } from './errors.js';

export function parseIPv4(ip: string): number | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return undefined;
    const v = Number(p);
    if (v > 255) return undefined;
    n = n * 256 + v;
  }
  return n;
}

export function formatIPv4(n: number): string {
  return `${(n >>> 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

export class IPAllocator {
  readonly cidr: string;
  /** First and last addresses that may be allocated (network and broadcast excluded). */
  private readonly first: number;
  private readonly last: number;
  private readonly used = new Set<number>();
  private cursor: number;

  constructor(cidr: string) {
    const [base, bitsText] = cidr.split('/');
    const ip = parseIPv4(base ?? '');
    const bits = Number(bitsText);
    if (ip === undefined || !Number.isInteger(bits) || bits < 1 || bits > 30) throw new Error(`invalid service CIDR ${cidr}`);
    const size = 2 ** (32 - bits);
    const network = ip - (ip % size);
    this.cidr = `${formatIPv4(network)}/${bits}`;
    this.first = network + 1;
    this.last = network + size - 2;
    // Dynamic allocation starts after the reserved first address.
    this.cursor = this.first + 1;
  }

  /** The address reserved for the `kubernetes` Service (10.43.0.1 for 10.43.0.0/16). */
  get reserved(): string {
    return formatIPv4(this.first);
  }

  contains(ip: string): boolean {
    const n = parseIPv4(ip);
    return n !== undefined && n >= this.first && n <= this.last;
  }

  has(ip: string): boolean {
    const n = parseIPv4(ip);
    return n !== undefined && this.used.has(n);
  }

  get free(): number {
    return this.last - this.first + 1 - this.used.size;
  }

  /** Records an address already held by an existing object (start-up); out-of-range ones are ignored. */
  markUsed(ip: string): void {
    const n = parseIPv4(ip);
    if (n !== undefined && n >= this.first && n <= this.last) this.used.add(n);
  }

  /** Takes a specific address; throws AllocationError when out of range or taken. */
  allocate(ip: string): void {
    const n = parseIPv4(ip);
    if (n === undefined || n < this.first || n > this.last) {
      throw new AllocationError('notInRange', `the provided IP (${ip}) is not in the valid range. The range of valid IPs is ${this.cidr}`);
    }
    if (this.used.has(n)) throw new AllocationError('allocated', 'provided IP is already allocated');
    this.used.add(n);
  }

  /** Takes the next free address after the last one handed out, wrapping around once. */
  allocateNext(): string {
    const span = this.last - this.first;
    for (let i = 0; i <= span; i++) {
      let n = this.cursor + i;
      if (n > this.last) n -= span + 1;
      if (n === this.first) continue;
      if (!this.used.has(n)) {
        this.used.add(n);
        this.cursor = n + 1 > this.last ? this.first + 1 : n + 1;
        return formatIPv4(n);
      }
    }
    throw new AllocationError('full', 'range is full');
  }

  release(ip: string): void {
    const n = parseIPv4(ip);
    if (n !== undefined) this.used.delete(n);
  }
}
