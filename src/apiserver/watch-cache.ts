// The watch cache: one store watch per resource feeds an in-memory copy of every object and a
// ring of recent events. Lists and watches are served from it, so N watchers cost one store watch,
// and each event is serialised once however many watchers receive it. It owns no writes: the
// store is the truth, the cache only follows it.
import type { KubeObject } from '../api/object.js';
import { toJson } from './json-cache.js';
import type { Store, StoreWatchEvent } from '../store/types.js';
import { StoreError } from '../store/types.js';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface CacheEvent {
  type: WatchEventType;
  key: string;
  object: KubeObject;
  prevObject?: KubeObject;
  rv: number;
  /** `{"type":...,"object":...}\n`, computed on first use and shared by every watcher. */
  encoded?: string;
}

export interface CacheEntry {
  key: string;
  object: KubeObject;
  rv: number;
}

export type CacheFilter = (obj: KubeObject) => boolean;

export interface CacheWatcher {
  /** Called with events in revision order; `type` is the event as this watcher's filter sees it. */
  onEvent(ev: CacheEvent, type: WatchEventType): void;
  onClose(reason?: Error): void;
}

export type Decoder = (key: string, value: Buffer, rv: number) => KubeObject;

export function encodeEvent(ev: CacheEvent): string {
  return (ev.encoded ??= `{"type":"${ev.type}","object":${toJson(ev.object)}}\n`);
}

interface Subscription {
  keyPrefix: string;
  filter: CacheFilter;
  watcher: CacheWatcher;
}

export class WatchCache {
  private readonly items = new Map<string, CacheEntry>();
  private sortedKeys: string[] | null = null;
  private ring: CacheEvent[] = [];
  private ringHead = 0; // index of oldest event when full
  /** Revision from which the ring holds every event (a watch from any rv >= this is served). */
  private oldestRv = 0;
  private currentRv = 0;
  private readonly subs = new Set<Subscription>();
  private waiters: { rv: number; resolve: () => void }[] = [];
  private readyPromise: Promise<void> | null = null;

  constructor(
    private readonly store: Store,
    private readonly prefix: string,
    private readonly decode: Decoder,
    private readonly capacity = 4096,
  ) {}

  get revision(): number {
    return this.currentRv;
  }

  /** Lists the store and starts following it; resolves when the cache is filled. */
  start(signal: AbortSignal): Promise<void> {
    this.readyPromise ??= this.follow(signal);
    return this.readyPromise;
  }

  private async follow(signal: AbortSignal): Promise<void> {
    await this.relist();
    let first = true;
    const loop = async () => {
      while (!signal.aborted) {
        const ctl = new AbortController();
        const onAbort = () => ctl.abort();
        signal.addEventListener('abort', onAbort, { once: true });
        try {
          const w = this.store.watch(this.prefix, { afterRevision: this.currentRv, signal: ctl.signal }, (evs, progress) => this.apply(evs, progress));
          await w.done;
        } catch (err) {
          if (err instanceof StoreError && err.code === 'Compacted') {
            await this.relist().catch(() => undefined);
            this.closeAll(new Error('watch cache was reset'));
          }
        } finally {
          signal.removeEventListener('abort', onAbort);
          ctl.abort();
        }
        if (!signal.aborted) await new Promise((r) => setTimeout(r, first ? 50 : 500));
        first = false;
      }
      this.closeAll();
    };
    void loop();
  }

  private async relist(): Promise<void> {
    const res = await this.store.list(this.prefix);
    this.items.clear();
    for (const kv of res.kvs) {
      this.items.set(kv.key, { key: kv.key, object: this.decode(kv.key, kv.value, kv.modRevision), rv: kv.modRevision });
    }
    this.sortedKeys = null;
    this.ring = [];
    this.ringHead = 0;
    this.currentRv = res.revision;
    this.oldestRv = res.revision;
    this.wake();
  }

  private apply(evs: StoreWatchEvent[], progress?: number): void {
    for (const e of evs) {
      const rv = e.kv.modRevision;
      if (rv <= this.currentRv) continue;
      const prev = this.items.get(e.kv.key);
      let ev: CacheEvent;
      if (e.type === 'DELETE') {
        const last = prev?.object ?? (e.prevKv ? this.decode(e.kv.key, e.prevKv.value, e.prevKv.modRevision) : undefined);
        this.items.delete(e.kv.key);
        this.sortedKeys = null;
        this.currentRv = rv;
        if (!last) continue;
        const obj = { ...last, metadata: { ...last.metadata, resourceVersion: String(rv) } };
        ev = { type: 'DELETED', key: e.kv.key, object: obj, prevObject: last, rv };
      } else {
        const obj = this.decode(e.kv.key, e.kv.value, rv);
        if (!prev) this.sortedKeys = null;
        this.items.set(e.kv.key, { key: e.kv.key, object: obj, rv });
        this.currentRv = rv;
        ev = { type: prev ? 'MODIFIED' : 'ADDED', key: e.kv.key, object: obj, prevObject: prev?.object, rv };
      }
      this.push(ev);
      this.dispatch(ev);
    }
    if (progress !== undefined && progress > this.currentRv) this.currentRv = progress;
    this.wake();
  }

  private push(ev: CacheEvent): void {
    if (this.ring.length < this.capacity) {
      this.ring.push(ev);
    } else {
      const dropped = this.ring[this.ringHead]!;
      this.ring[this.ringHead] = ev;
      this.ringHead = (this.ringHead + 1) % this.capacity;
      this.oldestRv = dropped.rv;
    }
  }

  private dispatch(ev: CacheEvent): void {
    for (const s of this.subs) deliver(s, ev);
  }

  private wake(): void {
    if (!this.waiters.length) return;
    const keep: typeof this.waiters = [];
    for (const w of this.waiters) (w.rv <= this.currentRv ? w.resolve() : keep.push(w));
    this.waiters = keep;
  }

  /** Resolves once the cache has seen revision rv (used for consistent reads after a write). */
  waitFor(rv: number, timeoutMs = 3000): Promise<boolean> {
    if (rv <= this.currentRv) return Promise.resolve(true);
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== entry);
        resolve(false);
      }, timeoutMs);
      const entry = { rv, resolve: () => (clearTimeout(t), resolve(true)) };
      this.waiters.push(entry);
    });
  }

  /** Current objects under keyPrefix in key order, starting after startAfter. */
  list(keyPrefix: string, filter: CacheFilter | null, startAfter?: string, limit?: number): { items: CacheEntry[]; more: boolean; remaining: number } {
    if (!this.sortedKeys) this.sortedKeys = [...this.items.keys()].sort();
    const keys = this.sortedKeys;
    let i = lowerBound(keys, startAfter !== undefined && startAfter > keyPrefix ? startAfter : keyPrefix);
    if (startAfter !== undefined && keys[i] === startAfter) i++;
    const out: CacheEntry[] = [];
    let more = false;
    let remaining = 0;
    for (; i < keys.length; i++) {
      const k = keys[i]!;
      if (!k.startsWith(keyPrefix)) break;
      const e = this.items.get(k)!;
      if (filter && !filter(e.object)) continue;
      if (limit && out.length >= limit) {
        more = true;
        remaining++;
        continue;
      }
      out.push(e);
    }
    return { items: out, more, remaining };
  }

  get(key: string): CacheEntry | undefined {
    return this.items.get(key);
  }

  /**
   * Watches from rv: 0 means "current state as ADDED events, then changes". Throws 'too old'
   * (caller answers 410 Expired) when rv is older than the ring holds.
   */
  watch(rv: number, keyPrefix: string, filter: CacheFilter, watcher: CacheWatcher): () => void {
    const sub: Subscription = { keyPrefix, filter, watcher };
    if (rv === 0) {
      for (const e of this.list(keyPrefix, filter).items) {
        watcher.onEvent({ type: 'ADDED', key: e.key, object: e.object, rv: e.rv }, 'ADDED');
      }
    } else {
      if (rv < this.oldestRv) throw new TooOldError(rv, this.oldestRv);
      for (let n = 0; n < this.ring.length; n++) {
        const ev = this.ring[(this.ringHead + n) % this.ring.length]!;
        if (ev.rv > rv) deliver(sub, ev);
      }
    }
    this.subs.add(sub);
    return () => this.subs.delete(sub);
  }

  private closeAll(reason?: Error): void {
    const subs = [...this.subs];
    this.subs.clear();
    for (const s of subs) s.watcher.onClose(reason);
  }

  get size(): number {
    return this.items.size;
  }
}

/** Delivers ev to a subscription, translating label-selector transitions as upstream does. */
function deliver(s: Subscription, ev: CacheEvent): void {
  if (!ev.key.startsWith(s.keyPrefix)) return;
  const now = s.filter(ev.object);
  if (ev.type === 'MODIFIED') {
    const before = ev.prevObject ? s.filter(ev.prevObject) : false;
    if (now && before) s.watcher.onEvent(ev, 'MODIFIED');
    else if (now) s.watcher.onEvent(ev, 'ADDED');
    else if (before) s.watcher.onEvent(ev, 'DELETED');
    return;
  }
  if (ev.type === 'DELETED') {
    if (s.filter(ev.prevObject ?? ev.object)) s.watcher.onEvent(ev, 'DELETED');
    return;
  }
  if (now) s.watcher.onEvent(ev, ev.type);
}

export class TooOldError extends Error {
  constructor(readonly requested: number, readonly oldest: number) {
    super(`too old resource version: ${requested} (${oldest})`);
  }
}

function lowerBound(arr: string[], x: string): number {
  let lo = 0;
  let hi = arr.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (arr[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
