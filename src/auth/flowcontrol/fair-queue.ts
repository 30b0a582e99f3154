// API Priority-and-Fairness-like admission of requests into the server: a bounded number of
// requests run at once; when that is reached, each flow (user) waits in its own bounded FIFO and
// freed seats go to the waiting flow holding the fewest seats (round-robin among equals), so a
// flooding client cannot starve a well-behaved one. Full queues and long waits answer 429.
// It owns seats only; the caller decides which requests are exempt (watches, health checks).
import { StatusError } from '../../api/errors.js';

export interface FairQueueOptions {
  /** Requests executing at once, server-wide (upstream default 600 = 400 + 200; k8ts default 200). */
  totalConcurrency?: number;
  /** Seats one flow may hold even when others are idle (default totalConcurrency). */
  perFlowConcurrency?: number;
  /** Requests one flow may have waiting (default 50). */
  queueLengthPerFlow?: number;
  /** How long a request may wait for a seat before a 429 (default 15 s). */
  maxWaitMs?: number;
  retryAfterSeconds?: number;
}

export type Release = () => void;

interface Waiter {
  grant(release: Release): void;
  reject(err: Error): void;
}

interface Flow {
  id: string;
  executing: number;
  queue: Waiter[];
}

export function tooManyRequests(retryAfterSeconds: number): StatusError {
  return new StatusError(429, 'TooManyRequests', 'Too many requests, please try again later.', { retryAfterSeconds });
}

/** Requests upstream never queues: long-running watches and the system:masters group. */
export function isExempt(r: { verb: string; groups: readonly string[]; path?: string }): boolean {
  if (r.verb === 'watch' || r.groups.includes('system:masters')) return true;
  const p = r.path ?? '';
  return p === '/healthz' || p === '/livez' || p === '/readyz' || p.startsWith('/healthz/') || p.startsWith('/livez/') || p.startsWith('/readyz/');
}

export class FairQueue {
  private readonly total: number;
  private readonly perFlow: number;
  private readonly queueLength: number;
  private readonly maxWaitMs: number;
  private readonly retryAfter: number;
  private executing = 0;
  private waiting = 0;
  private readonly flows = new Map<string, Flow>();
  /** Flows with waiters, in round-robin order. */
  private readonly ring: Flow[] = [];
  private cursor = 0;

  constructor(opts: FairQueueOptions = {}) {
    this.total = opts.totalConcurrency ?? 200;
    this.perFlow = Math.min(opts.perFlowConcurrency ?? this.total, this.total);
    this.queueLength = opts.queueLengthPerFlow ?? 50;
    this.maxWaitMs = opts.maxWaitMs ?? 15_000;
    this.retryAfter = opts.retryAfterSeconds ?? 1;
  }

  stats(): { executing: number; waiting: number; flows: number } {
    return { executing: this.executing, waiting: this.waiting, flows: this.flows.size };
  }

  /** Waits for a seat for flow (usually the username); call the returned function when done. */
  acquire(flowId: string, signal?: AbortSignal): Promise<Release> {
    const flow = this.flow(flowId);
    if (this.waiting === 0 && this.executing < this.total && flow.executing < this.perFlow) return Promise.resolve(this.seat(flow));
    if (flow.queue.length >= this.queueLength) {
      this.dropIfIdle(flow);
      return Promise.reject(tooManyRequests(this.retryAfter));
    }
    return new Promise<Release>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const cleanup = () => {
        if (timer) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const waiter: Waiter = {
        grant: (release) => {
          cleanup();
          resolve(release);
        },
        reject: (err) => {
          cleanup();
          reject(err);
        },
      };
      const leave = (err: Error) => {
        const i = flow.queue.indexOf(waiter);
        if (i < 0) return;
        flow.queue.splice(i, 1);
        this.waiting--;
        if (!flow.queue.length) this.unring(flow);
        this.dropIfIdle(flow);
        waiter.reject(err);
      };
      const onAbort = () => leave(signal!.reason instanceof Error ? signal!.reason : new Error('aborted'));
      timer = setTimeout(() => leave(tooManyRequests(this.retryAfter)), this.maxWaitMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      if (!flow.queue.length) this.ring.push(flow);
      flow.queue.push(waiter);
      this.waiting++;
      // A seat may be free (queued only for fairness behind others): hand it out now.
      this.dispatch();
    });
  }

  private flow(id: string): Flow {
    let f = this.flows.get(id);
    if (!f) this.flows.set(id, (f = { id, executing: 0, queue: [] }));
    return f;
  }

  private dropIfIdle(flow: Flow): void {
    if (flow.executing === 0 && flow.queue.length === 0) this.flows.delete(flow.id);
  }

  private unring(flow: Flow): void {
    const i = this.ring.indexOf(flow);
    if (i < 0) return;
    this.ring.splice(i, 1);
    if (this.cursor > i) this.cursor--;
  }

  private seat(flow: Flow): Release {
    this.executing++;
    flow.executing++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.executing--;
      flow.executing--;
      this.dropIfIdle(flow);
      this.dispatch();
    };
  }

  /** Hands free seats to waiting flows: the flow holding the fewest seats first, round-robin among equals. */
  private dispatch(): void {
    while (this.executing < this.total && this.ring.length) {
      let best: Flow | undefined;
      let bestAt = -1;
      for (let k = 0; k < this.ring.length; k++) {
        const at = (this.cursor + k) % this.ring.length;
        const f = this.ring[at]!;
        if (f.executing >= this.perFlow) continue;
        if (!best || f.executing < best.executing) {
          best = f;
          bestAt = at;
        }
      }
      if (!best) return;
      const waiter = best.queue.shift()!;
      this.waiting--;
      this.cursor = bestAt + 1;
      if (!best.queue.length) this.unring(best);
      if (this.ring.length) this.cursor %= this.ring.length;
      else this.cursor = 0;
      waiter.grant(this.seat(best));
    }
  }
}
