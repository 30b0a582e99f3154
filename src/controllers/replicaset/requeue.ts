// Delayed re-syncs that keep the earliest deadline per key. A controller asks to look at a key
// again "in N ms" for several reasons (minReadySeconds, progress deadlines); a later, sooner
// request must win over an earlier, later one, which a plain one-timer-per-key delay cannot do.

export class EarliestRequeue {
  private readonly timers = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  private stopped = false;

  constructor(private readonly fire: (key: string) => void) {}

  after(key: string, ms: number): void {
    if (this.stopped) return;
    const at = Date.now() + ms;
    const cur = this.timers.get(key);
    if (cur && cur.at <= at) return;
    if (cur) clearTimeout(cur.timer);
    const timer = setTimeout(() => {
      this.timers.delete(key);
      this.fire(key);
    }, ms);
    timer.unref?.();
    this.timers.set(key, { at, timer });
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers.values()) clearTimeout(t.timer);
    this.timers.clear();
  }
}
