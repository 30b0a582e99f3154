// A KubeClient whose credentials can change under it (certificate rotation): requests go to the
// current HttpKubeClient; on rotation a new one takes over, watches running on the old one are
// ended so their informers re-watch with the new identity (upstream's kubelet closes all its
// connections for the same reason), and the old client closes once its requests are done.
import type { KubeObject } from '../../api/object.js';
import { HttpKubeClient, type HttpKubeClientConfig } from '../../client/http-client.js';
import type { DeleteOptions, GroupVersionResource, KubeClient, ListOptions, ObjectList, PatchOptions, PatchType, WatchEvent, WatchOptions, WriteOptions } from '../../client/types.js';

export class RotatingKubeClient implements KubeClient {
  private current: HttpKubeClient;
  private watches = new Set<AbortController>();
  private closed = false;

  constructor(private config: HttpKubeClientConfig) {
    this.current = new HttpKubeClient(config);
  }

  /** Switches to new credentials (same server and CA unless given). */
  rotate(credentials: Partial<HttpKubeClientConfig>): void {
    if (this.closed) return;
    this.config = { ...this.config, ...credentials };
    const old = this.current;
    this.current = new HttpKubeClient(this.config);
    const ended = [...this.watches];
    this.watches = new Set();
    for (const w of ended) w.abort();
    // Let requests already sent on the old connection finish.
    setTimeout(() => old.close(), 30_000).unref();
  }

  close(): void {
    this.closed = true;
    for (const w of this.watches) w.abort();
    this.current.close();
  }

  get<T extends KubeObject = KubeObject>(gvr: GroupVersionResource, namespace: string, name: string, opts?: { subresource?: string }): Promise<T> {
    return this.current.get<T>(gvr, namespace, name, opts);
  }

  list<T extends KubeObject = KubeObject>(gvr: GroupVersionResource, namespace: string, opts?: ListOptions): Promise<ObjectList<T>> {
    return this.current.list<T>(gvr, namespace, opts);
  }

  async watch<T extends KubeObject = KubeObject>(gvr: GroupVersionResource, namespace: string, opts: WatchOptions, onEvent: (e: WatchEvent<T>) => void): Promise<void> {
    const own = new AbortController();
    const outer = opts.signal;
    const forward = () => own.abort();
    if (outer?.aborted) return;
    outer?.addEventListener('abort', forward, { once: true });
    this.watches.add(own);
    try {
      await this.current.watch<T>(gvr, namespace, { ...opts, signal: own.signal }, onEvent);
    } finally {
      this.watches.delete(own);
      outer?.removeEventListener('abort', forward);
    }
  }

  create<T extends KubeObject = KubeObject>(gvr: GroupVersionResource, namespace: string, obj: T, opts?: WriteOptions): Promise<T> {
    return this.current.create<T>(gvr, namespace, obj, opts);
  }

  update<T extends KubeObject = KubeObject>(gvr: GroupVersionResource, namespace: string, obj: T, opts?: WriteOptions): Promise<T> {
    return this.current.update<T>(gvr, namespace, obj, opts);
  }

  patch<T extends KubeObject = KubeObject>(gvr: GroupVersionResource, namespace: string, name: string, type: PatchType, body: unknown, opts?: PatchOptions): Promise<T> {
    return this.current.patch<T>(gvr, namespace, name, type, body, opts);
  }

  delete(gvr: GroupVersionResource, namespace: string, name: string, opts?: DeleteOptions): Promise<KubeObject | undefined> {
    return this.current.delete(gvr, namespace, name, opts);
  }

  createSubresource<R = unknown>(gvr: GroupVersionResource, namespace: string, name: string, subresource: string, body: unknown, opts?: WriteOptions): Promise<R> {
    return this.current.createSubresource<R>(gvr, namespace, name, subresource, body, opts);
  }
}
