// Orders the runtime's heavy start-up work (sandbox creation with CNI, container create+start)
// across pods. containerd does this work on the node's few CPUs; 30 pods started at once all
// finish late when it runs 30-wide (each gets 1/30 of the machine), while a few at a time, the
// pods that came first first, finishes most pods much earlier for the same total. A pod's
// position is fixed when the kubelet first sees it, so a pod already past its sandbox goes
// before newer pods' sandboxes. A slot held past maxHoldMs is given up (the call goes on), so
// a stuck runtime call delays the others by at most that much.
import { availableParallelism } from 'node:os';

interface Waiter {
  order: number;
  seq: number;
  start: () => void;
}

/** The waiter to run next: lowest order, then first come. */
export function nextWaiter<W extends { order: number; seq: number }>(waiting: readonly W[]): number {
  let best = -1;
  for (let i = 0; i < waiting.length; i++) {
    const w = waiting[i]!;
    const b = best < 0 ? undefined : waiting[best]!;
    if (!b || w.order < b.order || (w.order === b.order && w.seq < b.seq)) best = i;
  }
  return best;
}

/** One per CPU, at least two (on a 2-CPU node, 2-wide beat 4-wide and 30-wide for 30 sandboxes). */
export function defaultGateLimit(): number {
  return Math.max(2, availableParallelism());
}

export class RuntimeGate {
  private running = 0;
  private seq = 0;
  private readonly waiting: Waiter[] = [];

  constructor(readonly limit = defaultGateLimit(), private readonly maxHoldMs = 2_000) {}

  /** Runs fn when a slot is free and no earlier-ordered work waits. */
  async run<T>(order: number, fn: () => Promise<T>): Promise<T> {
    await this.acquire(order);
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      clearTimeout(timer);
      this.running--;
      this.startNext();
    };
    const timer = setTimeout(release, this.maxHoldMs);
    timer.unref?.();
    try {
      return await fn();
    } finally {
      release();
    }
  }

  /** Work waiting for a slot (tests, metrics). */
  pending(): number {
    return this.waiting.length;
  }

  private acquire(order: number): Promise<void> {
    if (this.running < this.limit && this.waiting.length === 0) {
      this.running++;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.waiting.push({ order, seq: this.seq++, start: resolve });
      this.startNext();
    });
  }

  private startNext(): void {
    while (this.running < this.limit && this.waiting.length > 0) {
      const i = nextWaiter(this.waiting);
      const [w] = this.waiting.splice(i, 1);
      this.running++;
      w!.start();
    }
  }
}
