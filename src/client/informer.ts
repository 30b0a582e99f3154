// Shared informers: one reflector per (resource, namespace, selectors) keeps a local indexed
// cache in step with the API server and tells registered handlers what changed, as client-go's
// SharedIndexInformer does. It owns list/watch/relist and its store; it never writes to the API
// server and never hands out copies (cached objects are shared and must be treated read-only).
//
// Reflector: LIST (resourceVersion "0" the first time, pages of 500), replace the store (objects
// gone since the previous state become onDelete with their last state), then WATCH from the
// list's resourceVersion with bookmarks and a 5-10 minute timeout, re-watching from the last
// seen resourceVersion when the stream ends and relisting when the server says it is too old.
import type { KubeObject } from '../api/object.js';
import type {
  IndexFunc,
  Informer,
  InformerOptions,
  ResourceEventHandler,
  SharedInformerFactory,
} from './informer-types.js';
import { IndexedStore } from './informer-store.js';
import { objectKey } from './resources.js';
import { isGone, type GroupVersionResource, type KubeClient, type WatchEvent } from './types.js';
import { sleep } from '../util/sleep.js';

/** The part of a pino logger informers use. */
export interface InformerLogger {
  warn(obj: object, msg: string): void;
}

export interface SharedInformerFactoryOptions {
  /** Periodic resync: onUpdate(obj, obj) for every cached object; 0 (default) disables. */
  resyncMs?: number;
  /** Page size of LIST (default 500). */
  pageSize?: number;
  /** Watch timeout bounds in seconds; each watch picks a random value within (default 300-600). */
  watchTimeoutSeconds?: [number, number];
  logger?: InformerLogger;
}

const MIN_BACKOFF_MS = 200;
const MAX_BACKOFF_MS = 30_000;

export function createSharedInformerFactory(client: KubeClient, options: SharedInformerFactoryOptions = {}): SharedInformerFactory {
  return new InformerFactory(client, options);
}

class InformerFactory implements SharedInformerFactory {
  private readonly informers = new Map<string, SharedIndexInformer<any>>();
  private signal: AbortSignal | null = null;

  constructor(private readonly client: KubeClient, private readonly options: SharedInformerFactoryOptions) {}

  informerFor<T extends KubeObject = KubeObject>(gvr: GroupVersionResource, opts: InformerOptions = {}): Informer<T> {
    const key = `${gvr.group}/${gvr.version}/${gvr.resource}|${opts.namespace ?? ''}|${opts.labelSelector ?? ''}|${opts.fieldSelector ?? ''}`;
    let inf = this.informers.get(key);
    if (!inf) {
      inf = new SharedIndexInformer<T>(this.client, gvr, opts, this.options);
      this.informers.set(key, inf);
      if (this.signal) inf.start(this.signal);
    }
    return inf as SharedIndexInformer<T>;
  }

  start(signal: AbortSignal): void {
    if (this.signal) return;
    this.signal = signal;
    for (const inf of this.informers.values()) inf.start(signal);
  }

  /** Resolves once every informer created so far has listed once, or when signal aborts. */
  async waitForSync(signal: AbortSignal): Promise<void> {
    if (signal.aborted) return;
    let onAbort!: () => void;
    const aborted = new Promise<void>((r) => {
      onAbort = r;
      signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      await Promise.race([Promise.all([...this.informers.values()].map((i) => i.synced)), aborted]);
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }
}

export class SharedIndexInformer<T extends KubeObject = KubeObject> implements Informer<T> {
  readonly store = new IndexedStore<T>();
  /** Resolves after the first successful LIST has filled the store. */
  readonly synced: Promise<void>;
  private markSynced!: () => void;
  private isSynced = false;
  private readonly handlers: ResourceEventHandler<T>[] = [];
  private started = false;
  /** Last resourceVersion the store reflects ("" before the first list). */
  private lastRv = '';

  constructor(
    private readonly client: KubeClient,
    readonly gvr: GroupVersionResource,
    private readonly opts: InformerOptions,
    private readonly options: SharedInformerFactoryOptions,
  ) {
    this.synced = new Promise((r) => (this.markSynced = r));
  }

  hasSynced(): boolean {
    return this.isSynced;
  }

  /** Handlers added after the initial sync first get onAdd for every cached object. */
  addEventHandler(h: ResourceEventHandler<T>): void {
    this.handlers.push(h);
    if (this.isSynced && h.onAdd) for (const obj of this.store.list()) this.call(h, 'onAdd', obj);
  }

  addIndexers(indexers: Record<string, IndexFunc<T>>): void {
    this.store.addIndexers(indexers);
  }

  /** The resourceVersion the cache reflects (for tests and diagnostics). */
  get lastSyncResourceVersion(): string {
    return this.lastRv;
  }

  start(signal: AbortSignal): void {
    if (this.started) return;
    this.started = true;
    void this.run(signal);
    const resync = this.options.resyncMs ?? 0;
    if (resync > 0) {
      const timer = setInterval(() => this.resync(), resync);
      timer.unref?.();
      signal.addEventListener('abort', () => clearInterval(timer), { once: true });
    }
  }

  private async run(signal: AbortSignal): Promise<void> {
    let backoff = MIN_BACKOFF_MS;
    let needList = true;
    while (!signal.aborted) {
      try {
        if (needList) {
          await this.listAndReplace(signal);
          needList = false;
          backoff = MIN_BACKOFF_MS;
        }
        const outcome = await this.watchOnce(signal);
        if (outcome === 'relist') needList = true;
        else if (outcome === 'progress') backoff = MIN_BACKOFF_MS;
        else if (outcome === 'failed') {
          await sleep(backoff, signal);
          backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
        }
      } catch (err) {
        if (signal.aborted) return;
        if (isGone(err)) {
          needList = true;
          this.lastRv = '';
          continue;
        }
        this.options.logger?.warn({ err, resource: this.gvr.resource }, needList ? 'informer list failed' : 'informer watch failed');
        await sleep(backoff, signal);
        backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
      }
    }
  }

  private async listAndReplace(signal: AbortSignal): Promise<void> {
    const limit = this.options.pageSize ?? 500;
    // The first list may be served from the watch cache ("0"); a relist after expiry must be
    // at least as new as what we had, so it asks for the latest state ("").
    const rv = this.lastRv === '' && !this.isSynced ? '0' : '';
    const items: T[] = [];
    let cont: string | undefined;
    let listRv = '';
    do {
      if (signal.aborted) return;
      const page = await this.client.list<T>(this.gvr, this.opts.namespace ?? '', {
        labelSelector: this.opts.labelSelector,
        fieldSelector: this.opts.fieldSelector,
        limit,
        ...(cont ? { continue: cont } : { resourceVersion: rv }),
      });
      for (const it of page.items) items.push(it);
      listRv = page.metadata.resourceVersion ?? listRv;
      cont = page.metadata.continue || undefined;
    } while (cont);
    this.replace(items, listRv);
  }

  /** Makes the store hold exactly items, telling handlers what changed (as a DeltaFIFO Replace). */
  private replace(items: T[], rv: string): void {
    const seen = new Set<string>();
    for (const obj of items) {
      const key = objectKey(obj);
      seen.add(key);
      const old = this.store.upsert(key, obj);
      if (old) this.emitUpdate(old, obj);
      else this.emitAdd(obj);
    }
    if (seen.size !== this.store.size) {
      const gone: string[] = [];
      for (const key of this.store.keys()) if (!seen.has(key)) gone.push(key);
      for (const key of gone) {
        const old = this.store.remove(key);
        if (old) this.emitDelete(old);
      }
    }
    this.lastRv = rv;
    if (!this.isSynced) {
      this.isSynced = true;
      this.markSynced();
    }
  }

  /**
   * One watch from lastRv. 'progress': the server ended a healthy stream (re-watch at once);
   * 'relist': the resourceVersion is too old; 'failed': no event arrived before it broke.
   */
  private async watchOnce(signal: AbortSignal): Promise<'progress' | 'relist' | 'failed'> {
    const inner = new AbortController();
    const onAbort = () => inner.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    const [lo, hi] = this.options.watchTimeoutSeconds ?? [300, 600];
    let outcome = 'failed' as 'progress' | 'relist' | 'failed';
    let events = 0;
    const t0 = performance.now();
    try {
      await this.client.watch<T>(
        this.gvr,
        this.opts.namespace ?? '',
        {
          labelSelector: this.opts.labelSelector,
          fieldSelector: this.opts.fieldSelector,
          resourceVersion: this.lastRv,
          allowWatchBookmarks: true,
          timeoutSeconds: Math.round(lo + Math.random() * (hi - lo)),
          signal: inner.signal,
        },
        (ev) => {
          events++;
          if (this.apply(ev) === 'relist') {
            outcome = 'relist';
            inner.abort();
          }
        },
      );
      // A stream the server closes at once without news is treated like a failure (back off).
      if (outcome !== 'relist') outcome = events > 0 || performance.now() - t0 > 1000 ? 'progress' : 'failed';
    } catch (err) {
      if (isGone(err)) outcome = 'relist';
      else if (!signal.aborted) {
        this.options.logger?.warn({ err, resource: this.gvr.resource }, 'informer watch broke');
        outcome = events > 0 ? 'progress' : 'failed';
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
    return outcome;
  }

  private apply(ev: WatchEvent<T>): 'ok' | 'relist' {
    const obj = ev.object;
    switch (ev.type) {
      case 'ADDED':
      case 'MODIFIED': {
        const old = this.store.upsert(objectKey(obj), obj);
        if (old) this.emitUpdate(old, obj);
        else this.emitAdd(obj);
        break;
      }
      case 'DELETED': {
        const old = this.store.remove(objectKey(obj));
        this.emitDelete(obj ?? old);
        break;
      }
      case 'BOOKMARK':
        break;
      case 'ERROR': {
        const s = obj as unknown as { code?: number; reason?: string; message?: string };
        if (s.code === 410 || s.reason === 'Expired' || s.reason === 'Gone') return 'relist';
        this.options.logger?.warn({ status: s, resource: this.gvr.resource }, 'informer watch error event');
        return 'relist';
      }
    }
    const rv = obj?.metadata?.resourceVersion;
    if (rv) this.lastRv = rv;
    return 'ok';
  }

  private resync(): void {
    if (!this.isSynced) return;
    for (const obj of this.store.list()) this.emitUpdate(obj, obj);
  }

  private emitAdd(obj: T): void {
    for (const h of this.handlers) if (h.onAdd) this.call(h, 'onAdd', obj);
  }

  private emitUpdate(old: T, obj: T): void {
    for (const h of this.handlers) if (h.onUpdate) this.call(h, 'onUpdate', old, obj);
  }

  private emitDelete(obj: T): void {
    for (const h of this.handlers) if (h.onDelete) this.call(h, 'onDelete', obj);
  }

  /** A failing handler must not stop the reflector or starve the other handlers. */
  private call(h: ResourceEventHandler<T>, fn: 'onAdd' | 'onUpdate' | 'onDelete', a: T, b?: T): void {
    try {
      if (fn === 'onUpdate') h.onUpdate!(a, b!);
      else h[fn]!(a);
    } catch (err) {
      if (this.options.logger) this.options.logger.warn({ err, resource: this.gvr.resource }, `informer ${fn} handler threw`);
      else console.error(`informer ${this.gvr.resource} ${fn} handler threw`, err);
    }
  }
}

