// Caps how many heartbeat writes are in flight: after an event-loop stall the timer wheel may
// release thousands of due heartbeats at once, and sending them all together would only swamp
// the connection (HTTP/2 session memory) and the server. Callers queue; at most one entry per node.

export class Limiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly max: number) {}

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.max) await new Promise<void>((r) => this.waiting.push(r));
    else this.active++;
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      if (next) next(); // the slot passes straight to the next caller
      else this.active--;
    }
  }

  get queued(): number {
    return this.waiting.length;
  }
}
