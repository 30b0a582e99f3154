// SqliteStore: the embedded Store, a kine-style append-only log in one SQLite file (WAL mode).
// It owns the database file and the revision counter (the log's AUTOINCREMENT id) and delivers
// watch events to in-process watchers the moment a write commits. It must never be opened by two
// processes at once (revisions and watch delivery assume a single writer) and it knows nothing
// about Kubernetes objects: values are opaque bytes.
//
// Writes are queued and committed together at the next setImmediate: concurrent callers share
// one transaction and so one fsync (group commit), and each is acknowledged only after COMMIT.

import Database from 'better-sqlite3';
import {
  StoreError,
  type KeyValue,
  type ListOptions,
  type ListResult,
  type Store,
  type StoreWatchEvent,
  type StoreWatcher,
  type WatchOptions,
} from '../types.js';
import { prefixEndString } from '../key-range.js';
import { applySchema, type Synchronous } from './schema.js';
import { Col, prepareStatements, type EventRow, type LogRow, type Statements } from './statements.js';
import { rowCreateRevision, rowToKeyValue } from './rows.js';
import { SqliteWatcher, type WatchSource } from './sqlite-watch.js';

export interface SqliteStoreOptions {
  /** Database file, or ':memory:'. */
  path: string;
  /** SQLite synchronous pragma. FULL (default) makes every acknowledged write survive power loss. */
  synchronous?: Synchronous;
  /** Revisions deleted per compaction transaction, so compaction never blocks writes for long. */
  compactBatch?: number;
}

type WriteOp =
  | { kind: 'create'; key: string; value: Buffer }
  | { kind: 'update'; key: string; value: Buffer; expected: number }
  | { kind: 'delete'; key: string; expected: number | undefined };

interface WriteOutcome {
  revision: number;
  /** For delete: the state that was deleted. */
  deleted?: KeyValue;
}

interface QueuedWrite {
  op: WriteOp;
  resolve: (o: WriteOutcome) => void;
  reject: (e: Error) => void;
  outcome?: WriteOutcome;
  error?: StoreError;
}

/** Bound for "no upper key": every TEXT value sorts below any BLOB in SQLite. */
const NO_UPPER_BOUND = Buffer.from([0xff]);

const COMPACT_REV_KEY = 'compact_rev';

export class SqliteStore implements Store, WatchSource {
  readonly name = 'sqlite';
  readonly reportsWatchProgress = true;
  private readonly db: Database.Database;
  private readonly stmts: Statements;
  private readonly commitBatch: Database.Transaction<(batch: QueuedWrite[], events: StoreWatchEvent[]) => void>;
  private readonly compactBatch: number;
  private rev: number;
  private compactRev: number;
  private queue: QueuedWrite[] = [];
  private flushScheduled = false;
  private flushing: Promise<void> = Promise.resolve();
  private compacting: Promise<void> = Promise.resolve();
  private readonly watchers = new Set<SqliteWatcher>();
  private closed = false;

  static open(path: string, opts: Omit<SqliteStoreOptions, 'path'> = {}): SqliteStore {
    return new SqliteStore({ ...opts, path });
  }

  constructor(opts: SqliteStoreOptions) {
    this.db = new Database(opts.path);
    applySchema(this.db, opts.synchronous ?? 'FULL');
    this.stmts = prepareStatements(this.db);
    this.compactBatch = opts.compactBatch ?? 10_000;
    // sqlite_sequence survives deletion of the newest rows; MAX(id) covers a fresh table.
    this.rev = Math.max(Number(this.stmts.sequence.get() ?? 0), Number(this.stmts.maxId.get() ?? 0));
    this.compactRev = Number(this.stmts.metaGet.get(COMPACT_REV_KEY) ?? 0);
    this.commitBatch = this.db.transaction((batch: QueuedWrite[], events: StoreWatchEvent[]) => {
      for (const w of batch) {
        try {
          w.outcome = this.apply(w.op, events);
        } catch (err) {
          if (!(err instanceof StoreError)) throw err;
          w.error = err;
        }
      }
    });
  }

  // ---- reads -------------------------------------------------------------------------------

  async get(key: string): Promise<KeyValue | null> {
    this.assertOpen();
    const row = this.stmts.latest.get(key) as LogRow | undefined;
    return row && !row[Col.Deleted] ? rowToKeyValue(row) : null;
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    this.assertOpen();
    const rev = opts.revision && opts.revision > 0 ? opts.revision : this.rev;
    this.assertReadable(rev);
    const startAfter = opts.startAfter;
    const skipFirst = startAfter !== undefined && startAfter >= prefix;
    const lo = skipFirst ? startAfter : prefix;
    const hi = prefixEndString(prefix) ?? NO_UPPER_BOUND;
    const limit = opts.limit && opts.limit > 0 ? opts.limit : 0;
    const fetch = limit > 0 ? limit + 1 + (skipFirst ? 1 : 0) : -1;
    const rows = this.stmts.list.all({ lo, hi, rev, limit: fetch }) as LogRow[];
    let start = 0;
    if (skipFirst && rows.length > 0 && rows[0][Col.Name] === startAfter) start = 1;
    let end = rows.length;
    let more = false;
    if (limit > 0 && end - start > limit) {
      end = start + limit;
      more = true;
    }
    const kvs = new Array<KeyValue>(end - start);
    for (let i = start; i < end; i++) kvs[i - start] = rowToKeyValue(rows[i]);
    return { kvs, revision: rev, more };
  }

  async count(prefix: string): Promise<number> {
    this.assertOpen();
    const hi = prefixEndString(prefix) ?? NO_UPPER_BOUND;
    return Number(this.stmts.count.get({ lo: prefix, hi }));
  }

  async currentRevision(): Promise<number> {
    this.assertOpen();
    return this.rev;
  }

  async compactedRevision(): Promise<number> {
    this.assertOpen();
    return this.compactRev;
  }

  // ---- writes ------------------------------------------------------------------------------

  async create(key: string, value: Buffer): Promise<number> {
    return (await this.enqueue({ kind: 'create', key, value })).revision;
  }

  async update(key: string, value: Buffer, expectedRevision: number): Promise<number> {
    return (await this.enqueue({ kind: 'update', key, value, expected: expectedRevision })).revision;
  }

  async delete(key: string, expectedRevision?: number): Promise<{ kv: KeyValue; revision: number }> {
    const o = await this.enqueue({ kind: 'delete', key, expected: expectedRevision });
    return { kv: o.deleted!, revision: o.revision };
  }

  private enqueue(op: WriteOp): Promise<WriteOutcome> {
    if (this.closed) return Promise.reject(closedError());
    return new Promise<WriteOutcome>((resolve, reject) => {
      this.queue.push({ op, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        this.flushing = new Promise<void>((done) =>
          setImmediate(() => {
            this.flush();
            done();
          }),
        );
      }
    });
  }

  private flush(): void {
    this.flushScheduled = false;
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    const events: StoreWatchEvent[] = [];
    const revBefore = this.rev;
    try {
      this.commitBatch.immediate(batch, events);
    } catch (err) {
      // The transaction rolled back: nothing in the batch happened.
      this.rev = revBefore;
      for (const w of batch) w.reject(err as Error);
      return;
    }
    if (events.length > 0) for (const w of this.watchers) w.push(events);
    for (const w of batch) {
      if (w.error) w.reject(w.error);
      else w.resolve(w.outcome!);
    }
  }

  /** One write inside the batch transaction; throws StoreError for a failed precondition. */
  private apply(op: WriteOp, events: StoreWatchEvent[]): WriteOutcome {
    const latest = this.stmts.latest.get(op.key) as LogRow | undefined;
    const exists = latest !== undefined && !latest[Col.Deleted];
    if (op.kind === 'create') {
      if (exists) throw new StoreError('KeyExists', `key ${op.key} already exists`, this.rev);
      const revision = this.insert(op.key, 1, 0, 0, latest ? latest[Col.Id] : 0, op.value);
      events.push({
        type: 'PUT',
        kv: { key: op.key, value: op.value, createRevision: revision, modRevision: revision },
        created: true,
      });
      return { revision };
    }
    if (!exists) throw new StoreError('NotFound', `key ${op.key} not found`, this.rev);
    const prevKv = rowToKeyValue(latest);
    if (op.expected !== undefined && latest[Col.Id] !== op.expected) {
      throw new StoreError(
        'Conflict',
        `key ${op.key} has revision ${latest[Col.Id]}, expected ${op.expected}`,
        latest[Col.Id],
      );
    }
    const createRevision = rowCreateRevision(latest);
    if (op.kind === 'update') {
      const revision = this.insert(op.key, 0, 0, createRevision, latest[Col.Id], op.value);
      events.push({
        type: 'PUT',
        kv: { key: op.key, value: op.value, createRevision, modRevision: revision },
        prevKv,
        created: false,
      });
      return { revision };
    }
    // A tombstone keeps the last value, so history replay can report it without a join.
    const revision = this.insert(op.key, 0, 1, createRevision, latest[Col.Id], prevKv.value);
    events.push({
      type: 'DELETE',
      kv: { key: op.key, value: prevKv.value, createRevision, modRevision: revision },
      prevKv,
      created: false,
    });
    return { revision, deleted: prevKv };
  }

  private insert(name: string, created: number, deleted: number, createRev: number, prevRev: number, value: Buffer) {
    const id = Number(this.stmts.insert.run(name, created, deleted, createRev, prevRev, value).lastInsertRowid);
    this.rev = id;
    return id;
  }

  // ---- watch -------------------------------------------------------------------------------

  watch(prefix: string, opts: WatchOptions, onEvents: (events: StoreWatchEvent[]) => void): StoreWatcher {
    const hi = prefixEndString(prefix) ?? NO_UPPER_BOUND;
    const w = new SqliteWatcher(this, prefix, prefix, hi, opts.afterRevision, opts.signal, onEvents);
    if (this.closed) w.finish(closedError());
    else this.watchers.add(w);
    return w;
  }

  history(after: number, upto: number, lo: string, hi: string | Buffer, limit: number): EventRow[] {
    return this.stmts.history.all({ after, upto, lo, hi, limit }) as EventRow[];
  }

  currentRevisionSync(): number {
    return this.rev;
  }

  compactRevisionSync(): number {
    return this.compactRev;
  }

  removeWatcher(w: SqliteWatcher): void {
    this.watchers.delete(w);
  }

  // ---- compaction --------------------------------------------------------------------------

  compact(revision: number): Promise<void> {
    const run = this.compacting.then(() => this.compactNow(revision));
    this.compacting = run.catch(() => {});
    return run;
  }

  private async compactNow(revision: number): Promise<void> {
    this.assertOpen();
    if (revision > this.rev) {
      throw new StoreError('FutureRevision', `cannot compact to future revision ${revision}`, this.rev);
    }
    const step = this.db.transaction((from: number, to: number) => {
      this.stmts.compactSuperseded.run({ from, to });
      this.stmts.compactTombstones.run({ from, to });
      this.stmts.metaSet.run(COMPACT_REV_KEY, to);
    });
    while (this.compactRev < revision && !this.closed) {
      const to = Math.min(revision, this.compactRev + this.compactBatch);
      step.immediate(this.compactRev, to);
      this.compactRev = to;
      // Let queued writes and reads in between batches.
      if (this.compactRev < revision) await new Promise((r) => setImmediate(r));
    }
  }

  // ---- lifecycle ---------------------------------------------------------------------------

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.flushing;
    await this.compacting;
    for (const w of [...this.watchers]) w.finish();
    this.db.close();
  }

  private assertOpen(): void {
    if (this.closed) throw closedError();
  }

  private assertReadable(rev: number): void {
    if (rev < this.compactRev) {
      throw new StoreError(
        'Compacted',
        `required revision ${rev} has been compacted (compacted revision ${this.compactRev})`,
        this.compactRev,
      );
    }
    if (rev > this.rev) {
      throw new StoreError('FutureRevision', `required revision ${rev} is a future revision`, this.rev);
    }
  }
}

function closedError(): StoreError {
  return new StoreError('Unavailable', 'store is closed');
}
