// One watch on the SQLite store. It starts in catch-up mode, replaying history rows page by page
// straight from the log, and switches to live mode in the same synchronous step that finds it has
// reached the current revision; from then on the store pushes committed events to it. Because
// SQLite calls are synchronous and commits notify watchers synchronously, no write can fall
// between the last replayed row and the first pushed event: no gaps, no duplicates.

import { StoreError, type StoreWatchEvent, type StoreWatcher } from '../types.js';
import { eventRowToEvent } from './rows.js';
import type { EventRow } from './statements.js';

const REPLAY_PAGE = 1000;

/** What a watcher needs from its store; all calls are synchronous. */
export interface WatchSource {
  history(after: number, upto: number, lo: string, hi: string | Buffer, limit: number): EventRow[];
  currentRevisionSync(): number;
  compactRevisionSync(): number;
  removeWatcher(w: SqliteWatcher): void;
}

export class SqliteWatcher implements StoreWatcher {
  readonly done: Promise<void>;
  private live = false;
  private ended = false;
  private lastRev: number;
  private pending: StoreWatchEvent[] = [];
  /** Highest committed revision this watch has seen, matching its prefix or not. */
  private progress = 0;
  private flushScheduled = false;
  private resolveDone!: () => void;
  private rejectDone!: (err: Error) => void;
  private readonly onAbort = () => this.finish();

  constructor(
    private readonly source: WatchSource,
    readonly prefix: string,
    private readonly lo: string,
    private readonly hi: string | Buffer,
    afterRevision: number,
    private readonly signal: AbortSignal,
    private readonly onEvents: (events: StoreWatchEvent[], progressRevision?: number) => void,
  ) {
    this.lastRev = afterRevision;
    this.done = new Promise<void>((resolve, reject) => {
      this.resolveDone = resolve;
      this.rejectDone = reject;
    });
    // Callers that only care about delivery must not crash the process on a rejected watch.
    this.done.catch(() => {});
    if (signal.aborted) {
      this.finish();
      return;
    }
    signal.addEventListener('abort', this.onAbort, { once: true });
    setImmediate(() => this.catchUp());
  }

  /** Called synchronously by the store after each commit, with that commit's events in order. */
  push(events: readonly StoreWatchEvent[]): void {
    if (!this.live || this.ended) return;
    for (const ev of events) {
      if (ev.kv.modRevision > this.progress) this.progress = ev.kv.modRevision;
      if (ev.kv.modRevision <= this.lastRev || !ev.kv.key.startsWith(this.prefix)) continue;
      this.pending.push(ev);
      this.lastRev = ev.kv.modRevision;
    }
    // Progress is delivered even without matching events, so a consumer knows it is current.
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      queueMicrotask(() => this.flush());
    }
  }

  /** Ends the watch; with an error the done promise rejects. */
  finish(err?: Error): void {
    if (this.ended) return;
    this.ended = true;
    this.pending = [];
    this.signal.removeEventListener('abort', this.onAbort);
    this.source.removeWatcher(this);
    if (err) this.rejectDone(err);
    else this.resolveDone();
  }

  private catchUp(): void {
    if (this.ended) return;
    try {
      const compacted = this.source.compactRevisionSync();
      if (this.lastRev < compacted) {
        throw new StoreError(
          'Compacted',
          `required revision ${this.lastRev + 1} has been compacted (compacted revision ${compacted})`,
          compacted,
        );
      }
      const upto = this.source.currentRevisionSync();
      const rows = this.source.history(this.lastRev, upto, this.lo, this.hi, REPLAY_PAGE);
      const events = rows.map(eventRowToEvent);
      if (rows.length < REPLAY_PAGE) {
        // A watch from a future revision stays there: live events at or below it are skipped.
        if (upto > this.lastRev) this.lastRev = upto;
        this.live = true;
      } else {
        this.lastRev = rows[rows.length - 1][0];
      }
      if (this.live) this.progress = Math.max(this.progress, upto);
      if (events.length > 0 || this.live) this.deliver(events, this.live ? this.progress : undefined);
      if (!this.live && !this.ended) setImmediate(() => this.catchUp());
    } catch (err) {
      this.finish(err as Error);
    }
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.ended) return;
    const batch = this.pending;
    this.pending = [];
    this.deliver(batch, this.progress);
  }

  private deliver(events: StoreWatchEvent[], progressRevision?: number): void {
    try {
      this.onEvents(events, progressRevision);
    } catch (err) {
      this.finish(err as Error);
    }
  }
}
