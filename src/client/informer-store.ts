// The local cache behind an informer: objects by key plus secondary indices (client-go's
// ThreadSafeStore/Indexer). Only the owning informer writes it; readers get shared objects they
// must not mutate.
import type { KubeObject } from '../api/object.js';
import type { IndexFunc, InformerStore } from './informer-types.js';

/** client-go's cache.NamespaceIndex: objects by metadata.namespace ("" for cluster-scoped). */
export const NAMESPACE_INDEX = 'namespace';

export const namespaceIndexFunc: IndexFunc = (obj) => [obj.metadata.namespace ?? ''];

export class IndexedStore<T extends KubeObject = KubeObject> implements InformerStore<T> {
  private readonly items = new Map<string, T>();
  private readonly indexers = new Map<string, IndexFunc<T>>();
  /** indexName → index value → keys */
  private readonly indices = new Map<string, Map<string, Set<string>>>();

  constructor() {
    this.addIndexers({ [NAMESPACE_INDEX]: namespaceIndexFunc as IndexFunc<T> });
  }

  get size(): number {
    return this.items.size;
  }

  get(key: string): T | undefined {
    return this.items.get(key);
  }

  list(): T[] {
    return Array.from(this.items.values());
  }

  keys(): IterableIterator<string> {
    return this.items.keys();
  }

  entries(): IterableIterator<[string, T]> {
    return this.items.entries();
  }

  byIndex(indexName: string, value: string): T[] {
    const index = this.indices.get(indexName);
    if (!index) throw new Error(`index "${indexName}" does not exist`);
    const keys = index.get(value);
    if (!keys) return [];
    const out: T[] = new Array(keys.size);
    let i = 0;
    for (const k of keys) out[i++] = this.items.get(k)!;
    return out;
  }

  /** Adds indexers and files every existing object under them. Re-adding a name is an error. */
  addIndexers(indexers: Record<string, IndexFunc<T>>): void {
    for (const [name, fn] of Object.entries(indexers)) {
      if (this.indexers.has(name)) throw new Error(`indexer "${name}" already exists`);
      this.indexers.set(name, fn);
      const index = new Map<string, Set<string>>();
      this.indices.set(name, index);
      for (const [key, obj] of this.items) fileUnder(index, fn(obj), key);
    }
  }

  /** Stores obj under key; returns the object it replaced. */
  upsert(key: string, obj: T): T | undefined {
    const old = this.items.get(key);
    if (old) this.unindex(key, old);
    this.items.set(key, obj);
    for (const [name, fn] of this.indexers) fileUnder(this.indices.get(name)!, fn(obj), key);
    return old;
  }

  /** Removes key; returns the object it held. */
  remove(key: string): T | undefined {
    const old = this.items.get(key);
    if (!old) return undefined;
    this.unindex(key, old);
    this.items.delete(key);
    return old;
  }

  private unindex(key: string, obj: T): void {
    for (const [name, fn] of this.indexers) {
      const index = this.indices.get(name)!;
      for (const v of fn(obj)) {
        const keys = index.get(v);
        if (!keys) continue;
        keys.delete(key);
        if (keys.size === 0) index.delete(v);
      }
    }
  }
}

function fileUnder(index: Map<string, Set<string>>, values: string[], key: string): void {
  for (const v of values) {
    let keys = index.get(v);
    if (!keys) index.set(v, (keys = new Set()));
    keys.add(key);
  }
}
