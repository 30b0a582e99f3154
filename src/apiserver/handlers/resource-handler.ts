// REST verbs on resources: turns an HTTP request addressed by RequestInfo into calls on the
// resource's ResourceStorage, and the result into JSON, Table or a watch stream. Owns wire
// details (query parameters, patch types, Table and watch framing), never storage rules.
import type { KubeObject } from '../../api/object.js';
import { errors, StatusError } from '../../api/errors.js';
import type { ResourceInfo } from '../../api/registry/types.js';
import { compileRequirements, parseLabelSelector, formatLabelSelector } from '../../api/selectors/label-selector.js';
import { parseFieldSelector, defaultFieldGetter } from '../../api/selectors/field-selector.js';
import type { RequestContext, FieldValidation } from '../context.js';
import { firstHeader, mediaType, readBody, sendJson, successStatus, wantsTable, type Reply } from '../http.js';
import type { ApiMachinery } from '../machinery.js';
import { strategicMergePatchUnsupported } from '../../api/patch/index.js';
import type { RequestInfo } from '../request-info.js';
import type { DeleteOptions } from '../registry/resource-storage.js';
import type { VersionedStorage as ResourceStorage } from '../registry/versioned-storage.js';
import { encodeEvent, type CacheEvent, type WatchEventType } from '../watch-cache.js';
import { selectableFields } from './field-selectors.js';
import { toJson } from '../json-cache.js';

export const MAX_BODY_BYTES = 3 * 1024 * 1024;

export interface ResourceHandlerDeps {
  machinery: ApiMachinery;
  storageFor(info: ResourceInfo): ResourceStorage | undefined;
  /** Namespace lifecycle: throws when objects may not be created in ns. */
  checkNamespace(ns: string): Promise<void>;
  /** Minimum and maximum watch duration when the client sets no timeout (upstream: 30-60 min). */
  watchTimeoutRange?: [number, number];
  bookmarkIntervalMs?: number;
}

const PATCH_TYPES = new Set(['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json', 'application/apply-patch+yaml', 'application/apply-patch+cbor']);

export class ResourceHandler {
  constructor(private readonly deps: ResourceHandlerDeps) {}

  async handle(r: Reply, ri: RequestInfo, info: ResourceInfo, query: URLSearchParams, ctx: RequestContext): Promise<void> {
    const storage = this.deps.storageFor(info);
    if (!storage) throw errors.notFoundPath();
    if (info.namespaced && !ri.namespace && ri.name && ri.resource !== 'namespaces') throw errors.notFoundPath();
    if (!info.namespaced && ri.namespace) throw errors.notFoundPath();
    const sub = ri.subresource;
    if (sub && !info.subresources.some((s) => s.name === sub)) throw errors.notFoundPath();
    if (!info.verbs.includes(ri.verb) && !sub) throw errors.methodNotAllowed();
    switch (ri.verb) {
      case 'get':
        return this.get(r, storage, ri, query, ctx);
      case 'list':
        return this.list(r, storage, ri, query, ctx);
      case 'watch':
        return this.watch(r, storage, ri, query, ctx);
      case 'create':
        return this.create(r, storage, ri, query, ctx);
      case 'update':
        return this.update(r, storage, ri, query, ctx);
      case 'patch':
        return this.patch(r, storage, ri, query, ctx);
      case 'delete':
        return this.delete(r, storage, ri, query, ctx);
      case 'deletecollection':
        return this.deleteCollection(r, storage, ri, query, ctx);
      default:
        throw errors.methodNotAllowed();
    }
  }

  private respondObject(r: Reply, status: number, info: ResourceInfo, obj: KubeObject, ctx: RequestContext): void {
    const accept = firstHeader(r.req.headers.accept);
    if (wantsTable(accept)) {
      const table = this.deps.machinery.table(info, [obj], { includeObject: 'Metadata', resourceVersion: obj.metadata.resourceVersion ?? '', now: ctx.now });
      sendJson(r, status, table);
      return;
    }
    sendJson(r, status, obj);
  }

  private async get(r: Reply, storage: ResourceStorage, ri: RequestInfo, query: URLSearchParams, ctx: RequestContext): Promise<void> {
    const obj = await storage.get(ri.namespace, ri.name);
    if (ri.subresource === 'scale') return sendJson(r, 200, toScale(storage.info, obj));
    if (ri.subresource && ri.subresource !== 'status') throw errors.notFoundPath();
    void query;
    this.respondObject(r, 200, storage.info, obj, ctx);
  }

  private filterFor(info: ResourceInfo, query: URLSearchParams) {
    const ls = query.get('labelSelector');
    const fs = query.get('fieldSelector');
    const labelPred = ls ? compileRequirements(parseLabelSelector(ls)) : null;
    const fieldReqs = fs ? parseFieldSelector(fs) : [];
    const allowed = selectableFields(info);
    for (const f of fieldReqs) {
      if (!allowed.has(f.field)) throw errors.badRequest(`field label not supported: ${f.field}`);
    }
    if (!labelPred && !fieldReqs.length) return null;
    return (obj: KubeObject) => {
      if (labelPred && !labelPred(obj.metadata.labels)) return false;
      for (const f of fieldReqs) {
        const v = defaultFieldGetter(obj, f.field) ?? '';
        if ((v === f.value) !== (f.op === '=')) return false;
      }
      return true;
    };
  }

  private async list(r: Reply, storage: ResourceStorage, ri: RequestInfo, query: URLSearchParams, ctx: RequestContext): Promise<void> {
    const info = storage.info;
    const limitParam = query.get('limit');
    const limit = limitParam ? Number(limitParam) : undefined;
    const res = await storage.list(ri.namespace, {
      filter: this.filterFor(info, query),
      limit: limit && limit > 0 ? limit : undefined,
      continueToken: query.get('continue') || undefined,
      resourceVersion: query.get('resourceVersion') ?? undefined,
      resourceVersionMatch: query.get('resourceVersionMatch') ?? undefined,
    });
    const accept = firstHeader(r.req.headers.accept);
    if (wantsTable(accept)) {
      const includeObject = (query.get('includeObject') as 'None' | 'Metadata' | 'Object') || 'Metadata';
      const table = this.deps.machinery.table(info, res.items, { includeObject, resourceVersion: res.resourceVersion, continueToken: res.continueToken, remainingItemCount: res.remainingItemCount, now: ctx.now });
      return sendJson(r, 200, table);
    }
    // The list body is assembled from pieces so items are serialised exactly once.
    const meta: Record<string, unknown> = { resourceVersion: res.resourceVersion };
    if (res.continueToken) meta.continue = res.continueToken;
    if (res.remainingItemCount !== undefined) meta.remainingItemCount = res.remainingItemCount;
    const apiVersion = info.group ? `${info.group}/${info.version}` : info.version;
    const body = `{"kind":"${info.listKind}","apiVersion":"${apiVersion}","metadata":${JSON.stringify(meta)},"items":[${res.items.map(toJson).join(',')}]}`;
    sendJson(r, 200, body);
  }

  private async watch(r: Reply, storage: ResourceStorage, ri: RequestInfo, query: URLSearchParams, ctx: RequestContext): Promise<void> {
    const info = storage.info;
    let filter = this.filterFor(info, query);
    if (ri.name) {
      // Watching one object (GET .../name?watch=true) is a field selector on its name.
      const byName = (o: KubeObject) => o.metadata.name === ri.name;
      const f = filter;
      filter = f ? (o) => byName(o) && f(o) : byName;
    }
    const pred = filter ?? (() => true);
    const accept = firstHeader(r.req.headers.accept);
    const table = wantsTable(accept);
    const bookmarks = query.get('allowWatchBookmarks') === 'true';
    const timeoutParam = query.get('timeoutSeconds');
    const [lo, hi] = this.deps.watchTimeoutRange ?? [1800, 3600];
    const timeoutS = timeoutParam ? Number(timeoutParam) : lo + Math.random() * (hi - lo);
    const res = r.res as import('node:http').ServerResponse;
    let columnsSent = false;
    let closed = false;
    let unsubscribe: (() => void) | null = null;
    const timers: NodeJS.Timeout[] = [];
    const finish = () => {
      if (closed) return;
      closed = true;
      unsubscribe?.();
      for (const t of timers) clearTimeout(t), clearInterval(t);
      if (!res.writableEnded) res.end();
    };
    const write = (chunk: string) => {
      if (closed) return;
      res.write(chunk);
      // A watcher that cannot keep up is dropped; it will resume from its last resourceVersion.
      if (res.writableLength > 64 * 1024 * 1024) finish();
    };
    const send = (ev: CacheEvent, type: WatchEventType) => {
      if (table) {
        const t = this.deps.machinery.table(info, [ev.object], { includeObject: 'Metadata', resourceVersion: ev.object.metadata.resourceVersion ?? '', omitColumns: columnsSent, now: new Date() });
        columnsSent = true;
        write(`{"type":"${type}","object":${JSON.stringify(t)}}\n`);
      } else if (type === ev.type) {
        write(encodeEvent(ev));
      } else {
        write(`{"type":"${type}","object":${toJson(ev.object)}}\n`);
      }
    };
    const pending: [CacheEvent, WatchEventType][] = [];
    let started = false;
    try {
      unsubscribe = storage.watch(ri.namespace, query.get('resourceVersion') ?? undefined, pred, {
        onEvent: (ev, type) => (started ? send(ev, type) : pending.push([ev, type])),
        onClose: () => finish(),
      });
    } catch (err) {
      if (err instanceof StatusError && err.code === 410) {
        // Upstream answers an expired watch with 200 and an ERROR event carrying the Status.
        (res as any).writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-cache, private' });
        res.end(`{"type":"ERROR","object":${JSON.stringify(err.toStatus())}}\n`);
        return;
      }
      throw err;
    }
    (res as any).writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-cache, private' });
    (res as any).flushHeaders?.();
    started = true;
    for (const [ev, type] of pending) send(ev, type);
    pending.length = 0;
    const sendBookmark = () => {
      const apiVersion = info.group ? `${info.group}/${info.version}` : info.version;
      write(`{"type":"BOOKMARK","object":{"kind":"${info.kind}","apiVersion":"${apiVersion}","metadata":{"resourceVersion":"${storage.revision}"}}}\n`);
    };
    if (bookmarks) timers.push(setInterval(sendBookmark, this.deps.bookmarkIntervalMs ?? 30_000));
    timers.push(setTimeout(finish, Math.max(0, timeoutS) * 1000));
    const onGone = () => finish();
    r.req.on('close', onGone);
    res.on('close', onGone);
    ctx.signal.addEventListener('abort', onGone, { once: true });
    await new Promise<void>((resolve) => {
      if (closed) return resolve();
      res.on('close', () => resolve());
      res.on('finish', () => resolve());
    });
  }

  private async readObject(r: Reply, info: ResourceInfo, ctx: RequestContext): Promise<KubeObject> {
    const body = await readBody(r.req, MAX_BODY_BYTES);
    const mt = mediaType(firstHeader(r.req.headers['content-type'])) || 'application/json';
    const { value, duplicates } = this.deps.machinery.decodeBody(body, mt);
    if (!value || typeof value !== 'object' || Array.isArray(value)) {
      throw errors.badRequest(`Object '${info.kind}' is missing in '${body.toString('utf8').slice(0, 200)}'`);
    }
    const obj = value as KubeObject;
    if (duplicates.length) {
      if (ctx.fieldValidation === 'Strict') {
        throw errors.badRequest(`${info.kind} in version "${info.version}" cannot be handled as a ${info.kind}: strict decoding error: ${duplicates.map((d) => `json: duplicate field "${d}"`).join(', ')}`);
      }
      if (ctx.fieldValidation === 'Warn') for (const d of duplicates) ctx.warnings.push(`duplicate field "${d}"`);
    }
    if (obj.kind !== undefined && obj.kind !== info.kind && !(isSubresourceKind(obj.kind))) {
      throw errors.badRequest(`${info.kind} in version "${info.version}" cannot be handled as a ${info.kind}: the object provided is unrecognized (wrong kind "${obj.kind}")`);
    }
    if (typeof obj.metadata !== 'object' || obj.metadata === null || Array.isArray(obj.metadata)) obj.metadata = {};
    dropNulls(obj);
    return obj;
  }

  private async create(r: Reply, storage: ResourceStorage, ri: RequestInfo, query: URLSearchParams, ctx: RequestContext): Promise<void> {
    const info = storage.info;
    if (ri.name || ri.subresource) throw errors.methodNotAllowed();
    const obj = await this.readObject(r, info, ctx);
    if (info.namespaced) await this.deps.checkNamespace(ri.namespace || obj.metadata.namespace || 'default');
    if (info.namespaced && !ri.namespace) throw errors.notFoundPath();
    this.track(null, obj, info, ctx, query);
    const created = await storage.create(obj, ri.namespace, ctx);
    this.respondObject(r, 201, info, created, ctx);
  }

  private track(old: KubeObject | null, obj: KubeObject, info: ResourceInfo, ctx: RequestContext, _query: URLSearchParams, subresource?: string): void {
    const manager = ctx.fieldManager ?? ctx.defaultFieldManager;
    this.deps.machinery.trackUpdate(old, obj, { manager, apiVersion: gvOf(info), schema: this.deps.machinery.schemaFor(info), subresource, now: ctx.now });
  }

  private async update(r: Reply, storage: ResourceStorage, ri: RequestInfo, query: URLSearchParams, ctx: RequestContext): Promise<void> {
    const info = storage.info;
    if (ri.subresource === 'scale') return this.updateScale(r, storage, ri, ctx, async () => this.readScale(r));
    const obj = await this.readObject(r, info, ctx);
    if (obj.metadata.name && obj.metadata.name !== ri.name) {
      throw errors.badRequest(`the name of the object (${obj.metadata.name}) does not match the name on the URL (${ri.name})`);
    }
    const { object, created } = await storage.update(
      ri.namespace,
      ri.name,
      (current) => {
        const next = structuredClone(obj);
        // Without resourceVersion the update is unconditional (as upstream allows for most types):
        // storage retries it on conflicts instead of failing.
        this.track(current, next, info, ctx, query, ri.subresource || undefined);
        return next;
      },
      ctx,
      ri.subresource,
    );
    this.respondObject(r, created ? 201 : 200, info, object, ctx);
  }

  private async readScale(r: Reply): Promise<KubeObject> {
    const body = await readBody(r.req, MAX_BODY_BYTES);
    const mt = mediaType(firstHeader(r.req.headers['content-type'])) || 'application/json';
    return this.deps.machinery.decodeBody(body, mt).value as KubeObject;
  }

  private async updateScale(r: Reply, storage: ResourceStorage, ri: RequestInfo, ctx: RequestContext, scaleOf: (current: KubeObject) => Promise<KubeObject>): Promise<void> {
    const info = storage.info;
    const { object } = await storage.update(
      ri.namespace,
      ri.name,
      async (current) => {
        const scale = await scaleOf(current);
        const replicas = (scale as any)?.spec?.replicas;
        if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
          throw errors.invalid('Scale', 'autoscaling', ri.name, [{ reason: 'FieldValueInvalid', field: 'spec.replicas', message: `Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0` }]);
        }
        const rv = scale.metadata?.resourceVersion;
        if (rv && rv !== current.metadata.resourceVersion) throw errors.conflict(info.plural, info.group, ri.name);
        const next = structuredClone(current);
        delete next.metadata.resourceVersion;
        setPath(next, scalePaths(info).spec, replicas);
        this.track(current, next, info, ctx, new URLSearchParams(), 'scale');
        return next;
      },
      ctx,
    );
    sendJson(r, 200, toScale(info, object));
  }

  private async patch(r: Reply, storage: ResourceStorage, ri: RequestInfo, query: URLSearchParams, ctx: RequestContext): Promise<void> {
    const info = storage.info;
    const m = this.deps.machinery;
    const ct = mediaType(firstHeader(r.req.headers['content-type']));
    if (!PATCH_TYPES.has(ct)) throw errors.unsupportedMediaType(ct);
    const body = await readBody(r.req, MAX_BODY_BYTES);
    const schema = m.schemaFor(info);
    if (ct === 'application/strategic-merge-patch+json' && storage.customResource) throw strategicMergePatchUnsupported(ct);
    const decoded = m.decodeBody(body, ct === 'application/apply-patch+yaml' ? 'application/yaml' : 'application/json');
    const patch = decoded.value;
    const applyPatch = (doc: unknown): unknown => {
      switch (ct) {
        case 'application/json-patch+json':
          return m.applyJsonPatch(doc, patch);
        case 'application/merge-patch+json':
          return m.applyMergePatch(doc, patch);
        case 'application/strategic-merge-patch+json':
          if (!schema) return m.applyMergePatch(doc, patch);
          return m.applyStrategicMergePatch(doc, patch, schema);
        default:
          throw errors.unsupportedMediaType(ct);
      }
    };
    if (ri.subresource === 'scale') {
      if (ct === 'application/apply-patch+yaml') throw errors.unsupportedMediaType(ct);
      return this.updateScale(r, storage, ri, ctx, async (current) => applyPatch(toScale(info, current)) as KubeObject);
    }
    if (ct === 'application/apply-patch+yaml') return this.apply(r, storage, ri, query, ctx, patch);
    const { object } = await storage.update(
      ri.namespace,
      ri.name,
      (current) => {
        const next = applyPatch(current) as KubeObject;
        if (!next || typeof next !== 'object' || Array.isArray(next)) throw errors.badRequest('the patch did not produce an object');
        dropNulls(next);
        if (typeof next.metadata !== 'object' || next.metadata === null) next.metadata = {};
        // A patch that does not set resourceVersion applies to whatever is current (and is retried on conflicts).
        const pinned = patchSetsResourceVersion(ct, patch) && next.metadata.resourceVersion;
        if (pinned) next.metadata.resourceVersion = pinned;
        else delete next.metadata.resourceVersion;
        this.track(current, next, info, ctx, query, ri.subresource || undefined);
        return next;
      },
      ctx,
      ri.subresource,
    );
    this.respondObject(r, 200, info, object, ctx);
  }

  private async apply(r: Reply, storage: ResourceStorage, ri: RequestInfo, query: URLSearchParams, ctx: RequestContext, patch: unknown): Promise<void> {
    const info = storage.info;
    const m = this.deps.machinery;
    const manager = ctx.fieldManager;
    if (!manager) throw errors.badRequest('PATCH /apply requires fieldManager to be set');
    const force = query.get('force') === 'true';
    if (!patch || typeof patch !== 'object' || Array.isArray(patch)) throw errors.badRequest('apply patch must be an object');
    const applied = patch as KubeObject;
    if (applied.metadata?.name && applied.metadata.name !== ri.name) {
      throw errors.badRequest(`the name of the object (${applied.metadata.name}) does not match the name on the URL (${ri.name})`);
    }
    const schema = m.schemaFor(info);
    const run = (live: KubeObject | null): KubeObject =>
      m.serverSideApply(live, structuredClone(applied), { manager, force, apiVersion: gvOf(info), schema, subresource: ri.subresource || undefined, now: ctx.now });
    const { object, created } = await storage.update(
      ri.namespace,
      ri.name,
      (current) => {
        const next = run(current);
        if (applied.metadata?.resourceVersion) next.metadata.resourceVersion = applied.metadata.resourceVersion;
        else delete next.metadata.resourceVersion;
        return next;
      },
      ctx,
      ri.subresource,
      {
        onCreate: async () => {
          if (ri.subresource) throw errors.notFound(info.plural, info.group, ri.name);
          if (info.namespaced) await this.deps.checkNamespace(ri.namespace);
          const obj = run(null);
          obj.metadata.name = ri.name;
          return storage.create(obj, ri.namespace, ctx);
        },
      },
    );
    this.respondObject(r, created ? 201 : 200, info, object, ctx);
  }

  private async readDeleteOptions(r: Reply, query: URLSearchParams): Promise<DeleteOptions> {
    const body = await readBody(r.req, MAX_BODY_BYTES);
    let opts: DeleteOptions = {};
    if (body.length) {
      const v = this.deps.machinery.decodeBody(body, mediaType(firstHeader(r.req.headers['content-type'])) || 'application/json').value;
      if (v && typeof v === 'object') opts = v as DeleteOptions;
    }
    const pp = query.get('propagationPolicy');
    if (pp) opts.propagationPolicy = pp as DeleteOptions['propagationPolicy'];
    const gp = query.get('gracePeriodSeconds');
    if (gp !== null) opts.gracePeriodSeconds = Number(gp);
    if (opts.propagationPolicy && !['Orphan', 'Background', 'Foreground'].includes(opts.propagationPolicy)) {
      throw errors.invalid('DeleteOptions', '', '', [{ reason: 'FieldValueNotSupported', field: 'propagationPolicy', message: `Unsupported value: "${opts.propagationPolicy}": supported values: "Foreground", "Background", "Orphan", "nil"` }]);
    }
    if ((opts as any).orphanDependents === true && !opts.propagationPolicy) opts.propagationPolicy = 'Orphan';
    return opts;
  }

  private async delete(r: Reply, storage: ResourceStorage, ri: RequestInfo, query: URLSearchParams, ctx: RequestContext): Promise<void> {
    if (ri.subresource) throw errors.methodNotAllowed();
    const opts = await this.readDeleteOptions(r, query);
    if (opts.dryRun?.includes('All')) ctx.dryRun = true;
    const info = storage.info;
    const { object, deleted } = await storage.delete(ri.namespace, ri.name, opts, ctx);
    if (!deleted) return this.respondObject(r, 200, info, object, ctx);
    sendJson(r, 200, successStatus({ name: ri.name, group: info.group || undefined, kind: info.plural, uid: object.metadata.uid }));
  }

  private async deleteCollection(r: Reply, storage: ResourceStorage, ri: RequestInfo, query: URLSearchParams, ctx: RequestContext): Promise<void> {
    const opts = await this.readDeleteOptions(r, query);
    if (opts.dryRun?.includes('All')) ctx.dryRun = true;
    const res = await storage.list(ri.namespace, { filter: this.filterFor(storage.info, query) });
    // Each object goes through its own delete admission; as upstream, one refusal does not stop the
    // others, and the first refusal is the answer.
    let refusal: unknown;
    for (const obj of res.items) {
      try {
        await storage.delete(obj.metadata.namespace ?? '', obj.metadata.name ?? '', opts, ctx);
      } catch (err) {
        if (!(err instanceof StatusError && err.code === 404)) refusal ??= err;
      }
    }
    if (refusal) throw refusal;
    const info = storage.info;
    const apiVersion = info.group ? `${info.group}/${info.version}` : info.version;
    sendJson(r, 200, { kind: info.listKind, apiVersion, metadata: { resourceVersion: res.resourceVersion }, items: res.items });
  }
}

/** Whether a patch body names metadata.resourceVersion (then it is a precondition). */
function patchSetsResourceVersion(ct: string, patch: unknown): boolean {
  if (ct === 'application/json-patch+json') {
    return Array.isArray(patch) && patch.some((op: any) => typeof op?.path === 'string' && (op.path === '/metadata/resourceVersion' || op.path === '/metadata'));
  }
  const m = (patch as any)?.metadata;
  return !!m && typeof m === 'object' && typeof m.resourceVersion === 'string';
}

/** Go decodes null into a zero value, which omitempty then leaves out: drop nulls from objects. */
export function dropNulls(v: unknown): void {
  if (Array.isArray(v)) {
    for (const x of v) dropNulls(x);
  } else if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    for (const k of Object.keys(o)) {
      if (o[k] === null) delete o[k];
      else dropNulls(o[k]);
    }
  }
}

function isSubresourceKind(kind: string): boolean {
  return kind === 'Scale' || kind === 'Binding' || kind === 'Eviction';
}

export function gvOf(info: ResourceInfo): string {
  return info.group ? `${info.group}/${info.version}` : info.version;
}

/** Upstream names an unnamed field manager after the client's user agent. */
export function defaultManager(userAgent: string | undefined): string {
  return (userAgent ?? 'unknown').split('/')[0] || 'unknown';
}

export function contextFieldValidation(query: URLSearchParams): FieldValidation {
  const v = query.get('fieldValidation');
  if (v === 'Strict' || v === 'Warn' || v === 'Ignore') return v;
  if (v) throw errors.badRequest(`fieldValidation must be one of "Ignore", "Warn", or "Strict", got "${v}"`);
  return 'Warn';
}

/** Where a scalable resource keeps its replica counts and selector. */
export function scalePaths(info: ResourceInfo & { scalePaths?: { spec: string; status: string; selector?: string } }) {
  return info.scalePaths ?? { spec: 'spec.replicas', status: 'status.replicas', selector: undefined };
}

export function toScale(info: ResourceInfo, obj: KubeObject): KubeObject {
  const paths = scalePaths(info);
  const m = obj.metadata;
  const selector = paths.selector ? getPath(obj, paths.selector) : formatLabelSelector((obj as any).spec?.selector);
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: { name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion, creationTimestamp: m.creationTimestamp },
    spec: { replicas: (getPath(obj, paths.spec) as number | undefined) ?? 0 },
    status: { replicas: (getPath(obj, paths.status) as number | undefined) ?? 0, ...(selector ? { selector } : {}) },
  };
}

function getPath(obj: unknown, path: string): unknown {
  let cur: any = obj;
  for (const p of path.replace(/^\./, '').split('.')) {
    if (cur == null) return undefined;
    cur = cur[p];
  }
  return cur;
}

function setPath(obj: any, path: string, value: unknown): void {
  const parts = path.replace(/^\./, '').split('.');
  let cur = obj;
  for (const p of parts.slice(0, -1)) cur = cur[p] ??= {};
  cur[parts[parts.length - 1]!] = value;
}
