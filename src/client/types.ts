// The client contract every component uses to talk to the API server (controllers, scheduler,
// simulated nodes, kubelet, proxy). Implementations: HttpKubeClient (HTTPS, HTTP/2) in
// http-client.ts. Components depend on this interface only.
import type { KubeObject } from '../api/object.js';
import type { Status } from '../api/errors.js';

/** A resource addressed by group, version and plural name. */
export interface GroupVersionResource {
  group: string; // "" for core
  version: string;
  resource: string; // plural, e.g. "deployments"
}

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  resourceVersionMatch?: 'Exact' | 'NotOlderThan';
}

export interface WatchOptions extends ListOptions {
  allowWatchBookmarks?: boolean;
  timeoutSeconds?: number;
  signal: AbortSignal;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface WatchEvent<T = KubeObject> {
  type: WatchEventType;
  object: T;
}

export interface WriteOptions {
  fieldManager?: string;
  dryRun?: boolean;
  /** e.g. "status", "scale", "binding", "eviction", "finalize". */
  subresource?: string;
}

export interface PatchOptions extends WriteOptions {
  /** Server-side apply only. */
  force?: boolean;
}

export interface DeleteOptions {
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: boolean;
}

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

export interface ObjectList<T = KubeObject> {
  apiVersion?: string;
  kind?: string;
  metadata: { resourceVersion?: string; continue?: string; remainingItemCount?: number };
  items: T[];
}

/** A failed API call: the Status the server sent (code, reason, message). */
export class ApiError extends Error {
  constructor(readonly code: number, readonly reason: string, message: string, readonly status?: Status) {
    super(message);
    this.name = 'ApiError';
  }
}

export const isNotFound = (e: unknown): boolean => e instanceof ApiError && e.code === 404;
export const isConflict = (e: unknown): boolean => e instanceof ApiError && e.code === 409 && e.reason === 'Conflict';
export const isAlreadyExists = (e: unknown): boolean => e instanceof ApiError && e.code === 409 && e.reason === 'AlreadyExists';
export const isGone = (e: unknown): boolean => e instanceof ApiError && (e.code === 410 || e.reason === 'Expired' || e.reason === 'Gone');

/**
 * Namespace "" means cluster-scoped objects, or all namespaces for list/watch of a namespaced
 * resource. Errors are ApiError.
 */
export interface KubeClient {
  get<T extends KubeObject = KubeObject>(gvr: GroupVersionResource, namespace: string, name: string, opts?: { subresource?: string }): Promise<T>;
  list<T extends KubeObject = KubeObject>(gvr: GroupVersionResource, namespace: string, opts?: ListOptions): Promise<ObjectList<T>>;
  /**
   * Streams watch events to onEvent until the server ends the stream or opts.signal aborts;
   * resolves then. An ERROR event's Status (e.g. 410 Expired) is delivered as an event; an HTTP
   * error before the stream starts rejects with ApiError.
   */
  watch<T extends KubeObject = KubeObject>(gvr: GroupVersionResource, namespace: string, opts: WatchOptions, onEvent: (e: WatchEvent<T>) => void): Promise<void>;
  create<T extends KubeObject = KubeObject>(gvr: GroupVersionResource, namespace: string, obj: T, opts?: WriteOptions): Promise<T>;
  /** PUT of obj (its metadata.name); with opts.subresource "status" writes status only. */
  update<T extends KubeObject = KubeObject>(gvr: GroupVersionResource, namespace: string, obj: T, opts?: WriteOptions): Promise<T>;
  patch<T extends KubeObject = KubeObject>(gvr: GroupVersionResource, namespace: string, name: string, type: PatchType, body: unknown, opts?: PatchOptions): Promise<T>;
  /** Returns the object when deletion was only marked (finalizers, grace period), else undefined. */
  delete(gvr: GroupVersionResource, namespace: string, name: string, opts?: DeleteOptions): Promise<KubeObject | undefined>;
  /** POST to a subresource of name (binding, eviction, token...) and return the response body. */
  createSubresource<R = unknown>(gvr: GroupVersionResource, namespace: string, name: string, subresource: string, body: unknown, opts?: WriteOptions): Promise<R>;
}
