// The cluster zone's records, kept per Service and replaced whole when that Service or one of its
// EndpointSlices changes (a Service's record set is small; the zone may be large). Lookups are a
// single Map read and allocate nothing. Empty non-terminals (e.g. <ns>.svc.<zone>, _tcp labels)
// are reference-counted so the answerer can tell NODATA from NXDOMAIN.
import { ancestorsWithin } from './names.js';
import type { RRSet, ServiceRecords } from './service-records.js';

export class RecordIndex {
  private readonly names = new Map<string, RRSet>();
  private readonly nonTerminals = new Map<string, number>();
  /** reverse name → (service key → target); the first target answers */
  private readonly ptr = new Map<string, Map<string, string>>();
  private readonly byService = new Map<string, ServiceRecords>();

  /** Bumped on every change, so caches of answers know when they went stale. */
  generation = 0;

  constructor(readonly zone: string) {}

  get serviceCount(): number {
    return this.byService.size;
  }

  get nameCount(): number {
    return this.names.size;
  }

  /** Replaces everything the Service `key` ("ns/name") contributed. */
  setService(key: string, records: ServiceRecords): void {
    this.deleteService(key);
    this.generation++;
    if (records.names.size === 0 && records.ptrs.length === 0) return;
    this.byService.set(key, records);
    for (const [name, set] of records.names) {
      this.names.set(name, set);
      for (const parent of ancestorsWithin(name, this.zone)) this.nonTerminals.set(parent, (this.nonTerminals.get(parent) ?? 0) + 1);
    }
    for (const [rev, target] of records.ptrs) {
      let owners = this.ptr.get(rev);
      if (!owners) this.ptr.set(rev, (owners = new Map()));
      if (!owners.has(key)) owners.set(key, target);
    }
  }

  deleteService(key: string): void {
    const old = this.byService.get(key);
    if (!old) return;
    this.generation++;
    this.byService.delete(key);
    for (const name of old.names.keys()) {
      // Names are unique to their Service (they contain its name and namespace).
      this.names.delete(name);
      for (const parent of ancestorsWithin(name, this.zone)) {
        const n = (this.nonTerminals.get(parent) ?? 0) - 1;
        if (n <= 0) this.nonTerminals.delete(parent);
        else this.nonTerminals.set(parent, n);
      }
    }
    for (const [rev] of old.ptrs) {
      const owners = this.ptr.get(rev);
      if (!owners) continue;
      owners.delete(key);
      if (owners.size === 0) this.ptr.delete(rev);
    }
  }

  /** The records owned by a canonical name. */
  lookup(name: string): RRSet | undefined {
    return this.names.get(name);
  }

  /** True when the name owns records or has names below it. */
  exists(name: string): boolean {
    return this.names.has(name) || this.nonTerminals.has(name);
  }

  /** The name a reverse-lookup name points at, if a Service or endpoint has that address. */
  ptrTarget(reverse: string): string | undefined {
    const owners = this.ptr.get(reverse);
    if (!owners) return undefined;
    for (const t of owners.values()) return t;
    return undefined;
  }
}
