// Test doubles for the service proxy: in-memory informers the test feeds by hand (handlers fire
// synchronously) and an nft runner that records programs instead of running them.
import type { KubeObject } from '../../src/api/object.js';
import type { IndexFunc, Informer, InformerStore, ResourceEventHandler, SharedInformerFactory } from '../../src/client/informer-types.js';
import { objectKey } from '../../src/client/resources.js';
import type { GroupVersionResource } from '../../src/client/types.js';
import type { NftRunner } from '../../src/proxy/nft.js';

/** In-memory informers: the test adds and deletes objects, handlers fire synchronously. */
export class FakeInformer<T extends KubeObject> implements Informer<T> {
  private readonly objects = new Map<string, T>();
  private readonly handlers: ResourceEventHandler<T>[] = [];
  private readonly indexers: Record<string, IndexFunc<T>> = {};
  constructor(readonly gvr: GroupVersionResource) {}
  readonly store: InformerStore<T> = ((objects: Map<string, T>, indexers: Record<string, IndexFunc<T>>) => ({
    get: (k: string) => objects.get(k),
    list: () => [...objects.values()],
    byIndex: (name: string, value: string) => [...objects.values()].filter((o) => indexers[name]?.(o).includes(value)),
    get size() {
      return objects.size;
    },
  }))(this.objects, this.indexers);
  addEventHandler(h: ResourceEventHandler<T>): void {
    this.handlers.push(h);
  }
  addIndexers(i: Record<string, IndexFunc<T>>): void {
    Object.assign(this.indexers, i);
  }
  hasSynced(): boolean {
    return true;
  }
  set(obj: T): void {
    const key = objectKey(obj);
    const old = this.objects.get(key);
    this.objects.set(key, obj);
    for (const h of this.handlers) old ? h.onUpdate?.(old, obj) : h.onAdd?.(obj);
  }
  delete(obj: T): void {
    if (!this.objects.delete(objectKey(obj))) return;
    for (const h of this.handlers) h.onDelete?.(obj);
  }
}

export class FakeInformers implements SharedInformerFactory {
  readonly byResource = new Map<string, FakeInformer<any>>();
  informerFor<T extends KubeObject = KubeObject>(gvr: GroupVersionResource): Informer<T> {
    let inf = this.byResource.get(gvr.resource);
    if (!inf) this.byResource.set(gvr.resource, (inf = new FakeInformer<T>(gvr)));
    return inf;
  }
  start(): void {}
  async waitForSync(): Promise<void> {}
  of(resource: string): FakeInformer<any> {
    return this.byResource.get(resource)!;
  }
}

/** Records applied programs; fails the next apply when failNext is set. */
export class RecordingNft implements NftRunner {
  readonly programs: string[] = [];
  failNext = false;
  async apply(program: string): Promise<void> {
    if (this.failNext) {
      this.failNext = false;
      throw new Error('nft failed: injected');
    }
    this.programs.push(program);
  }
  async listTable(): Promise<string | undefined> {
    return undefined;
  }
  /** what hasTable answers (tests simulate someone deleting the table) */
  tablePresent = true;
  async hasTable(): Promise<boolean> {
    return this.tablePresent;
  }
}
