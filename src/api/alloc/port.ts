// In-memory allocator of Service NodePorts from a range (30000-32767 by default). Like the IP
// allocator it owns no storage; markUsed() rebuilds it from existing Services at start.
import { AllocationError } from './errors.js';

export class PortAllocator {
  private readonly used = new Set<number>();

  constructor(
    readonly base = 30000,
    readonly max = 32767,
    private readonly random: () => number = Math.random,
  ) {
    if (!(Number.isInteger(base) && Number.isInteger(max) && base > 0 && max >= base && max <= 65535)) throw new Error(`invalid port range ${base}-${max}`);
  }

  get range(): string {
    return `${this.base}-${this.max}`;
  }

  get free(): number {
    return this.max - this.base + 1 - this.used.size;
  }

  contains(port: number): boolean {
    return Number.isInteger(port) && port >= this.base && port <= this.max;
  }

  has(port: number): boolean {
    return this.used.has(port);
  }

  markUsed(port: number): void {
    if (this.contains(port)) this.used.add(port);
  }

  allocate(port: number): void {
    if (!this.contains(port)) {
      throw new AllocationError('notInRange', `provided port is not in the valid range. The range of valid ports is ${this.range}`);
    }
    if (this.used.has(port)) throw new AllocationError('allocated', 'provided port is already allocated');
    this.used.add(port);
  }

  /** A random free port, scanning upward from a random start so it always succeeds while any is free. */
  allocateNext(): number {
    const size = this.max - this.base + 1;
    if (this.used.size >= size) throw new AllocationError('full', 'range is full');
    const start = Math.floor(this.random() * size);
    for (let i = 0; i < size; i++) {
      const port = this.base + ((start + i) % size);
      if (!this.used.has(port)) {
        this.used.add(port);
        return port;
      }
    }
    throw new AllocationError('full', 'range is full');
  }

  release(port: number): void {
    this.used.delete(port);
  }
}
