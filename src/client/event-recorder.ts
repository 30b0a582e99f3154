// The event recorder: turns "something happened to this object" into core/v1 Events, as
// client-go's record package does. Owns the write path of Events only: repeats of an identical
// event (same source, object, type, reason, message) within 10 minutes become one Event whose
// count and lastTimestamp grow. Recording never blocks or throws: writes go through a bounded
// queue drained by one background worker, and events that cannot be written are dropped.
import type { KubeObject } from '../api/object.js';
import type { Clock, EventRecorder } from './informer-types.js';
import { realClock } from './informer-types.js';
import { R } from './resources.js';
import { ApiError, isNotFound, type KubeClient } from './types.js';

/** Identical events seen within this window are aggregated (client-go's maxLruCacheEntries is about size; this is about time). */
export const AGGREGATION_WINDOW_MS = 10 * 60 * 1000;

export interface EventRecorderOptions {
  clock?: Clock;
  /** Distinct pending events beyond this are dropped (default 1000). */
  maxQueued?: number;
  /** Remembered distinct events for aggregation (default 4096). */
  maxCached?: number;
  logger?: { warn(obj: object, msg: string): void };
}

/** What an event is about (core/v1 ObjectReference). */
export interface ObjectReference {
  kind?: string;
  namespace?: string;
  name?: string;
  uid?: string;
  apiVersion?: string;
  resourceVersion?: string;
}

export function referenceTo(obj: KubeObject): ObjectReference {
  const m = obj.metadata;
  const ref: ObjectReference = { kind: obj.kind, name: m.name, apiVersion: obj.apiVersion };
  if (m.namespace) ref.namespace = m.namespace;
  if (m.uid) ref.uid = m.uid;
  if (m.resourceVersion) ref.resourceVersion = m.resourceVersion;
  return ref;
}

/** The aggregation key: everything that makes two events "the same" (pure). */
export function aggregationKey(component: string, host: string, ref: ObjectReference, type: string, reason: string, message: string): string {
  return [component, host, ref.kind, ref.namespace ?? '', ref.name, ref.uid ?? '', ref.apiVersion ?? '', type, reason, message].join('\u0000');
}

/** Upstream's event name: `<object name>.<unix nanoseconds in hex>` (pure). */
export function eventName(objectName: string, at: Date, seq = 0): string {
  const nanos = BigInt(at.getTime()) * 1_000_000n + BigInt(seq % 1_000_000);
  return `${objectName}.${nanos.toString(16)}`;
}

/** RFC 3339 with second precision, as metav1.Time serialises. */
function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

interface Aggregate {
  key: string;
  name: string;
  namespace: string;
  ref: ObjectReference;
  type: string;
  reason: string;
  message: string;
  count: number;
  first: Date;
  last: Date;
  /** The Event exists on the server (created once). */
  created: boolean;
  /** count/lastTimestamp changed since the last write. */
  queued: boolean;
}

export function createEventRecorder(client: KubeClient, component: string, host = '', opts: EventRecorderOptions = {}): EventRecorder & { flush(): Promise<void> } {
  return new AggregatingEventRecorder(client, component, host, opts);
}

class AggregatingEventRecorder implements EventRecorder {
  private readonly clock: Clock;
  private readonly cache = new Map<string, Aggregate>();
  private readonly queue: Aggregate[] = [];
  private draining: Promise<void> | null = null;
  private seq = 0;

  constructor(private readonly client: KubeClient, private readonly component: string, private readonly host: string, private readonly opts: EventRecorderOptions) {
    this.clock = opts.clock ?? realClock;
  }

  event(obj: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string): void {
    const ref = referenceTo(obj);
    const key = aggregationKey(this.component, this.host, ref, type, reason, message);
    const now = this.clock.now();
    let agg = this.cache.get(key);
    if (agg && now.getTime() - agg.last.getTime() <= AGGREGATION_WINDOW_MS) {
      agg.count++;
      agg.last = now;
      // Keep the Map in recency order so the oldest entry is evicted first.
      this.cache.delete(key);
      this.cache.set(key, agg);
    } else {
      agg = {
        key,
        name: eventName(ref.name ?? 'unknown', now, this.seq++),
        // Events about cluster-scoped objects live in "default", as upstream.
        namespace: ref.namespace || 'default',
        ref,
        type,
        reason,
        message,
        count: 1,
        first: now,
        last: now,
        created: false,
        queued: false,
      };
      this.cache.delete(key);
      this.cache.set(key, agg);
      const max = this.opts.maxCached ?? 4096;
      if (this.cache.size > max) this.cache.delete(this.cache.keys().next().value!);
    }
    if (agg.queued) return; // the pending write will carry the new count
    if (this.queue.length >= (this.opts.maxQueued ?? 1000)) {
      this.opts.logger?.warn({ reason, object: ref.name }, 'event queue full, dropping event');
      return;
    }
    agg.queued = true;
    this.queue.push(agg);
    this.draining ??= this.drain();
  }

  /** Resolves when every event recorded so far has been written (or dropped). */
  async flush(): Promise<void> {
    while (this.draining) await this.draining;
  }

  private async drain(): Promise<void> {
    try {
      for (let agg = this.queue.shift(); agg; agg = this.queue.shift()) {
        agg.queued = false;
        await this.write(agg);
      }
    } finally {
      this.draining = null;
    }
  }

  private async write(agg: Aggregate): Promise<void> {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        if (agg.created) {
          try {
            await this.client.patch(R.events, agg.namespace, agg.name, 'strategic', {
              count: agg.count,
              lastTimestamp: rfc3339(agg.last),
              message: agg.message,
            });
            return;
          } catch (err) {
            // The Event expired or was deleted: start over with a fresh one.
            if (!isNotFound(err)) throw err;
            agg.created = false;
          }
        }
        await this.client.create(R.events, agg.namespace, this.toEvent(agg));
        agg.created = true;
        return;
      } catch (err) {
        // 4xx (terminating namespace, forbidden, invalid) will not get better by retrying.
        if (err instanceof ApiError && err.code >= 400 && err.code < 500 && err.code !== 429) {
          if (err.code === 409 && !agg.created) agg.created = true;
          else {
            // Events about objects in a namespace being deleted are expected to go nowhere.
            const terminating = err.code === 403 && /because it is being terminated/.test(err.message);
            if (!terminating) this.opts.logger?.warn({ err, reason: agg.reason, object: agg.ref.name }, 'event rejected, dropping it');
            return;
          }
          continue;
        }
        if (attempt === 2) {
          this.opts.logger?.warn({ err, reason: agg.reason, object: agg.ref.name }, 'could not write event, dropping it');
          return;
        }
        await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
      }
    }
  }

  private toEvent(agg: Aggregate): KubeObject {
    return {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: agg.name, namespace: agg.namespace },
      involvedObject: agg.ref,
      reason: agg.reason,
      message: agg.message,
      type: agg.type,
      source: this.host ? { component: this.component, host: this.host } : { component: this.component },
      firstTimestamp: rfc3339(agg.first),
      lastTimestamp: rfc3339(agg.last),
      count: agg.count,
      eventTime: null,
      reportingComponent: this.component,
      reportingInstance: this.host,
    } as unknown as KubeObject;
  }
}
