// One serialized worker per pod UID, as upstream's podWorkers: a sync for a pod never overlaps
// another sync of the same pod; updates that arrive meanwhile coalesce into one more run. A sync
// may ask to be run again after a delay (back-off expiry, a pending hook); failures retry.
import type { Logger } from 'pino';

/** Returns ms until the pod must be synced again (undefined: only on the next change). */
export type SyncFn = (uid: string) => Promise<number | undefined>;

interface Worker {
  running: boolean;
  again: boolean;
  timer?: NodeJS.Timeout;
  due?: number;
  failures: number;
}

const RETRY_BASE_MS = 1_000;
const RETRY_MAX_MS = 30_000;

export class PodWorkers {
  private readonly workers = new Map<string, Worker>();
  private stopped = false;

  constructor(private readonly sync: SyncFn, private readonly logger: Logger) {}

  /** Runs uid's sync now, or once more after the one in progress. */
  enqueue(uid: string): void {
    if (this.stopped) return;
    const w = this.worker(uid);
    if (w.running) {
      w.again = true;
      return;
    }
    void this.loop(uid, w);
  }

  /** Runs uid's sync after ms; an earlier pending run wins. */
  enqueueAfter(uid: string, ms: number): void {
    if (this.stopped) return;
    const w = this.worker(uid);
    const due = Date.now() + ms;
    if (w.timer && w.due !== undefined && w.due <= due) return;
    if (w.timer) clearTimeout(w.timer);
    w.due = due;
    w.timer = setTimeout(() => {
      w.timer = undefined;
      w.due = undefined;
      this.enqueue(uid);
    }, ms);
    w.timer.unref?.();
  }

  /** Drops uid's worker (after its pod is gone); a sync in progress finishes. */
  forget(uid: string): void {
    const w = this.workers.get(uid);
    if (!w) return;
    if (w.timer) clearTimeout(w.timer);
    if (!w.running) this.workers.delete(uid);
  }

  /** Whether any sync is running (tests and shutdown). */
  busy(): boolean {
    for (const w of this.workers.values()) if (w.running) return true;
    return false;
  }

  stop(): void {
    this.stopped = true;
    for (const w of this.workers.values()) if (w.timer) clearTimeout(w.timer);
  }

  /** Waits (at most timeoutMs) for the syncs in progress to end, so their clients can close. */
  async drain(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.busy() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  }

  private worker(uid: string): Worker {
    let w = this.workers.get(uid);
    if (!w) {
      w = { running: false, again: false, failures: 0 };
      this.workers.set(uid, w);
    }
    return w;
  }

  private async loop(uid: string, w: Worker): Promise<void> {
    w.running = true;
    try {
      do {
        w.again = false;
        try {
          const after = await this.sync(uid);
          w.failures = 0;
          if (after !== undefined && !this.stopped) this.enqueueAfter(uid, Math.max(1, after));
        } catch (err) {
          this.logger.warn({ err, podUID: uid }, 'pod sync failed');
          const delay = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** w.failures++);
          if (!this.stopped) this.enqueueAfter(uid, delay);
        }
      } while (w.again && !this.stopped);
    } finally {
      w.running = false;
    }
  }
}
