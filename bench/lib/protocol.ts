// Messages between the benchmark process (which hosts the server under test) and the load
// client child process. Plain JSON-serialisable data only: they cross an IPC channel.
import type { LatencySummary } from './stats.js';

/** Where the client connects and with which credentials. */
export interface Target {
  /** https://127.0.0.1:PORT */
  url: string;
  caPem?: string;
  certPem?: string;
  keyPem?: string;
}

interface Timed {
  concurrency: number;
  seconds: number;
  /** Stop early after this many operations (all workers together). */
  maxOps?: number;
}

/** Pods are named `${prefix}${i}` so that later phases can address what a fill created. */
export type LoadSpec =
  | ({ kind: 'create'; namespace: string; prefix: string } & Timed)
  | { kind: 'fill'; namespace: string; prefix: string; count: number; concurrency: number }
  | ({ kind: 'get'; namespace: string; prefix: string; count: number } & Timed)
  | ({ kind: 'update'; namespace: string; prefix: string; count: number } & Timed)
  | ({ kind: 'list'; namespace: string; expect: number } & Timed)
  | ({ kind: 'raw'; method: 'GET' | 'POST'; path: string } & Timed)
  | { kind: 'watch'; namespace: string; prefix: string; watchers: number; seconds: number; maxEvents: number };

export interface WatchResult {
  writes: LatencySummary;
  /** Write response received -> event received by a watcher (0 if the event came first). */
  delivery: LatencySummary;
  /** Write request sent -> event received by a watcher. */
  deliveryFromSend: LatencySummary;
  expected: number;
  delivered: number;
}

export type LoadResult = LatencySummary | WatchResult;

export interface LoadRequest {
  id: number;
  target: Target;
  /** The Pod every created object is cloned from (JSON text). */
  podJson: string;
  spec: LoadSpec;
}

export type LoadReply = { id: number; ok: true; result: LoadResult } | { id: number; ok: false; error: string };
