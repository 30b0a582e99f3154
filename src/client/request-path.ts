// URL paths and query strings of the Kubernetes REST API, as the client builds them (pure).
import type { GroupVersionResource, ListOptions, WatchOptions, WriteOptions } from './types.js';

const prefixes = new WeakMap<GroupVersionResource, string>();

function prefixOf(gvr: GroupVersionResource): string {
  let p = prefixes.get(gvr);
  if (p === undefined) {
    p = gvr.group ? `/apis/${gvr.group}/${gvr.version}` : `/api/${gvr.version}`;
    prefixes.set(gvr, p);
  }
  return p;
}

/**
 * `/api/v1/namespaces/ns/pods/name/status`. Namespace "" addresses cluster-scoped objects or,
 * for collections, all namespaces. The `namespaces` resource puts its name after /namespaces/.
 */
export function gvrPath(gvr: GroupVersionResource, namespace: string, name?: string, subresource?: string): string {
  let path = prefixOf(gvr);
  if (namespace && gvr.resource !== 'namespaces') path += `/namespaces/${encodeURIComponent(namespace)}`;
  path += `/${gvr.resource}`;
  if (name) {
    path += `/${encodeURIComponent(name)}`;
    if (subresource) path += `/${subresource}`;
  }
  return path;
}

function param(q: string, key: string, value: string): string {
  return `${q}${q ? '&' : '?'}${key}=${encodeURIComponent(value)}`;
}

/** Query string of a list, or of a watch when watch is true. */
export function listQuery(opts: ListOptions | WatchOptions | undefined, watch: boolean): string {
  let q = watch ? '?watch=true' : '';
  if (!opts) return q;
  if (opts.labelSelector) q = param(q, 'labelSelector', opts.labelSelector);
  if (opts.fieldSelector) q = param(q, 'fieldSelector', opts.fieldSelector);
  if (opts.limit !== undefined) q = param(q, 'limit', String(opts.limit));
  if (opts.continue) q = param(q, 'continue', opts.continue);
  if (opts.resourceVersion !== undefined) q = param(q, 'resourceVersion', opts.resourceVersion);
  if (opts.resourceVersionMatch) q = param(q, 'resourceVersionMatch', opts.resourceVersionMatch);
  if (watch) {
    const w = opts as WatchOptions;
    if (w.allowWatchBookmarks) q = param(q, 'allowWatchBookmarks', 'true');
    if (w.timeoutSeconds !== undefined) q = param(q, 'timeoutSeconds', String(w.timeoutSeconds));
  }
  return q;
}

/** Query string of create/update/patch: fieldManager, dryRun=All and (apply only) force. */
export function writeQuery(opts: WriteOptions | undefined, force?: boolean): string {
  let q = '';
  if (!opts) return q;
  if (opts.fieldManager) q = param(q, 'fieldManager', opts.fieldManager);
  if (opts.dryRun) q = param(q, 'dryRun', 'All');
  if (force) q = param(q, 'force', 'true');
  return q;
}
