// One timer for many deadlines. Thousands of nodes heartbeating and pods finishing would mean
// thousands of setTimeout handles; instead deadlines are filed in coarse slots and a single
// interval drains the slots that have come due.

export class TimerWheel<T> {
  private readonly slots = new Map<number, T[]>();
  private lastSlot: number;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly fire: (item: T) => void,
    private readonly tickMs = 100,
    private readonly nowMs: () => number = Date.now,
  ) {
    this.lastSlot = Math.floor(this.nowMs() / tickMs);
  }

  /** Fires item at (or just after) atMs; an item already due fires on the next tick. */
  schedule(atMs: number, item: T): void {
    const slot = Math.max(Math.ceil(atMs / this.tickMs), this.lastSlot + 1);
    const list = this.slots.get(slot);
    if (list) list.push(item);
    else this.slots.set(slot, [item]);
  }

  start(signal: AbortSignal): void {
    if (this.timer || signal.aborted) return;
    this.lastSlot = Math.floor(this.nowMs() / this.tickMs);
    this.timer = setInterval(() => this.advance(), this.tickMs);
    signal.addEventListener('abort', () => this.stop(), { once: true });
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.slots.clear();
  }

  /** Drains every slot up to now; exposed so tests can drive the wheel with a fake clock. */
  advance(): void {
    const current = Math.floor(this.nowMs() / this.tickMs);
    // lastSlot moves before each drain so items scheduled by a handler land in a later slot.
    if (current - this.lastSlot <= 10_000) {
      for (let s = this.lastSlot + 1; s <= current; s++) {
        this.lastSlot = s;
        this.drain(s);
      }
    } else {
      // After a long stall (suspended laptop, fake clock jump) skip the empty slots.
      for (let s = this.earliestDue(current); s !== undefined; s = this.earliestDue(current)) {
        this.lastSlot = s;
        this.drain(s);
      }
    }
    this.lastSlot = current;
  }

  private earliestDue(current: number): number | undefined {
    let min: number | undefined;
    for (const s of this.slots.keys()) if (s <= current && (min === undefined || s < min)) min = s;
    return min;
  }

  get pending(): number {
    let n = 0;
    for (const l of this.slots.values()) n += l.length;
    return n;
  }

  private drain(slot: number): void {
    const list = this.slots.get(slot);
    if (!list) return;
    this.slots.delete(slot);
    for (const item of list) this.fire(item);
  }
}
