// What a controller is still waiting to see in its informer cache after its own creates and
// deletes (upstream ControllerExpectations / UIDTrackingControllerExpectations). Until they are
// observed (or expire), a sync must not act on the stale cache, or it would create twice.
import type { Clock } from '../../client/informer-types.js';

/** Upstream ExpectationsTimeout: a lost watch event must not stall a controller forever. */
export const EXPECTATIONS_TTL_MS = 5 * 60_000;

interface Expectation {
  adds: number;
  deletes: Set<string>;
  at: number;
}

export class ControllerExpectations {
  private readonly byKey = new Map<string, Expectation>();

  constructor(private readonly clock: Clock, private readonly ttlMs = EXPECTATIONS_TTL_MS) {}

  /** True when nothing is outstanding for key (or the record expired). */
  satisfied(key: string): boolean {
    const e = this.byKey.get(key);
    if (!e) return true;
    if (e.adds <= 0 && e.deletes.size === 0) return true;
    return this.clock.now().getTime() - e.at > this.ttlMs;
  }

  expectCreations(key: string, n: number): void {
    this.byKey.set(key, { adds: n, deletes: new Set(), at: this.clock.now().getTime() });
  }

  /** deleteKeys: "namespace/name" of each pod about to be deleted. */
  expectDeletions(key: string, deleteKeys: readonly string[]): void {
    this.byKey.set(key, { adds: 0, deletes: new Set(deleteKeys), at: this.clock.now().getTime() });
  }

  creationObserved(key: string): void {
    const e = this.byKey.get(key);
    if (e && e.adds > 0) e.adds--;
  }

  /** For creations that were skipped or failed and so will never be observed. */
  lowerCreations(key: string, n: number): void {
    const e = this.byKey.get(key);
    if (e) e.adds = Math.max(0, e.adds - n);
  }

  deletionObserved(key: string, deletedKey: string): void {
    this.byKey.get(key)?.deletes.delete(deletedKey);
  }

  forget(key: string): void {
    this.byKey.delete(key);
  }
}
