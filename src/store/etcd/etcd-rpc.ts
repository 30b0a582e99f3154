// The gRPC side of the etcd store: loads our embedded etcd API subset, keeps one load-balanced
// channel over every endpoint, and turns each unary call into a promise with a deadline, a
// bounded retry for failures that cannot have applied a write, and StoreError mapping.
// It knows nothing about key prefixes or the Store contract's shapes.

import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import protobuf from 'protobufjs';
import { StoreError } from '../types.js';
import { ETCD_RPC_PROTO } from './etcd-rpc-proto.js';

// ---- wire shapes (proto-loader: keepCase, longs as Number, enums as String) ----------------

export interface RpcKeyValue {
  key: Buffer;
  create_revision: number;
  mod_revision: number;
  version: number;
  value: Buffer;
}
export interface RpcHeader {
  revision: number;
}
export interface RangeRequest {
  key: Buffer;
  range_end?: Buffer;
  limit?: number;
  revision?: number;
  count_only?: boolean;
  keys_only?: boolean;
}
export interface RangeResponse {
  header: RpcHeader;
  kvs: RpcKeyValue[];
  more: boolean;
  count: number;
}
export interface DeleteRangeResponse {
  header: RpcHeader;
  deleted: number;
  prev_kvs: RpcKeyValue[];
}
export interface CompareOp {
  result: 'EQUAL' | 'GREATER' | 'LESS' | 'NOT_EQUAL';
  target: 'VERSION' | 'CREATE' | 'MOD' | 'VALUE';
  key: Buffer;
  create_revision?: number;
  mod_revision?: number;
}
export interface RequestOp {
  request_range?: RangeRequest;
  request_put?: { key: Buffer; value: Buffer };
  request_delete_range?: { key: Buffer; prev_kv?: boolean };
}
export interface TxnResponse {
  header: RpcHeader;
  succeeded: boolean;
  responses: { response_range?: RangeResponse; response_delete_range?: DeleteRangeResponse }[];
}
export interface WatchResponse {
  header: RpcHeader;
  watch_id: number;
  created: boolean;
  canceled: boolean;
  compact_revision: number;
  cancel_reason: string;
  events: { type: 'PUT' | 'DELETE'; kv: RpcKeyValue; prev_kv: RpcKeyValue | null }[];
}
export interface StatusResponse {
  header: RpcHeader;
  version: string;
  leader: number;
}

export interface EtcdRpcOptions {
  endpoints: string[];
  /** Per-operation deadline, including retries. */
  timeoutMs?: number;
}

type UnaryClient = grpc.Client & Record<string, Function>;

let packageCache: grpc.GrpcObject | undefined;
function loadPackage(): grpc.GrpcObject {
  if (!packageCache) {
    const root = protobuf.parse(ETCD_RPC_PROTO, { keepCase: true }).root;
    const def = protoLoader.fromJSON(root.toJSON(), {
      keepCase: true,
      longs: Number,
      enums: String,
      defaults: true,
      oneofs: false,
    });
    packageCache = grpc.loadPackageDefinition(def);
  }
  return packageCache;
}

/** grpc-js target over all endpoints: one channel, round-robin over members that are READY. */
export function channelTarget(endpoints: string[]): string {
  const hosts = endpoints.map((e) => e.replace(/^https?:\/\//, ''));
  if (hosts.every((h) => /^\d+\.\d+\.\d+\.\d+:\d+$/.test(h))) return `ipv4:${hosts.join(',')}`;
  if (hosts.every((h) => /^\[[0-9a-fA-F:]+\]:\d+$/.test(h))) return `ipv6:${hosts.join(',')}`;
  // Host names: let DNS resolve the first one (multi-name failover needs an IP list).
  return `dns:${hosts[0]}`;
}

export class EtcdRpc {
  readonly kv: UnaryClient;
  readonly watchClient: grpc.Client & { Watch(md?: grpc.Metadata): grpc.ClientDuplexStream<object, WatchResponse> };
  readonly maintenance: UnaryClient;
  private readonly timeoutMs: number;

  constructor(opts: EtcdRpcOptions) {
    const pkg = loadPackage().etcdserverpb as grpc.GrpcObject;
    const target = channelTarget(opts.endpoints);
    const channelOptions: grpc.ChannelOptions = {
      'grpc.service_config': JSON.stringify({ loadBalancingConfig: [{ round_robin: {} }] }),
      'grpc.initial_reconnect_backoff_ms': 200,
      'grpc.max_reconnect_backoff_ms': 2000,
      'grpc.keepalive_time_ms': 10_000,
      'grpc.keepalive_timeout_ms': 5_000,
      'grpc.max_receive_message_length': 64 * 1024 * 1024,
    };
    const creds = grpc.credentials.createInsecure();
    const ctor = (name: string) => pkg[name] as unknown as new (...a: unknown[]) => grpc.Client;
    this.kv = new (ctor('KV'))(target, creds, channelOptions) as UnaryClient;
    const channelOverride = this.kv.getChannel();
    this.watchClient = new (ctor('Watch'))(target, creds, { channelOverride }) as never;
    this.maintenance = new (ctor('Maintenance'))(target, creds, { channelOverride }) as UnaryClient;
    this.timeoutMs = opts.timeoutMs ?? 5000;
  }

  range(req: RangeRequest): Promise<RangeResponse> {
    return this.call(this.kv, 'Range', req, true);
  }
  txn(req: { compare: CompareOp[]; success: RequestOp[]; failure: RequestOp[] }): Promise<TxnResponse> {
    return this.call(this.kv, 'Txn', req, false);
  }
  compact(revision: number): Promise<{ header: RpcHeader }> {
    return this.call(this.kv, 'Compact', { revision, physical: true }, true);
  }
  status(): Promise<StatusResponse> {
    return this.call(this.maintenance, 'Status', {}, true);
  }

  openWatch(): grpc.ClientDuplexStream<object, WatchResponse> {
    // Without a leader a member would keep the stream open and silent; ask it to cancel instead.
    const md = new grpc.Metadata();
    md.set('hasleader', 'true');
    return this.watchClient.Watch(md);
  }

  close(): void {
    this.watchClient.close();
    this.maintenance.close();
    this.kv.close();
  }

  /**
   * One unary call with an overall deadline. Failures that prove the request never reached a
   * leader are retried until the deadline (for reads, any unavailability is retried).
   */
  private async call<T>(client: UnaryClient, method: string, req: object, idempotent: boolean): Promise<T> {
    const deadline = Date.now() + this.timeoutMs;
    let delay = 50;
    for (;;) {
      try {
        return await new Promise<T>((resolve, reject) => {
          client[method](req, { deadline }, (err: grpc.ServiceError | null, res: T) =>
            err ? reject(err) : resolve(res),
          );
        });
      } catch (err) {
        const e = err as grpc.ServiceError;
        const retry = idempotent ? isUnavailable(e) : neverApplied(e);
        if (!retry || Date.now() + delay >= deadline) throw toStoreError(e, method, this.timeoutMs);
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, 500);
      }
    }
  }
}

function isUnavailable(e: grpc.ServiceError): boolean {
  return (
    e.code === grpc.status.UNAVAILABLE ||
    e.code === grpc.status.DEADLINE_EXCEEDED ||
    /no leader|leader changed|timed out|not capable|too many requests/.test(e.details ?? '')
  );
}

/** Errors after which the write is known not to have been proposed to raft. */
function neverApplied(e: grpc.ServiceError): boolean {
  const d = e.details ?? '';
  if (/no leader|not capable|too many requests/.test(d)) return true;
  return e.code === grpc.status.UNAVAILABLE && /No connection established|ECONNREFUSED|connect/i.test(d);
}

export function toStoreError(e: grpc.ServiceError, what: string, timeoutMs?: number): Error {
  const d = e.details ?? e.message;
  if (/required revision has been compacted/.test(d)) return new StoreError('Compacted', `etcd ${what}: ${d}`);
  if (/required revision is a future revision/.test(d)) return new StoreError('FutureRevision', `etcd ${what}: ${d}`);
  if (isUnavailable(e)) {
    const after = timeoutMs ? ` (gave up after ${timeoutMs} ms)` : '';
    return new StoreError('Unavailable', `etcd ${what} unavailable${after}: ${d}`);
  }
  return new Error(`etcd ${what} failed: ${grpc.status[e.code] ?? e.code}: ${d}`);
}
