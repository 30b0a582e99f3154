// Which Service holds each verdict-map key. Two Services can claim one key (the same external or
// load-balancer IP and port); the kernel map holds one verdict per key, and adding a second would
// fail the whole transaction. The first claimant keeps the key; the others wait and are told to
// resync when it is released. Pure bookkeeping, no I/O.
import type { ServiceRules } from './nft-rules.js';

export class ElementClaims {
  private readonly holder = new Map<string, string>();
  private readonly waiting = new Map<string, Set<string>>();

  /**
   * rules without the elements whose packet key another Service holds (in either map of a pair:
   * a reject in no-endpoint-services would shadow the other's service-ips entry); the rest are
   * now held by service.
   */
  grant(service: string, rules: ServiceRules): ServiceRules {
    let blocked: string[] | undefined;
    for (const [id, e] of rules.elements) {
      const h = this.holder.get(e.key);
      if (h === undefined) this.holder.set(e.key, service);
      else if (h !== service) {
        (blocked ??= []).push(id);
        let w = this.waiting.get(e.key);
        if (!w) this.waiting.set(e.key, (w = new Set()));
        w.add(service);
      }
    }
    if (!blocked) return rules;
    const elements = new Map(rules.elements);
    for (const id of blocked) elements.delete(id);
    return { ...rules, elements };
  }

  /** Releases keys service held before and no longer has; returns the Services waiting for them. */
  release(service: string, before: ServiceRules | undefined, after: ServiceRules | undefined): string[] {
    if (!before) return [];
    let kept: Set<string> | undefined;
    if (after) {
      kept = new Set();
      for (const e of after.elements.values()) kept.add(e.key);
    }
    const woken: string[] = [];
    for (const e of before.elements.values()) {
      if (kept?.has(e.key) || this.holder.get(e.key) !== service) continue;
      this.holder.delete(e.key);
      const w = this.waiting.get(e.key);
      if (w) {
        this.waiting.delete(e.key);
        for (const s of w) if (s !== service) woken.push(s);
      }
    }
    return woken;
  }

  clear(): void {
    this.holder.clear();
    this.waiting.clear();
  }
}
