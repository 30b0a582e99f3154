// Generic REST storage for one resource: the upstream "generic registry" rules every type shares
// (uid, timestamps, generation, resourceVersion preconditions, status/spec split, finalizers and
// graceful deletion, dry run), with type-specific rules delegated to the resource's strategy and
// hooks. Reads are served from the watch cache; writes go to the store. It never speaks HTTP.
import { randomUUID } from 'node:crypto';
import type { KubeObject } from '../../api/object.js';
import { errors, type StatusCause, StatusError } from '../../api/errors.js';
import type { ResourceInfo, ResourceStrategy, StrategyContext } from '../../api/registry/types.js';
import type { Store } from '../../store/types.js';
import { StoreError } from '../../store/types.js';
import { rfc3339, type RequestContext } from '../context.js';
import { WatchCache, type CacheFilter, type CacheWatcher, TooOldError } from '../watch-cache.js';
import { listPrefix, objectKey, resourcePrefix } from './keys.js';

export interface ResourceHooks {
  /** Runs after defaulting and validation, before the object is stored (allocations, admission). */
  beforeCreate?(obj: KubeObject, ctx: RequestContext): Promise<void> | void;
  /** Undo beforeCreate's side effects when the write fails or is a dry run. */
  createFailed?(obj: KubeObject): void;
  beforeUpdate?(obj: KubeObject, old: KubeObject, ctx: RequestContext): Promise<void> | void;
  updateFailed?(obj: KubeObject, old: KubeObject): void;
  afterUpdate?(obj: KubeObject, old: KubeObject): void;
  afterDelete?(obj: KubeObject): void;
  /** Runs before each delete of the live object, after preconditions (admission with operation DELETE). */
  beforeDelete?(obj: KubeObject, ctx: RequestContext): Promise<void> | void;
  /** Decides how long a delete waits (pods: grace period). Returning >0 marks the object instead of removing it. */
  gracePeriod?(obj: KubeObject, requested: number | undefined): number;
  /** Type-specific finalizers that also hold deletion (a Namespace's spec.finalizers). */
  typeFinalizers?(obj: KubeObject): string[];
  /** Adjusts an object being marked for deletion (a Namespace turns Terminating). */
  markDeleting?(obj: KubeObject): void;
}

export interface DeleteOptions {
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: string[];
}

export interface ListOptions {
  filter: CacheFilter | null;
  limit?: number;
  continueToken?: string;
  resourceVersion?: string;
  resourceVersionMatch?: string;
}

export interface ListResult {
  items: KubeObject[];
  resourceVersion: string;
  continueToken?: string;
  remainingItemCount?: number;
}

/** Builds a typed error for this resource. */
export interface Validation {
  /** Structural checks against the schema: unknown fields (pruned) and type errors. */
  checkFields(obj: KubeObject): { unknown: string[]; typeError?: string };
  /** Generic ObjectMeta validation for this resource (name rule, labels, annotations...). */
  validateMeta(obj: KubeObject, isCreate: boolean): StatusCause[];
}

const FINALIZER_ORPHAN = 'orphan';
const FINALIZER_FOREGROUND = 'foregroundDeletion';
const GENERATE_CHARS = 'bcdfghjklmnpqrstvwxz2456789';

export class ResourceStorage {
  readonly cache: WatchCache;
  private readonly prefix: string;
  customResource = false;

  constructor(
    readonly info: ResourceInfo,
    private readonly store: Store,
    readonly strategy: ResourceStrategy,
    private readonly validation: Validation,
    private readonly hooks: ResourceHooks = {},
    /** Stored apiVersion, when objects of several versions share one storage. */
    readonly storageApiVersion = info.group ? `${info.group}/${info.version}` : info.version,
  ) {
    this.prefix = resourcePrefix(info);
    this.cache = new WatchCache(store, this.prefix, (_k, v, rv) => this.decode(v, rv));
  }

  start(signal: AbortSignal): Promise<void> {
    return this.cache.start(signal);
  }

  private decode(value: Buffer, rv: number): KubeObject {
    const obj = JSON.parse(value.toString('utf8')) as KubeObject;
    obj.metadata.resourceVersion = String(rv);
    return obj;
  }

  private encode(obj: KubeObject): Buffer {
    const rv = obj.metadata.resourceVersion;
    delete obj.metadata.resourceVersion;
    const buf = Buffer.from(JSON.stringify(obj));
    if (rv !== undefined) obj.metadata.resourceVersion = rv;
    return buf;
  }

  key(namespace: string, name: string): string {
    return objectKey(this.info, namespace, name);
  }

  private notFound(name: string): StatusError {
    return errors.notFound(this.info.plural, this.info.group, name);
  }

  private conflict(name: string): StatusError {
    return errors.conflict(this.info.plural, this.info.group, name);
  }

  private invalid(name: string, causes: StatusCause[]): StatusError {
    return errors.invalid(this.info.kind, this.info.group, name, causes);
  }

  /** Consistent read straight from the store. */
  async get(namespace: string, name: string): Promise<KubeObject> {
    const kv = await this.storeCall(() => this.store.get(this.key(namespace, name)));
    if (!kv) throw this.notFound(name);
    return this.decode(kv.value, kv.modRevision);
  }

  /** Read from the cache after it caught up with the store (fast, still consistent). */
  async getCached(namespace: string, name: string): Promise<KubeObject | undefined> {
    return this.cache.get(this.key(namespace, name))?.object;
  }

  async list(namespace: string, opts: ListOptions): Promise<ListResult> {
    const prefix = listPrefix(this.info, namespace);
    let startAfter: string | undefined;
    let tokenRv: number | undefined;
    if (opts.continueToken) {
      const t = decodeContinue(opts.continueToken);
      if (!t.key.startsWith(prefix)) throw errors.badRequest('continue key is not valid for this request');
      startAfter = t.key;
      tokenRv = t.rv;
    }
    const rvParam = opts.resourceVersion;
    const exactRv = opts.resourceVersionMatch === 'Exact' && rvParam ? parseRv(rvParam) : undefined;
    const wantRv = tokenRv ?? exactRv;
    if (wantRv !== undefined && wantRv !== this.cache.revision) {
      return this.listFromStore(prefix, opts, wantRv, startAfter);
    }
    if (wantRv === undefined && (rvParam === undefined || rvParam === '')) {
      // Consistent read: make sure the cache has caught up with the store.
      const current = await this.storeCall(() => this.store.currentRevision());
      // A backend that reports watch progress (SQLite) brings the cache up to date at once; one
      // that does not (etcd here) may leave it behind an unrelated write, so the snapshot then
      // comes straight from the store, as upstream's consistent lists did before watch progress.
      if (this.cache.revision < current) {
        if (!this.store.reportsWatchProgress || !(await this.cache.waitFor(current))) return this.listFromStore(prefix, opts, current, startAfter);
      }
    } else if (rvParam && rvParam !== '0' && exactRv === undefined) {
      const min = parseRv(rvParam);
      if (!(await this.cache.waitFor(min))) throw errors.timeout(`Too large resource version: ${min}, current: ${this.cache.revision}`);
    }
    const rev = this.cache.revision;
    const res = this.cache.list(prefix, opts.filter, startAfter, opts.limit);
    const out: ListResult = { items: res.items.map((e) => e.object), resourceVersion: String(rev) };
    if (res.more && res.items.length) {
      out.continueToken = encodeContinue(res.items[res.items.length - 1]!.key, rev);
      out.remainingItemCount = res.remaining;
    }
    return out;
  }

  private async listFromStore(prefix: string, opts: ListOptions, rev: number, startAfter?: string): Promise<ListResult> {
    const items: KubeObject[] = [];
    let after = startAfter;
    let lastKey: string | undefined;
    let more = false;
    const limit = opts.limit ?? 0;
    // Filtered pages may need several store pages to fill.
    for (;;) {
      const res = await this.storeCall(() => this.store.list(prefix, { revision: rev, startAfter: after, limit: limit ? limit + 1 : undefined }));
      for (const kv of res.kvs) {
        if (limit && items.length >= limit) {
          more = true;
          break;
        }
        lastKey = kv.key;
        const obj = this.decode(kv.value, kv.modRevision);
        if (!opts.filter || opts.filter(obj)) items.push(obj);
      }
      if (more || !res.more || !res.kvs.length) {
        more ||= false;
        break;
      }
      after = res.kvs[res.kvs.length - 1]!.key;
      if (limit && items.length >= limit) {
        more = true;
        break;
      }
    }
    const out: ListResult = { items, resourceVersion: String(rev) };
    if (more && lastKey) out.continueToken = encodeContinue(lastKey, rev);
    return out;
  }

  watch(namespace: string, rv: string | undefined, filter: CacheFilter, watcher: CacheWatcher): () => void {
    const prefix = listPrefix(this.info, namespace);
    const from = rv === undefined || rv === '' || rv === '0' ? 0 : parseRv(rv);
    try {
      return this.cache.watch(from, prefix, filter, watcher);
    } catch (err) {
      if (err instanceof TooOldError) throw errors.gone(err.message);
      throw err;
    }
  }

  private strategyContext(ctx: RequestContext, subresource: string): StrategyContext {
    return { now: ctx.now, subresource };
  }

  /** Field checks per fieldValidation; Strict turns unknown fields into 400. */
  private checkFields(obj: KubeObject, ctx: RequestContext): void {
    const res = this.validation.checkFields(obj);
    if (res.typeError) throw errors.badRequest(`${this.info.kind} in version "${this.info.version}" cannot be handled as a ${this.info.kind}: ${res.typeError}`);
    if (!res.unknown.length || ctx.fieldValidation === 'Ignore') return;
    if (ctx.fieldValidation === 'Strict') {
      const list = res.unknown.map((f) => `unknown field "${f}"`).join(', ');
      throw errors.badRequest(`${this.info.kind} in version "${this.info.version}" cannot be handled as a ${this.info.kind}: strict decoding error: ${list}`);
    }
    for (const f of res.unknown) ctx.warnings.push(`unknown field "${f}"`);
  }

  /** Upstream rules for a new object; returns it ready to store. */
  private prepareCreate(obj: KubeObject, namespace: string, ctx: RequestContext): void {
    const meta = (obj.metadata ??= {});
    if (this.info.namespaced) {
      if (meta.namespace && namespace && meta.namespace !== namespace) {
        throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      meta.namespace = namespace || meta.namespace;
    } else {
      delete meta.namespace;
    }
    if (!meta.name && meta.generateName) {
      let suffix = '';
      for (let i = 0; i < 5; i++) suffix += GENERATE_CHARS[Math.floor(Math.random() * GENERATE_CHARS.length)];
      meta.name = meta.generateName + suffix;
    }
    obj.apiVersion = this.storageApiVersion;
    obj.kind = this.info.kind;
    meta.uid = randomUUID();
    meta.creationTimestamp = rfc3339(ctx.now);
    delete meta.resourceVersion;
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    if (this.hasGeneration(obj)) meta.generation = 1;
    else delete meta.generation;
    const status = obj.status;
    if (this.strategy.hasStatus) delete obj.status;
    this.strategy.default?.(obj);
    this.strategy.prepareForCreate?.(obj, this.strategyContext(ctx, ''));
    if (this.strategy.keepStatusOnCreate && status !== undefined) obj.status = status;
  }

  private hasGeneration(obj: KubeObject): boolean {
    // Custom resources always count generations; built-ins do when they have a spec.
    return this.customResource || 'spec' in obj;
  }

  private validateCreate(obj: KubeObject): void {
    const causes = [...this.validation.validateMeta(obj, true), ...(this.strategy.validate?.(obj) ?? [])];
    if (causes.length) throw this.invalid(obj.metadata.name ?? '', causes);
  }

  async create(obj: KubeObject, namespace: string, ctx: RequestContext): Promise<KubeObject> {
    this.checkFields(obj, ctx);
    this.prepareCreate(obj, namespace, ctx);
    const name = obj.metadata.name;
    if (!name) throw this.invalid('', [{ reason: 'FieldValueRequired', field: 'metadata.name', message: 'Required value: name or generateName is required' }]);
    this.validateCreate(obj);
    await this.hooks.beforeCreate?.(obj, ctx);
    if (ctx.dryRun) {
      this.hooks.createFailed?.(obj);
      return obj;
    }
    try {
      const rev = await this.storeCall(() => this.store.create(this.key(namespace, name), this.encode(obj)));
      obj.metadata.resourceVersion = String(rev);
      return obj;
    } catch (err) {
      this.hooks.createFailed?.(obj);
      if (err instanceof StoreError && err.code === 'KeyExists') throw errors.alreadyExists(this.info.plural, this.info.group, name);
      throw err;
    }
  }

  /**
   * Read-modify-write with optimistic concurrency. `mutate` gets a private copy of the current
   * object and returns the desired one. Retries on conflicts unless the caller pinned a
   * resourceVersion (then a mismatch is the caller's 409).
   */
  async update(
    namespace: string,
    name: string,
    mutate: (current: KubeObject) => Promise<KubeObject> | KubeObject,
    ctx: RequestContext,
    subresource = '',
    opts: { allowCreate?: (obj: KubeObject) => boolean; onCreate?: () => Promise<KubeObject> } = {},
  ): Promise<{ object: KubeObject; created: boolean }> {
    for (let attempt = 0; ; attempt++) {
      const key = this.key(namespace, name);
      const kv = await this.storeCall(() => this.store.get(key));
      if (!kv) {
        if (opts.onCreate) return { object: await opts.onCreate(), created: true };
        throw this.notFound(name);
      }
      const current = this.decode(kv.value, kv.modRevision);
      const desired = await mutate(structuredClone(current));
      const pinned = desired.metadata?.resourceVersion;
      if (pinned && pinned !== current.metadata.resourceVersion) throw this.conflict(name);
      this.checkFields(desired, ctx);
      const next = this.prepareUpdate(desired, current, ctx, subresource);
      if (!ctx.dryRun && next.metadata.deletionTimestamp && this.readyToRemove(next)) {
        // The last finalizer is gone: the object leaves the store.
        await this.removeFromStore(next, kv.modRevision, ctx);
        return { object: next, created: false };
      }
      await this.hooks.beforeUpdate?.(next, current, ctx);
      if (ctx.dryRun || sameStoredContent(next, current)) {
        if (ctx.dryRun) this.hooks.updateFailed?.(next, current);
        return { object: ctx.dryRun ? next : current, created: false };
      }
      try {
        const rev = await this.storeCall(() => this.store.update(key, this.encode(next), kv.modRevision));
        next.metadata.resourceVersion = String(rev);
        this.hooks.afterUpdate?.(next, current);
        return { object: next, created: false };
      } catch (err) {
        this.hooks.updateFailed?.(next, current);
        if (err instanceof StoreError && err.code === 'Conflict') {
          if (pinned || attempt >= 10) throw this.conflict(name);
          continue;
        }
        if (err instanceof StoreError && err.code === 'NotFound') throw this.notFound(name);
        throw err;
      }
    }
  }

  /** Marked objects leave the store once no finalizer holds them and no grace period is left. */
  private readyToRemove(obj: KubeObject): boolean {
    if (obj.metadata.finalizers?.length) return false;
    if (this.hooks.typeFinalizers?.(obj).length) return false;
    return !obj.metadata.deletionGracePeriodSeconds;
  }

  /** Generic update rules: identity fields kept, status/spec split, generation. */
  private prepareUpdate(obj: KubeObject, old: KubeObject, ctx: RequestContext, subresource: string): KubeObject {
    if (!obj.metadata) obj.metadata = {};
    const meta = obj.metadata;
    const om = old.metadata;
    if (meta.name !== undefined && meta.name !== om.name) {
      throw errors.badRequest(`the name of the object (${meta.name}) does not match the name on the URL (${om.name})`);
    }
    if (this.info.namespaced && meta.namespace && meta.namespace !== om.namespace) {
      throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    if (meta.uid && meta.uid !== om.uid) {
      throw this.invalid(om.name ?? '', [{ reason: 'FieldValueInvalid', field: 'metadata.uid', message: `Invalid value: "${meta.uid}": field is immutable` }]);
    }
    let next: KubeObject;
    if (subresource === 'status') {
      // Status writes change status only (and may touch nothing else the user owns).
      next = structuredClone(old);
      if (obj.status !== undefined) next.status = obj.status;
      else delete next.status;
      next.metadata.managedFields = meta.managedFields ?? old.metadata.managedFields;
    } else {
      next = obj;
      // Writes to the main resource cannot change status; trusted subresources (binding, finalize) write both.
      if (this.strategy.hasStatus && subresource === '') {
        if (old.status !== undefined) next.status = old.status;
        else delete next.status;
      }
    }
    const nm = next.metadata;
    nm.name = om.name;
    if (this.info.namespaced) nm.namespace = om.namespace;
    nm.uid = om.uid;
    nm.creationTimestamp = om.creationTimestamp;
    nm.resourceVersion = om.resourceVersion;
    if (om.deletionTimestamp) {
      nm.deletionTimestamp = om.deletionTimestamp;
      if (om.deletionGracePeriodSeconds !== undefined) nm.deletionGracePeriodSeconds = om.deletionGracePeriodSeconds;
    } else {
      delete nm.deletionTimestamp;
      delete nm.deletionGracePeriodSeconds;
    }
    if (om.deletionTimestamp && nm.finalizers) {
      // New finalizers may not be added once deletion started.
      const had = new Set(om.finalizers ?? []);
      const added = nm.finalizers.filter((f) => !had.has(f));
      if (added.length) {
        throw this.invalid(om.name ?? '', [{ reason: 'FieldValueForbidden', field: 'metadata.finalizers', message: `Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers ${JSON.stringify(added)}` }]);
      }
    }
    next.apiVersion = this.storageApiVersion;
    next.kind = this.info.kind;
    this.strategy.default?.(next);
    this.strategy.prepareForUpdate?.(next, old, this.strategyContext(ctx, subresource));
    if (om.generation !== undefined) {
      nm.generation = om.generation;
      if (subresource !== 'status' && specChanged(next, old)) nm.generation = om.generation + 1;
    }
    // A binding is the one sanctioned change of an otherwise immutable pod spec (spec.nodeName).
    const updateRules = subresource === 'binding' ? [] : this.strategy.validateUpdate?.(next, old) ?? [];
    const causes = [...this.validation.validateMeta(next, false), ...(this.strategy.validate?.(next) ?? []), ...updateRules];
    if (causes.length) throw this.invalid(om.name ?? '', causes);
    return next;
  }

  async delete(namespace: string, name: string, options: DeleteOptions, ctx: RequestContext): Promise<{ object: KubeObject; deleted: boolean }> {
    for (let attempt = 0; ; attempt++) {
      const key = this.key(namespace, name);
      const kv = await this.storeCall(() => this.store.get(key));
      if (!kv) throw this.notFound(name);
      const current = this.decode(kv.value, kv.modRevision);
      const pre = options.preconditions;
      if (pre?.uid && pre.uid !== current.metadata.uid) {
        throw errors.conflict(this.info.plural, this.info.group, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${current.metadata.uid}`);
      }
      if (pre?.resourceVersion && pre.resourceVersion !== current.metadata.resourceVersion) {
        throw errors.conflict(this.info.plural, this.info.group, name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${current.metadata.resourceVersion}`);
      }
      await this.hooks.beforeDelete?.(current, ctx);
      const next = structuredClone(current);
      const m = next.metadata;
      const finalizers = new Set(m.finalizers ?? []);
      if (!m.deletionTimestamp) {
        if (options.propagationPolicy === 'Orphan') finalizers.add(FINALIZER_ORPHAN);
        if (options.propagationPolicy === 'Foreground') finalizers.add(FINALIZER_FOREGROUND);
      }
      const grace = this.hooks.gracePeriod?.(current, options.gracePeriodSeconds) ?? 0;
      const held = finalizers.size > 0 || (this.hooks.typeFinalizers?.(current).length ?? 0) > 0;
      if (!held && grace === 0) {
        if (!ctx.dryRun) await this.removeFromStore(current, kv.modRevision, ctx);
        return { object: current, deleted: true };
      }
      // Graceful or finalized deletion: mark the object and let its owners finish.
      if (m.deletionTimestamp && (m.deletionGracePeriodSeconds ?? 0) <= grace && sameSet(finalizers, m.finalizers)) {
        return { object: current, deleted: false };
      }
      if (!m.deletionTimestamp || grace < (m.deletionGracePeriodSeconds ?? 0)) {
        m.deletionTimestamp = rfc3339(new Date(ctx.now.getTime() + grace * 1000));
      }
      if (grace > 0 || m.deletionGracePeriodSeconds !== undefined) m.deletionGracePeriodSeconds = grace;
      m.finalizers = [...finalizers];
      if (!m.finalizers.length) delete m.finalizers;
      this.hooks.markDeleting?.(next);
      if (m.generation !== undefined) m.generation++;
      if (ctx.dryRun) return { object: next, deleted: false };
      try {
        const rev = await this.storeCall(() => this.store.update(key, this.encode(next), kv.modRevision));
        next.metadata.resourceVersion = String(rev);
        return { object: next, deleted: false };
      } catch (err) {
        if (err instanceof StoreError && err.code === 'Conflict' && attempt < 10) continue;
        throw err;
      }
    }
  }

  private async removeFromStore(obj: KubeObject, modRevision: number, _ctx: RequestContext): Promise<void> {
    const name = obj.metadata.name ?? '';
    try {
      await this.storeCall(() => this.store.delete(this.key(obj.metadata.namespace ?? '', name), modRevision));
    } catch (err) {
      if (err instanceof StoreError && err.code === 'Conflict') throw this.conflict(name);
      if (err instanceof StoreError && err.code === 'NotFound') throw this.notFound(name);
      throw err;
    }
    this.hooks.afterDelete?.(obj);
  }

  /** Maps store failures to Status errors; StatusErrors pass through. */
  private async storeCall<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof StoreError) {
        switch (err.code) {
          case 'Unavailable':
            throw errors.unavailable(`storage is unavailable: ${err.message}`);
          case 'Compacted':
            throw errors.gone(`The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.`);
          case 'FutureRevision':
            throw errors.timeout(`Too large resource version`);
          default:
            throw err;
        }
      }
      throw err;
    }
  }
}

function parseRv(rv: string): number {
  const n = Number(rv);
  if (!Number.isSafeInteger(n) || n < 0) throw errors.badRequest(`invalid resource version "${rv}"`);
  return n;
}

function encodeContinue(key: string, rv: number): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv, start: key })).toString('base64url');
}

function decodeContinue(token: string): { key: string; rv: number } {
  try {
    const t = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (typeof t.start !== 'string' || typeof t.rv !== 'number') throw new Error();
    return { key: t.start, rv: t.rv };
  } catch {
    throw errors.badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
  }
}

function specChanged(obj: KubeObject, old: KubeObject): boolean {
  for (const k of new Set([...Object.keys(obj), ...Object.keys(old)])) {
    if (k === 'metadata' || k === 'status' || k === 'apiVersion' || k === 'kind') continue;
    if (!deepEqual(obj[k], old[k])) return true;
  }
  return false;
}

function sameStoredContent(a: KubeObject, b: KubeObject): boolean {
  return deepEqual(a, b);
}

function sameSet(s: Set<string>, arr: string[] | undefined): boolean {
  const a = arr ?? [];
  return a.length === s.size && a.every((x) => s.has(x));
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ka = Object.keys(a as object);
  const kb = Object.keys(b as object);
  if (ka.length !== kb.length) return false;
  for (const k of ka) if (!deepEqual((a as any)[k], (b as any)[k])) return false;
  return true;
}
