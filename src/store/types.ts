// The Store contract: a revisioned key/value log with the semantics the API server needs from etcd.
// Every implementation (SQLite, etcd) must pass the same suite in test/store/.
// Values are opaque bytes (serialised objects without resourceVersion: the revision is the version).

export interface KeyValue {
  key: string;
  value: Buffer;
  /** Revision of the write that created this key (etcd create_revision). */
  createRevision: number;
  /** Revision of the last write to this key (etcd mod_revision); the object's resourceVersion. */
  modRevision: number;
}

export type WatchEventType = 'PUT' | 'DELETE';

export interface StoreWatchEvent {
  type: WatchEventType;
  /** For PUT the new state; for DELETE the key with the deletion's revision as modRevision and the last value. */
  kv: KeyValue;
  /** Previous state, when known (always for DELETE, for PUT of an existing key). */
  prevKv?: KeyValue;
  /** True for the first PUT of a key (created, not updated). */
  created: boolean;
}

export interface ListOptions {
  /** Maximum number of items; 0 or undefined means all. */
  limit?: number;
  /** Exclusive start key (the last key of the previous page). */
  startAfter?: string;
  /** Read at this revision (consistent snapshot); undefined means current. */
  revision?: number;
}

export interface ListResult {
  kvs: KeyValue[];
  /** Revision the list was read at. */
  revision: number;
  /** True when more keys follow the last one returned. */
  more: boolean;
  /** Number of keys left after this page (when more is true), if the backend knows it cheaply. */
  remaining?: number;
}

export interface WatchOptions {
  /** Deliver every event with revision > afterRevision. */
  afterRevision: number;
  signal: AbortSignal;
}

export interface StoreWatcher {
  /** Resolves when the watch ended (signal aborted, or failed with error). */
  done: Promise<void>;
}

/**
 * Errors a Store throws. The API server maps them to Status codes:
 * KeyExists→409 AlreadyExists, Conflict→409 Conflict, NotFound→404, Compacted→410 Expired,
 * Unavailable→503 (the backend cannot reach quorum or is down; never a hang).
 */
export type StoreErrorCode = 'KeyExists' | 'Conflict' | 'NotFound' | 'Compacted' | 'FutureRevision' | 'Unavailable';

export class StoreError extends Error {
  constructor(readonly code: StoreErrorCode, message: string, readonly currentRevision?: number) {
    super(message);
    this.name = 'StoreError';
  }
}

export interface Store {
  readonly name: string;
  /** True when watches deliver progressRevision, so a watch cache can tell it is current. */
  readonly reportsWatchProgress?: boolean;
  get(key: string): Promise<KeyValue | null>;
  /** Creates key; throws KeyExists if present. Returns the new revision. */
  create(key: string, value: Buffer): Promise<number>;
  /** Replaces key if its modRevision equals expectedRevision; throws Conflict or NotFound. */
  update(key: string, value: Buffer, expectedRevision: number): Promise<number>;
  /** Deletes key (if expectedRevision is given, only at that modRevision). Returns the deleted kv and deletion revision. */
  delete(key: string, expectedRevision?: number): Promise<{ kv: KeyValue; revision: number }>;
  /** Keys starting with prefix, in key order. Throws Compacted if revision is compacted away. */
  list(prefix: string, opts?: ListOptions): Promise<ListResult>;
  /** Number of keys under prefix at the current revision. */
  count(prefix: string): Promise<number>;
  /**
   * Streams every change under prefix after opts.afterRevision, in revision order, to onEvents
   * (batched as the backend delivers them). Throws/ends with Compacted if afterRevision is compacted.
   * progressRevision, when a backend gives it, promises that every change under prefix up to that
   * revision has been delivered (it may come with an empty batch); the watch cache uses it to
   * serve consistent reads without waiting for an unrelated write.
   */
  watch(prefix: string, opts: WatchOptions, onEvents: (events: StoreWatchEvent[], progressRevision?: number) => void): StoreWatcher;
  currentRevision(): Promise<number>;
  /**
   * Drops history before revision (etcd semantics): the snapshot at `revision` stays readable;
   * list at a revision < it, and watch with afterRevision < it, throw Compacted.
   */
  compact(revision: number): Promise<void>;
  /** The last compaction revision (0 if never compacted): the oldest revision list can read and the smallest afterRevision watch accepts. */
  compactedRevision(): Promise<number>;
  close(): Promise<void>;
}
