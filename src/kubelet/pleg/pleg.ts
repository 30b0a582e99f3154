// The pod lifecycle event generator: tells the pod workers which pods' runtime state changed
// without the kubelet having caused it (a container exited or was OOM-killed, a sandbox died).
// Events come from CRI GetContainerEvents when the runtime has it, else from containerd's own
// task events on the same socket (containerd 1.6); a relist every 10 s stays as a safety net,
// as in upstream's evented PLEG, and becomes every 1 s while no event stream works. It owns only
// its subscription and its last relist; it never changes runtime state and never writes to
// the API. Decisions are pure functions in relist.ts and lifecycle-events.ts.
import type { Logger } from 'pino';
import type { RuntimeService } from '../cri/types.js';
import type { RuntimePort } from '../pods/cri-port.js';
import type { TaskEvent } from './containerd-events.js';
import { fromCriEvent, fromTaskEvent, wakesPodWorker, type PodLifecycleEvent } from './lifecycle-events.js';
import { changedPods, fingerprints, ownersOf, type RuntimeIdOwner } from './relist.js';

const GRPC_UNIMPLEMENTED = 12;
const MAX_UNKNOWN_EVENTS = 1_000;

export const RELIST_PERIOD_MS = 1_000;
export const EVENTED_RELIST_PERIOD_MS = 10_000;

export interface PlegOptions {
  /** relist period while no event stream works (upstream's generic PLEG: 1 s) */
  relistMs?: number;
  /** relist period while events arrive (upstream's evented PLEG keeps a slow relist) */
  eventedRelistMs?: number;
  /** wait before re-subscribing after a stream failed */
  resubscribeMs?: number;
  /** how long an exit is awaited in the CRI view before the pod worker is woken anyway */
  settleTimeoutMs?: number;
  settlePollMs?: number;
}

export interface PlegDeps {
  runtime: RuntimePort & Partial<Pick<RuntimeService, 'getContainerEvents'>>;
  /** containerd's task events (absent: a runtime that is not containerd, or tests) */
  containerdEvents?: { subscribe(signal: AbortSignal): AsyncIterable<TaskEvent> };
  /** wakes the pod worker of a pod UID */
  onChange(uid: string): void;
  logger: Logger;
}

type Source = 'cri' | 'containerd' | 'none';

export class PLEG {
  private fingerprints = new Map<string, string>();
  private owners = new Map<string, RuntimeIdOwner>();
  private readonly settling = new Set<string>();
  /** Events naming ids the last relist did not know, for the next relist to place. */
  private readonly unknown: PodLifecycleEvent[] = [];
  private source: Source | undefined;
  private streaming = false;
  private wake?: () => void;
  private relistWanted = false;
  private readonly relistMs: number;
  private readonly eventedRelistMs: number;
  private readonly resubscribeMs: number;
  private readonly settleTimeoutMs: number;
  private readonly settlePollMs: number;

  constructor(private readonly deps: PlegDeps, opts: PlegOptions = {}) {
    this.relistMs = opts.relistMs ?? RELIST_PERIOD_MS;
    this.eventedRelistMs = opts.eventedRelistMs ?? EVENTED_RELIST_PERIOD_MS;
    this.resubscribeMs = opts.resubscribeMs ?? 5_000;
    this.settleTimeoutMs = opts.settleTimeoutMs ?? 2_000;
    this.settlePollMs = opts.settlePollMs ?? 25;
  }

  /** The pod UIDs the runtime knows, as of the last relist. */
  knownPods(): IterableIterator<string> {
    return this.fingerprints.keys();
  }

  /** Where events come from now: 'cri', 'containerd', or 'none' (relisting every second). */
  eventSource(): Source {
    return this.streaming && this.source ? this.source : 'none';
  }

  /** The relist period in force. */
  relistPeriodMs(): number {
    return this.streaming ? this.eventedRelistMs : this.relistMs;
  }

  async relist(): Promise<void> {
    const [s, c] = await Promise.all([this.deps.runtime.listPodSandbox({}), this.deps.runtime.listContainers({})]);
    const sandboxes = s.items ?? [];
    const containers = c.containers ?? [];
    const next = fingerprints(sandboxes, containers);
    const changed = changedPods(this.fingerprints, next);
    this.fingerprints = next;
    this.owners = ownersOf(sandboxes, containers);
    for (const uid of changed) this.deps.onChange(uid);
    const unknown = this.unknown.splice(0);
    for (const e of unknown) {
      const owner = this.owners.get(e.id);
      if (owner) void this.settleThenWake(e.id, owner);
    }
  }

  async run(signal: AbortSignal): Promise<void> {
    const events = this.watchEvents(signal);
    while (!signal.aborted) {
      this.relistWanted = false;
      try {
        await this.relist();
      } catch (err) {
        this.deps.logger.warn({ err }, 'PLEG relist failed');
      }
      if (!this.relistWanted) await this.sleep(this.relistPeriodMs(), signal);
    }
    await events;
  }

  /** Wakes the pod worker an event concerns (after the exit shows in the CRI view), or relists for an unknown id. */
  handle(e: PodLifecycleEvent): void {
    if (!wakesPodWorker(e)) return;
    const owner = e.podUID ? { podUID: e.podUID, kind: 'container' as const } : this.owners.get(e.id);
    if (!owner) {
      // A container this PLEG has not listed yet (it started and ended between relists): relist,
      // then treat the event as if it had been known (the relist may still show it running).
      if (this.unknown.length < MAX_UNKNOWN_EVENTS) this.unknown.push(e);
      this.requestRelist();
      return;
    }
    if (e.settled) return this.deps.onChange(owner.podUID);
    void this.settleThenWake(e.id, owner);
  }

  /**
   * containerd publishes an exit before the CRI plugin has recorded it; a sync started at once
   * would still see the container running. Wait (briefly) until the CRI view shows it.
   */
  private async settleThenWake(id: string, owner: RuntimeIdOwner): Promise<void> {
    if (this.settling.has(id)) return;
    this.settling.add(id);
    try {
      const deadline = Date.now() + this.settleTimeoutMs;
      while (Date.now() < deadline) {
        if (await this.stopped(id, owner.kind)) break;
        await new Promise((r) => setTimeout(r, this.settlePollMs));
      }
    } finally {
      this.settling.delete(id);
    }
    this.deps.onChange(owner.podUID);
  }

  private async stopped(id: string, kind: RuntimeIdOwner['kind']): Promise<boolean> {
    const { runtime } = this.deps;
    try {
      if (kind === 'sandbox') return (await runtime.podSandboxStatus({ pod_sandbox_id: id })).status?.state !== 'SANDBOX_READY';
      return (await runtime.containerStatus({ container_id: id })).status?.state !== 'CONTAINER_RUNNING';
    } catch {
      return true; // gone: the sync will see that
    }
  }

  private requestRelist(): void {
    this.relistWanted = true;
    this.wake?.();
  }

  private setStreaming(source: Source, on: boolean): void {
    const was = this.streaming;
    this.source = source;
    this.streaming = on;
    // A new stream may have missed what happened before it: relist now (level-triggered).
    if (on && !was) this.requestRelist();
    // Falling back to the fast relist must not wait out the slow period.
    if (!on && was) this.wake?.();
  }

  /** Streams events from the best source the runtime offers, re-subscribing after failures. */
  private async watchEvents(signal: AbortSignal): Promise<void> {
    let useCri = typeof this.deps.runtime.getContainerEvents === 'function';
    let useContainerd = this.deps.containerdEvents !== undefined;
    while (!signal.aborted && (useCri || useContainerd)) {
      const source: Source = useCri ? 'cri' : 'containerd';
      try {
        this.setStreaming(source, true);
        if (source === 'cri') {
          for await (const ev of this.deps.runtime.getContainerEvents!(signal)) {
            const e = fromCriEvent(ev);
            if (e) this.handle(e);
          }
        } else {
          for await (const ev of this.deps.containerdEvents!.subscribe(signal)) {
            const e = fromTaskEvent(ev);
            if (e) this.handle(e);
          }
        }
        if (signal.aborted) break;
        throw new Error('event stream ended');
      } catch (err) {
        this.setStreaming(source, false);
        if (signal.aborted) break;
        if ((err as { code?: unknown }).code === GRPC_UNIMPLEMENTED) {
          if (source === 'cri') useCri = false;
          else useContainerd = false;
          this.deps.logger.info({ source }, source === 'cri' ? 'the runtime has no CRI container events; trying containerd events' : 'the runtime has no containerd events; relisting every second');
          continue;
        }
        this.deps.logger.warn({ err, source }, 'runtime event stream failed; relisting every second until it is back');
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(done, this.resubscribeMs);
        function done(): void {
          clearTimeout(t);
          signal.removeEventListener('abort', done);
          resolve();
        }
        signal.addEventListener('abort', done, { once: true });
      });
    }
    this.setStreaming('none', false);
  }

  private sleep(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal.aborted) return resolve();
      const done = (): void => {
        clearTimeout(t);
        signal.removeEventListener('abort', done);
        if (this.wake === done) this.wake = undefined;
        resolve();
      };
      const t = setTimeout(done, ms);
      this.wake = done;
      signal.addEventListener('abort', done, { once: true });
    });
  }
}
