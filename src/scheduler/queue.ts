// SchedulingQueue: upstream's PriorityQueue. activeQ pops by priority, then by enqueue time;
// pods that failed wait out a per-pod back-off (1 s doubling up to 10 s) in backoffQ; pods no
// node could take wait in unschedulablePods until a cluster event that could help them (node
// added/changed, pod deleted, ...) or a timeout moves them back. Gated pods
// (spec.schedulingGates) wait aside. Timers are driven by run(); tests call the flush methods.
import type { Pod } from './api-types.js';
import { Heap } from './heap.js';
import { PodInfo } from './node-info.js';

export interface QueuedPodInfo {
  podInfo: PodInfo;
  readonly key: string;
  /** When the pod last entered a queue (ms); orders activeQ within a priority. */
  timestamp: number;
  /** Scheduling attempts so far; drives the back-off. */
  attempts: number;
  initialAttemptTimestamp?: number;
  /** Plugins that rejected the pod last time; only events they care about move it. */
  unschedulablePlugins: Set<string>;
}

export type ClusterEvent =
  | 'NodeAdd'
  | 'NodeUpdate'
  | 'AssignedPodAdd'
  | 'AssignedPodUpdate'
  | 'AssignedPodDelete'
  | 'UnschedulableTimeout'
  | 'ForceActivate'
  | 'PersistentVolumeClaimChange'
  | 'PersistentVolumeChange'
  | 'StorageClassChange';

/** Which plugins' rejections an event may resolve (EventsToRegister, coarsened). */
const EVENT_PLUGINS: Record<ClusterEvent, ReadonlySet<string> | 'all'> = {
  NodeAdd: 'all',
  NodeUpdate: 'all',
  AssignedPodAdd: new Set(['InterPodAffinity', 'PodTopologySpread']),
  AssignedPodUpdate: new Set(['InterPodAffinity', 'PodTopologySpread', 'NodeResourcesFit']),
  AssignedPodDelete: new Set(['NodeResourcesFit', 'NodePorts', 'InterPodAffinity', 'PodTopologySpread', 'DefaultPreemption', 'VolumeRestrictions']),
  UnschedulableTimeout: 'all',
  ForceActivate: 'all',
  PersistentVolumeClaimChange: new Set(['VolumeBinding', 'VolumeRestrictions']),
  PersistentVolumeChange: new Set(['VolumeBinding']),
  StorageClassChange: new Set(['VolumeBinding']),
};

export function eventMayHelp(event: ClusterEvent, unschedulablePlugins: ReadonlySet<string>): boolean {
  const plugins = EVENT_PLUGINS[event];
  if (plugins === 'all' || unschedulablePlugins.size === 0) return true;
  for (const p of unschedulablePlugins) if (plugins.has(p)) return true;
  return false;
}

export interface QueueOptions {
  now: () => number;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** How long a pod may sit in unschedulablePods before it is retried anyway. */
  maxUnschedulableMs?: number;
}

/** Back-off after attempts failures: initial, doubled per further attempt, capped. */
export function backoffDuration(attempts: number, initialMs: number, maxMs: number): number {
  let d = initialMs;
  for (let i = 1; i < attempts; i++) {
    d *= 2;
    if (d > maxMs) return maxMs;
  }
  return Math.min(d, maxMs);
}

const activeLess = (a: QueuedPodInfo, b: QueuedPodInfo): boolean => {
  const pa = a.podInfo.priority;
  const pb = b.podInfo.priority;
  return pa > pb || (pa === pb && a.timestamp < b.timestamp);
};

/** Status-only changes (our own PodScheduled condition) do not make a pod worth retrying. */
function specOrMetaChanged(oldPod: Pod, newPod: Pod): boolean {
  if (oldPod.spec !== newPod.spec && JSON.stringify(oldPod.spec) !== JSON.stringify(newPod.spec)) return true;
  const a = oldPod.metadata;
  const b = newPod.metadata;
  return JSON.stringify(a.labels) !== JSON.stringify(b.labels) || JSON.stringify(a.annotations) !== JSON.stringify(b.annotations);
}

export class SchedulingQueue {
  private readonly activeHeap = new Heap<QueuedPodInfo>(activeLess);
  private readonly active = new Map<string, QueuedPodInfo>();
  private readonly backoffHeap = new Heap<{ qpi: QueuedPodInfo; expiry: number }>((a, b) => a.expiry < b.expiry);
  private readonly backoff = new Map<string, QueuedPodInfo>();
  private readonly unschedulable = new Map<string, { qpi: QueuedPodInfo; since: number }>();
  private readonly gated = new Map<string, QueuedPodInfo>();
  private readonly inFlight = new Set<string>();
  private waiters: (() => void)[] = [];
  private closed = false;
  /** Incremented per pop; a move request during a cycle sends its failure to backoffQ. */
  schedulingCycle = 0;
  private moveRequestCycle = -1;
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly maxUnschedulableMs: number;

  constructor(private readonly opts: QueueOptions) {
    this.initialBackoffMs = opts.initialBackoffMs ?? 1_000;
    this.maxBackoffMs = opts.maxBackoffMs ?? 10_000;
    this.maxUnschedulableMs = opts.maxUnschedulableMs ?? 60_000;
  }

  private newQueued(pod: Pod): QueuedPodInfo {
    const info = new PodInfo(pod);
    return { podInfo: info, key: info.key, timestamp: this.opts.now(), attempts: 0, unschedulablePlugins: new Set() };
  }

  private pushActive(qpi: QueuedPodInfo): void {
    this.backoff.delete(qpi.key);
    this.unschedulable.delete(qpi.key);
    this.gated.delete(qpi.key);
    this.active.set(qpi.key, qpi);
    this.activeHeap.push(qpi);
    this.waiters.shift()?.();
  }

  private pushBackoff(qpi: QueuedPodInfo): void {
    this.active.delete(qpi.key);
    this.unschedulable.delete(qpi.key);
    this.backoff.set(qpi.key, qpi);
    this.backoffHeap.push({ qpi, expiry: this.backoffExpiry(qpi) });
  }

  private backoffExpiry(qpi: QueuedPodInfo): number {
    return qpi.timestamp + backoffDuration(qpi.attempts, this.initialBackoffMs, this.maxBackoffMs);
  }

  private isBackingOff(qpi: QueuedPodInfo): boolean {
    return qpi.attempts > 0 && this.backoffExpiry(qpi) > this.opts.now();
  }

  private has(key: string): boolean {
    return this.active.has(key) || this.backoff.has(key) || this.unschedulable.has(key) || this.gated.has(key);
  }

  /** A new pending pod (PreEnqueue: gated pods wait aside). */
  add(pod: Pod): void {
    if (this.closed) return;
    const qpi = this.newQueued(pod);
    if (this.has(qpi.key) || this.inFlight.has(qpi.key)) return this.update(undefined, pod);
    if (pod.spec.schedulingGates?.length) this.gated.set(qpi.key, qpi);
    else this.pushActive(qpi);
  }

  update(oldPod: Pod | undefined, newPod: Pod): void {
    if (this.closed) return;
    const key = `${newPod.metadata.namespace ?? ''}/${newPod.metadata.name}`;
    const refresh = (qpi: QueuedPodInfo) => {
      qpi.podInfo = new PodInfo(newPod);
      return qpi;
    };
    const a = this.active.get(key);
    if (a) {
      // Priority may have changed: re-file it (the stale heap entry is skipped on pop).
      this.active.delete(key);
      this.pushActive(refresh({ ...a }));
      return;
    }
    const b = this.backoff.get(key);
    if (b) {
      refresh(b);
      return;
    }
    const g = this.gated.get(key);
    if (g) {
      refresh(g);
      if (!newPod.spec.schedulingGates?.length) this.pushActive(g);
      return;
    }
    const u = this.unschedulable.get(key);
    if (u) {
      refresh(u.qpi);
      if (!oldPod || specOrMetaChanged(oldPod, newPod)) {
        if (this.isBackingOff(u.qpi)) this.pushBackoff(u.qpi);
        else this.pushActive(u.qpi);
      }
      return;
    }
    if (!this.inFlight.has(key)) this.add(newPod);
  }

  delete(pod: Pod): void {
    const key = `${pod.metadata.namespace ?? ''}/${pod.metadata.name}`;
    this.active.delete(key);
    this.backoff.delete(key);
    this.unschedulable.delete(key);
    this.gated.delete(key);
  }

  /** The next pod to schedule, waiting if none; undefined once closed. */
  async pop(): Promise<QueuedPodInfo | undefined> {
    for (;;) {
      if (this.closed) return undefined;
      const qpi = this.tryPop();
      if (qpi) return qpi;
      await new Promise<void>((r) => this.waiters.push(r));
    }
  }

  /** Non-blocking pop, for synchronous drivers (benchmarks, tests). */
  tryPop(): QueuedPodInfo | undefined {
    while (this.activeHeap.length) {
      const qpi = this.activeHeap.pop()!;
      if (this.active.get(qpi.key) !== qpi) continue;
      this.active.delete(qpi.key);
      qpi.attempts++;
      qpi.initialAttemptTimestamp ??= this.opts.now();
      this.schedulingCycle++;
      this.inFlight.add(qpi.key);
      return qpi;
    }
    return undefined;
  }

  /** The cycle for key ended (bound, re-queued or dropped). */
  done(key: string): void {
    this.inFlight.delete(key);
  }

  /**
   * Files a pod that failed in cycle podCycle. Errors (not unschedulable) and pods whose cycle
   * overlapped a move request go to backoffQ; others wait for an event in unschedulablePods.
   */
  addUnschedulable(qpi: QueuedPodInfo, podCycle: number, error = false): void {
    this.inFlight.delete(qpi.key);
    if (this.closed || this.has(qpi.key)) return;
    qpi.timestamp = this.opts.now();
    if (error || this.moveRequestCycle >= podCycle) this.pushBackoff(qpi);
    else this.unschedulable.set(qpi.key, { qpi, since: qpi.timestamp });
  }

  /** A cluster event: pods it may help leave unschedulablePods (to backoffQ if still backing off). */
  moveAllToActiveOrBackoff(event: ClusterEvent): void {
    this.moveRequestCycle = this.schedulingCycle;
    for (const { qpi } of [...this.unschedulable.values()]) {
      if (!eventMayHelp(event, qpi.unschedulablePlugins)) continue;
      if (this.isBackingOff(qpi)) this.pushBackoff(qpi);
      else this.pushActive(qpi);
    }
  }

  /** Pods whose back-off has expired go to activeQ (upstream runs this every second). */
  flushBackoffCompleted(): void {
    const now = this.opts.now();
    for (;;) {
      const top = this.backoffHeap.peek();
      if (!top || top.expiry > now) return;
      this.backoffHeap.pop();
      if (this.backoff.get(top.qpi.key) !== top.qpi) continue;
      if (this.backoffExpiry(top.qpi) > now) {
        this.backoffHeap.push({ qpi: top.qpi, expiry: this.backoffExpiry(top.qpi) });
        continue;
      }
      this.pushActive(top.qpi);
    }
  }

  /** Pods stuck in unschedulablePods longer than maxUnschedulableMs are retried. */
  flushUnschedulableLeftover(): void {
    const now = this.opts.now();
    for (const { qpi, since } of [...this.unschedulable.values()]) {
      if (now - since < this.maxUnschedulableMs) continue;
      if (this.isBackingOff(qpi)) this.pushBackoff(qpi);
      else this.pushActive(qpi);
    }
  }

  /** Drives the flush timers until signal aborts, then closes the queue. */
  run(signal: AbortSignal): void {
    const backoffTimer = setInterval(() => this.flushBackoffCompleted(), 1_000);
    const leftoverTimer = setInterval(() => this.flushUnschedulableLeftover(), 30_000);
    backoffTimer.unref();
    leftoverTimer.unref();
    signal.addEventListener('abort', () => {
      clearInterval(backoffTimer);
      clearInterval(leftoverTimer);
      this.close();
    }, { once: true });
  }

  close(): void {
    this.closed = true;
    for (const w of this.waiters.splice(0)) w();
  }

  stats(): { active: number; backoff: number; unschedulable: number; gated: number; inFlight: number } {
    return { active: this.active.size, backoff: this.backoff.size, unschedulable: this.unschedulable.size, gated: this.gated.size, inFlight: this.inFlight.size };
  }

  isUnschedulable(key: string): boolean {
    return this.unschedulable.has(key);
  }
}
