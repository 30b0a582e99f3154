// Per-key exponential back-off as upstream's flowcontrol.Backoff, used for crash-looping
// containers (CrashLoopBackOff) and failing image pulls (ImagePullBackOff): 10 s doubling to
// 5 min, forgotten after twice the maximum without a failure. Pure bookkeeping over given times.

export const BACKOFF_INITIAL_MS = 10_000;
export const BACKOFF_MAX_MS = 300_000;

interface Entry { delayMs: number; lastMs: number }

export class Backoff {
  private readonly entries = new Map<string, Entry>();

  constructor(readonly initialMs = BACKOFF_INITIAL_MS, readonly maxMs = BACKOFF_MAX_MS) {}

  /** Current delay for key (0 when it has never failed or has been forgotten). */
  delay(key: string, nowMs: number): number {
    const e = this.entries.get(key);
    if (!e) return 0;
    if (nowMs - e.lastMs > 2 * this.maxMs) {
      this.entries.delete(key);
      return 0;
    }
    return e.delayMs;
  }

  /** True while an event at sinceMs is still inside key's back-off window. */
  inBackoffSince(key: string, sinceMs: number, nowMs: number): boolean {
    const d = this.delay(key, nowMs);
    return d > 0 && nowMs - sinceMs < d;
  }

  /** Remaining ms of the window that started at sinceMs (0 when over). */
  remaining(key: string, sinceMs: number, nowMs: number): number {
    const d = this.delay(key, nowMs);
    return d > 0 ? Math.max(0, sinceMs + d - nowMs) : 0;
  }

  /** Records a failure: the first gives the initial delay, later ones double it up to the max. */
  next(key: string, nowMs: number): number {
    const d = this.delay(key, nowMs);
    const delayMs = d === 0 ? this.initialMs : Math.min(this.maxMs, d * 2);
    this.entries.set(key, { delayMs, lastMs: nowMs });
    return delayMs;
  }

  reset(key: string): void {
    this.entries.delete(key);
  }

  /** Forgets every key starting with prefix (a pod's containers when it goes away). */
  resetPrefix(prefix: string): void {
    for (const k of this.entries.keys()) if (k.startsWith(prefix)) this.entries.delete(k);
  }
}
