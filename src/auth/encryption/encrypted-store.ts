// A Store wrapper that encrypts values of configured resources on their way in and decrypts them
// on their way out, so the backend (SQLite file, etcd) only ever holds ciphertext for them. It
// owns value bytes only: keys, revisions and every other Store semantic pass through untouched.
import type { KeyValue, ListOptions, ListResult, Store, StoreWatchEvent, StoreWatcher, WatchOptions } from '../../store/types.js';
import type { ValueTransformer } from '../types.js';

export type TransformerFor = (key: string) => ValueTransformer | undefined;

export class EncryptedStore implements Store {
  readonly name: string;
  readonly reportsWatchProgress?: boolean;

  constructor(readonly inner: Store, private readonly transformerFor: TransformerFor) {
    this.name = inner.name;
    this.reportsWatchProgress = inner.reportsWatchProgress;
  }

  private out(kv: KeyValue): KeyValue {
    const t = this.transformerFor(kv.key);
    if (!t || kv.value.length === 0) return kv;
    return { ...kv, value: t.fromStore(kv.key, kv.value).value };
  }

  private in(key: string, value: Buffer): Buffer {
    const t = this.transformerFor(key);
    return t ? t.toStore(key, value) : value;
  }

  async get(key: string): Promise<KeyValue | null> {
    const kv = await this.inner.get(key);
    return kv && this.out(kv);
  }

  create(key: string, value: Buffer): Promise<number> {
    return this.inner.create(key, this.in(key, value));
  }

  update(key: string, value: Buffer, expectedRevision: number): Promise<number> {
    return this.inner.update(key, this.in(key, value), expectedRevision);
  }

  async delete(key: string, expectedRevision?: number): Promise<{ kv: KeyValue; revision: number }> {
    const res = await this.inner.delete(key, expectedRevision);
    return { kv: this.out(res.kv), revision: res.revision };
  }

  async list(prefix: string, opts?: ListOptions): Promise<ListResult> {
    const res = await this.inner.list(prefix, opts);
    return { ...res, kvs: res.kvs.map((kv) => this.out(kv)) };
  }

  count(prefix: string): Promise<number> {
    return this.inner.count(prefix);
  }

  watch(prefix: string, opts: WatchOptions, onEvents: (events: StoreWatchEvent[], progressRevision?: number) => void): StoreWatcher {
    return this.inner.watch(prefix, opts, (events, progress) => {
      onEvents(
        events.map((e) => ({ ...e, kv: this.out(e.kv), prevKv: e.prevKv && this.out(e.prevKv) })),
        progress,
      );
    });
  }

  currentRevision(): Promise<number> {
    return this.inner.currentRevision();
  }

  compact(revision: number): Promise<void> {
    return this.inner.compact(revision);
  }

  compactedRevision(): Promise<number> {
    return this.inner.compactedRevision();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

export interface RewriteResult {
  /** Keys read under the prefix. */
  scanned: number;
  /** Keys rewritten with the current write key. */
  rewritten: number;
}

/**
 * Re-encrypts every value under prefix that is not written with the current key (or every value
 * when force is set), as `k3s secrets-encrypt rotate`/`reencrypt` does. Concurrent writers win:
 * a key changed meanwhile is re-read and retried.
 */
export async function rewriteAll(store: EncryptedStore, prefix: string, opts: { force?: boolean; pageSize?: number } = {}): Promise<RewriteResult> {
  const transformerFor = (store as unknown as { transformerFor: TransformerFor }).transformerFor;
  const result: RewriteResult = { scanned: 0, rewritten: 0 };
  let startAfter: string | undefined;
  for (;;) {
    const page = await store.inner.list(prefix, { limit: opts.pageSize ?? 500, startAfter });
    for (let kv of page.kvs) {
      result.scanned++;
      const t = transformerFor(kv.key);
      if (!t) continue;
      for (let attempt = 0; attempt < 5; attempt++) {
        const { value, stale } = t.fromStore(kv.key, kv.value);
        if (!stale && !opts.force) break;
        try {
          await store.inner.update(kv.key, t.toStore(kv.key, value), kv.modRevision);
          result.rewritten++;
          break;
        } catch (err) {
          const fresh = await store.inner.get(kv.key);
          if (!fresh) break;
          if (fresh.modRevision === kv.modRevision) throw err;
          kv = fresh;
        }
      }
    }
    if (!page.more || !page.kvs.length) break;
    startAfter = page.kvs[page.kvs.length - 1]!.key;
  }
  return result;
}
