// Contracts of the shared informers, the event recorder and leader election, implemented in
// src/client/. Controllers and the scheduler are written against these.
import type { KubeObject } from '../api/object.js';
import type { GroupVersionResource } from './types.js';

export interface ResourceEventHandler<T extends KubeObject = KubeObject> {
  onAdd?(obj: T): void;
  onUpdate?(oldObj: T, newObj: T): void;
  /** For deletes the informer missed (relist), obj is the last state it knew. */
  onDelete?(obj: T): void;
}

/** Index function: the index values an object is filed under (e.g. its namespace, its node). */
export type IndexFunc<T extends KubeObject = KubeObject> = (obj: T) => string[];

export interface InformerStore<T extends KubeObject = KubeObject> {
  /** key = "namespace/name" or "name" (see objectKey in resources.ts). Objects are shared: never mutate them. */
  get(key: string): T | undefined;
  list(): T[];
  byIndex(indexName: string, value: string): T[];
  readonly size: number;
}

export interface Informer<T extends KubeObject = KubeObject> {
  readonly gvr: GroupVersionResource;
  readonly store: InformerStore<T>;
  addEventHandler(h: ResourceEventHandler<T>): void;
  addIndexers(indexers: Record<string, IndexFunc<T>>): void;
  hasSynced(): boolean;
}

export interface InformerOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
}

export interface SharedInformerFactory {
  /** One informer per (gvr, options); asking twice returns the same instance. */
  informerFor<T extends KubeObject = KubeObject>(gvr: GroupVersionResource, opts?: InformerOptions): Informer<T>;
  /** Starts every informer created so far (and later ones as they are created). */
  start(signal: AbortSignal): void;
  /** Resolves when every started informer has listed once. */
  waitForSync(signal: AbortSignal): Promise<void>;
}

export interface EventRecorder {
  /** Records a core/v1 Event about obj (aggregating repeats into count/lastTimestamp). */
  event(obj: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string): void;
}

export interface Clock {
  now(): Date;
}

export const realClock: Clock = { now: () => new Date() };
