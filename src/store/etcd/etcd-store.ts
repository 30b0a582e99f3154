// EtcdStore: the Store on a real etcd v3 cluster over gRPC. It owns nothing but its connection;
// every key it touches lives under its `prefix`, and it never writes outside it. Preconditions
// are etcd transactions (compare create/mod revision, then put/delete, else read), so the
// revision checks happen inside raft, not in this process. Every call has a deadline: without
// quorum, operations fail with StoreError('Unavailable') instead of hanging.

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
import { prefixEndBytes } from '../key-range.js';
import { EtcdRpc, type RangeResponse, type RpcKeyValue, type TxnResponse } from './etcd-rpc.js';
import { EtcdWatcher } from './etcd-watch.js';

export interface EtcdStoreOptions {
  /** Client endpoints, e.g. ["127.0.0.1:2379", "127.0.0.1:22379"]. */
  endpoints: string[];
  /** Prepended to every key (lets several stores or tests share one cluster). */
  prefix?: string;
  /** Deadline per operation, retries included (default 5000 ms). */
  timeoutMs?: number;
}

export class EtcdStore implements Store {
  readonly name = 'etcd';
  private readonly rpc: EtcdRpc;
  private readonly prefix: string;
  private readonly watchers = new Set<EtcdWatcher>();
  /** Lower bound for compactedRevision's search: the newest compaction seen. */
  private knownCompacted = 0;

  constructor(opts: EtcdStoreOptions) {
    if (opts.endpoints.length === 0) throw new Error('EtcdStore needs at least one endpoint');
    this.rpc = new EtcdRpc({ endpoints: opts.endpoints, timeoutMs: opts.timeoutMs });
    this.prefix = opts.prefix ?? '';
  }

  private k(key: string): Buffer {
    return Buffer.from(this.prefix + key);
  }

  private kv(kv: RpcKeyValue): KeyValue {
    return {
      key: kv.key.toString('utf8').slice(this.prefix.length),
      value: kv.value,
      createRevision: kv.create_revision,
      modRevision: kv.mod_revision,
    };
  }

  async get(key: string): Promise<KeyValue | null> {
    const res = await this.rpc.range({ key: this.k(key) });
    return res.kvs.length > 0 ? this.kv(res.kvs[0]) : null;
  }

  async create(key: string, value: Buffer): Promise<number> {
    const k = this.k(key);
    const res = await this.rpc.txn({
      compare: [{ result: 'EQUAL', target: 'CREATE', key: k, create_revision: 0 }],
      success: [{ request_put: { key: k, value } }],
      failure: [],
    });
    if (!res.succeeded) throw new StoreError('KeyExists', `key ${key} already exists`, res.header.revision);
    return res.header.revision;
  }

  async update(key: string, value: Buffer, expectedRevision: number): Promise<number> {
    const k = this.k(key);
    const res = await this.rpc.txn({
      compare: [{ result: 'EQUAL', target: 'MOD', key: k, mod_revision: expectedRevision }],
      success: [{ request_put: { key: k, value } }],
      failure: [{ request_range: { key: k } }],
    });
    if (!res.succeeded) throw this.preconditionFailed(key, expectedRevision, res);
    return res.header.revision;
  }

  async delete(key: string, expectedRevision?: number): Promise<{ kv: KeyValue; revision: number }> {
    const k = this.k(key);
    const res = await this.rpc.txn({
      compare:
        expectedRevision === undefined
          ? [{ result: 'GREATER', target: 'CREATE', key: k, create_revision: 0 }]
          : [{ result: 'EQUAL', target: 'MOD', key: k, mod_revision: expectedRevision }],
      success: [{ request_delete_range: { key: k, prev_kv: true } }],
      failure: [{ request_range: { key: k } }],
    });
    if (!res.succeeded) throw this.preconditionFailed(key, expectedRevision, res);
    const prev = res.responses[0]?.response_delete_range?.prev_kvs[0];
    // Deleted between compare and delete is impossible inside one txn; prev is always there.
    if (!prev) throw new StoreError('NotFound', `key ${key} not found`, res.header.revision);
    return { kv: this.kv(prev), revision: res.header.revision };
  }

  private preconditionFailed(key: string, expected: number | undefined, res: TxnResponse): StoreError {
    const current = res.responses[0]?.response_range?.kvs[0];
    if (!current) return new StoreError('NotFound', `key ${key} not found`, res.header.revision);
    return new StoreError(
      'Conflict',
      `key ${key} has revision ${current.mod_revision}, expected ${expected}`,
      current.mod_revision,
    );
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    const full = this.k(prefix);
    const startAfter = opts.startAfter;
    const key =
      startAfter !== undefined && startAfter >= prefix ? Buffer.concat([this.k(startAfter), Buffer.from([0])]) : full;
    const limit = opts.limit && opts.limit > 0 ? opts.limit : 0;
    const res: RangeResponse = await this.rpc.range({
      key,
      range_end: prefixEndBytes(full),
      limit,
      revision: opts.revision && opts.revision > 0 ? opts.revision : 0,
    });
    const kvs = res.kvs.map((kv) => this.kv(kv));
    const revision = opts.revision && opts.revision > 0 ? opts.revision : res.header.revision;
    return res.more ? { kvs, revision, more: true, remaining: res.count - kvs.length } : { kvs, revision, more: false };
  }

  async count(prefix: string): Promise<number> {
    const full = this.k(prefix);
    const res = await this.rpc.range({ key: full, range_end: prefixEndBytes(full), count_only: true });
    return res.count;
  }

  watch(prefix: string, opts: WatchOptions, onEvents: (events: StoreWatchEvent[]) => void): StoreWatcher {
    const full = this.k(prefix);
    const w = new EtcdWatcher(this.rpc, this.prefix, full, prefixEndBytes(full), opts.afterRevision, opts.signal, onEvents);
    this.watchers.add(w);
    void w.done.finally(() => this.watchers.delete(w)).catch(() => {});
    return w;
  }

  /** etcd refuses an empty key; any key works for a count-only read of the header revision. */
  private revisionProbeKey(): Buffer {
    const k = this.k('');
    return k.length ? k : Buffer.from([0]);
  }

  async currentRevision(): Promise<number> {
    const res = await this.rpc.range({ key: this.revisionProbeKey(), count_only: true });
    return res.header.revision;
  }

  async compact(revision: number): Promise<void> {
    try {
      await this.rpc.compact(revision);
    } catch (err) {
      // Compacting to or below the current compaction point is a no-op, not an error.
      if (!(err instanceof StoreError && err.code === 'Compacted')) throw err;
    }
    if (revision > this.knownCompacted) this.knownCompacted = revision;
  }

  /**
   * etcd does not report its compaction point directly: find the oldest revision a Range can
   * still read by binary search (a few cheap count-only requests; callers use this rarely).
   */
  async compactedRevision(): Promise<number> {
    const current = await this.currentRevision();
    const readable = async (rev: number) => {
      try {
        await this.rpc.range({ key: this.revisionProbeKey(), count_only: true, revision: rev });
        return true;
      } catch (err) {
        if (err instanceof StoreError && err.code === 'Compacted') return false;
        throw err;
      }
    };
    let lo = Math.max(1, this.knownCompacted);
    if (await readable(lo)) return lo === 1 ? 0 : lo;
    let hi = current;
    while (lo + 1 < hi) {
      const mid = Math.floor((lo + hi) / 2);
      if (await readable(mid)) hi = mid;
      else lo = mid;
    }
    this.knownCompacted = hi;
    return hi;
  }

  async close(): Promise<void> {
    for (const w of [...this.watchers]) w.finish();
    this.rpc.close();
  }
}
