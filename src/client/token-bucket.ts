// Client-side request rate limiting (client-go's token bucket: qps refill, burst capacity).
// Waiters are served in arrival order.

export class TokenBucket {
  private tokens: number;
  private last = performance.now();
  private waiting = 0;
  private tail: Promise<void> = Promise.resolve();

  constructor(private readonly qps: number, private readonly burst: number) {
    this.tokens = burst;
  }

  /** undefined when a token was taken at once, else a promise that resolves when it was. */
  take(): Promise<void> | undefined {
    this.refill();
    if (this.waiting === 0 && this.tokens >= 1) {
      this.tokens -= 1;
      return undefined;
    }
    this.waiting++;
    this.tail = this.tail.then(() => this.waitForToken()).finally(() => void this.waiting--);
    return this.tail;
  }

  private async waitForToken(): Promise<void> {
    for (;;) {
      this.refill();
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      await new Promise((r) => setTimeout(r, Math.ceil(((1 - this.tokens) / this.qps) * 1000)));
    }
  }

  private refill(): void {
    const now = performance.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.qps);
    this.last = now;
  }
}
