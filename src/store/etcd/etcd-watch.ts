// One watch on the etcd store: an etcd Watch stream from afterRevision+1 with prev_kv, reopened
// from the last delivered revision whenever the stream fails (member down, leader lost), so the
// consumer sees every event once and in order. A compacted start revision ends it with Compacted.

import type * as grpc from '@grpc/grpc-js';
import { StoreError, type KeyValue, type StoreWatchEvent, type StoreWatcher } from '../types.js';
import type { EtcdRpc, RpcKeyValue, WatchResponse } from './etcd-rpc.js';

const EMPTY = Buffer.alloc(0);

export class EtcdWatcher implements StoreWatcher {
  readonly done: Promise<void>;
  private lastRev: number;
  private stream?: grpc.ClientDuplexStream<object, WatchResponse>;
  private ended = false;
  private backoffMs = 100;
  private retryTimer?: NodeJS.Timeout;
  private resolveDone!: () => void;
  private rejectDone!: (err: Error) => void;
  private readonly onAbort = () => this.finish();

  constructor(
    private readonly rpc: EtcdRpc,
    private readonly keyPrefix: string,
    private readonly key: Buffer,
    private readonly rangeEnd: Buffer,
    afterRevision: number,
    private readonly signal: AbortSignal,
    private readonly onEvents: (events: StoreWatchEvent[]) => void,
  ) {
    this.lastRev = afterRevision;
    this.done = new Promise<void>((resolve, reject) => {
      this.resolveDone = resolve;
      this.rejectDone = reject;
    });
    this.done.catch(() => {});
    if (signal.aborted) {
      this.finish();
      return;
    }
    signal.addEventListener('abort', this.onAbort, { once: true });
    this.connect();
  }

  private connect(): void {
    if (this.ended) return;
    const stream = this.rpc.openWatch();
    this.stream = stream;
    let failed = false;
    const fail = () => {
      if (failed || this.stream !== stream) return;
      failed = true;
      stream.removeAllListeners('data');
      stream.cancel();
      this.reconnectLater();
    };
    stream.on('data', (res: WatchResponse) => {
      if (this.stream !== stream || this.ended) return;
      if (res.compact_revision > 0) {
        this.finish(
          new StoreError(
            'Compacted',
            `required revision ${this.lastRev + 1} has been compacted (compacted revision ${res.compact_revision})`,
            res.compact_revision,
          ),
        );
        return;
      }
      if (res.canceled) return fail();
      if (res.events.length > 0) {
        this.backoffMs = 100;
        this.deliver(res.events);
      } else if (res.created) {
        this.backoffMs = 100;
      }
    });
    stream.on('error', fail);
    stream.on('end', fail);
    stream.write({
      create_request: {
        key: this.key,
        range_end: this.rangeEnd,
        start_revision: this.lastRev + 1,
        prev_kv: true,
      },
    });
  }

  private reconnectLater(): void {
    if (this.ended) return;
    this.stream = undefined;
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, 2000);
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  private deliver(raw: WatchResponse['events']): void {
    const events: StoreWatchEvent[] = [];
    for (const ev of raw) {
      const rev = ev.kv.mod_revision;
      if (rev <= this.lastRev) continue; // already delivered before a reconnect
      this.lastRev = rev;
      const prevKv = ev.prev_kv ? this.toKv(ev.prev_kv) : undefined;
      if (ev.type === 'DELETE') {
        const kv: KeyValue = {
          key: this.toKey(ev.kv.key),
          value: prevKv?.value ?? EMPTY,
          createRevision: prevKv?.createRevision ?? 0,
          modRevision: rev,
        };
        events.push({ type: 'DELETE', kv, prevKv, created: false });
      } else {
        const created = ev.kv.create_revision === rev;
        events.push({ type: 'PUT', kv: this.toKv(ev.kv), prevKv: created ? undefined : prevKv, created });
      }
    }
    if (events.length === 0) return;
    try {
      this.onEvents(events);
    } catch (err) {
      this.finish(err as Error);
    }
  }

  private toKey(key: Buffer): string {
    return key.toString('utf8').slice(this.keyPrefix.length);
  }

  private toKv(kv: RpcKeyValue): KeyValue {
    return { key: this.toKey(kv.key), value: kv.value, createRevision: kv.create_revision, modRevision: kv.mod_revision };
  }

  finish(err?: Error): void {
    if (this.ended) return;
    this.ended = true;
    clearTimeout(this.retryTimer);
    this.signal.removeEventListener('abort', this.onAbort);
    const stream = this.stream;
    this.stream = undefined;
    if (stream) {
      stream.removeAllListeners('data');
      stream.on('error', () => {});
      stream.cancel();
    }
    if (err) this.rejectDone(err);
    else this.resolveDone();
  }
}
