// A ResourceStorage seen through one served version: objects are converted from the storage
// version on the way out and back on the way in, so handlers never think about versions.
import type { KubeObject } from '../../api/object.js';
import type { ResourceInfo } from '../../api/registry/types.js';
import type { VersionConverter } from '../../api/conversion/types.js';
import type { RequestContext } from '../context.js';
import type { CacheEvent, CacheFilter, CacheWatcher } from '../watch-cache.js';
import type { DeleteOptions, ListOptions, ListResult, ResourceStorage } from './resource-storage.js';

export class VersionedStorage {
  private readonly apiVersion: string;
  private readonly converted = new WeakMap<CacheEvent, CacheEvent>();

  constructor(readonly storage: ResourceStorage, readonly info: ResourceInfo, private readonly conv?: VersionConverter) {
    this.apiVersion = info.group ? `${info.group}/${info.version}` : info.version;
    if (conv && conv.storageVersion === this.apiVersion) this.conv = undefined;
  }

  get customResource(): boolean {
    return this.storage.customResource;
  }

  get revision(): number {
    return this.storage.cache.revision;
  }

  private out = (o: KubeObject): KubeObject => (this.conv && o.apiVersion !== this.apiVersion ? this.conv.fromStorage(o, this.apiVersion) : o);
  private in = (o: KubeObject): KubeObject => (this.conv ? this.conv.toStorage({ ...o, apiVersion: this.apiVersion }, this.apiVersion) : o);

  private filterOut(f: CacheFilter | null): CacheFilter | null {
    if (!f || !this.conv) return f;
    return (o) => f(this.out(o));
  }

  async get(ns: string, name: string): Promise<KubeObject> {
    return this.out(await this.storage.get(ns, name));
  }

  async list(ns: string, opts: ListOptions): Promise<ListResult> {
    const res = await this.storage.list(ns, { ...opts, filter: this.filterOut(opts.filter) });
    if (this.conv) res.items = res.items.map(this.out);
    return res;
  }

  watch(ns: string, rv: string | undefined, filter: CacheFilter, watcher: CacheWatcher): () => void {
    if (!this.conv) return this.storage.watch(ns, rv, filter, watcher);
    const view = (ev: CacheEvent): CacheEvent => {
      let c = this.converted.get(ev);
      if (!c) {
        c = { ...ev, object: this.out(ev.object), prevObject: ev.prevObject && this.out(ev.prevObject), encoded: undefined };
        this.converted.set(ev, c);
      }
      return c;
    };
    return this.storage.watch(ns, rv, (o) => filter(this.out(o)), { onEvent: (ev, t) => watcher.onEvent(view(ev), t), onClose: (r) => watcher.onClose(r) });
  }

  async create(obj: KubeObject, ns: string, ctx: RequestContext): Promise<KubeObject> {
    return this.out(await this.storage.create(this.in(obj), ns, ctx));
  }

  async update(
    ns: string,
    name: string,
    mutate: (current: KubeObject) => Promise<KubeObject> | KubeObject,
    ctx: RequestContext,
    subresource = '',
    opts: { onCreate?: () => Promise<KubeObject> } = {},
  ): Promise<{ object: KubeObject; created: boolean }> {
    const res = await this.storage.update(ns, name, async (cur) => this.in(await mutate(this.out(cur))), ctx, subresource, opts);
    return { object: this.out(res.object), created: res.created };
  }

  async delete(ns: string, name: string, opts: DeleteOptions, ctx: RequestContext): Promise<{ object: KubeObject; deleted: boolean }> {
    const res = await this.storage.delete(ns, name, opts, ctx);
    return { object: this.out(res.object), deleted: res.deleted };
  }
}
