// Lease-based leader election (client-go's leaderelection with a coordination.k8s.io/v1 Lease
// lock): candidates race to hold a Lease; the holder renews it every retry period and stops
// leading when it cannot renew within the renew deadline; others take over once the holder has
// not renewed for a full lease duration, judged by their own clock since they last saw the
// record change (so clock skew between machines does not matter). Owns only its one Lease.
import type { KubeObject } from '../api/object.js';
import type { Clock } from './informer-types.js';
import { realClock } from './informer-types.js';
import { R } from './resources.js';
import { isAlreadyExists, isConflict, isNotFound, type KubeClient } from './types.js';
import { sleep } from '../util/sleep.js';

export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

interface Lease extends KubeObject {
  spec?: LeaseSpec;
}

export interface LeaderElectorConfig {
  client: KubeClient;
  namespace?: string;
  name: string;
  identity: string;
  leaseDurationSeconds?: number;
  renewDeadlineSeconds?: number;
  retryPeriodSeconds?: number;
  /** Give the Lease up (holder cleared) when run's signal aborts while leading. Default true. */
  releaseOnCancel?: boolean;
  clock?: Clock;
  logger?: { warn(obj: object, msg: string): void; info?(obj: object, msg: string): void };
}

export interface LeaderCallbacks {
  /** Called on becoming leader; leaderSignal aborts when leadership ends. */
  onStartedLeading(leaderSignal: AbortSignal): void | Promise<void>;
  /** Called when leadership that was held ends (lost, or run's signal aborted). */
  onStoppedLeading?(): void;
  /** Called when a (new) leader is observed, including ourselves. */
  onNewLeader?(identity: string): void;
}

/** The Lease MicroTime format: RFC 3339 with microseconds. */
export function microTime(d: Date): string {
  return d.toISOString().replace(/Z$/, '000Z');
}

/**
 * May `identity` take or renew the lease now? Yes when nobody holds it, when it already holds
 * it, or when the holder has not changed the record for a full lease duration since
 * observedAtMs (our clock's time when we last saw the record change). Pure.
 */
export function mayAcquire(spec: LeaseSpec | undefined, identity: string, observedAtMs: number, nowMs: number): boolean {
  if (!spec?.holderIdentity) return true;
  if (spec.holderIdentity === identity) return true;
  return observedAtMs + (spec.leaseDurationSeconds ?? 0) * 1000 <= nowMs;
}

/** The spec to write when identity takes or renews the lease at now (pure). */
export function nextLeaseSpec(current: LeaseSpec | undefined, identity: string, leaseDurationSeconds: number, now: Date): LeaseSpec {
  const t = microTime(now);
  const renewing = current?.holderIdentity === identity;
  const transitions = current?.leaseTransitions ?? 0;
  return {
    holderIdentity: identity,
    leaseDurationSeconds,
    acquireTime: renewing && current?.acquireTime ? current.acquireTime : t,
    renewTime: t,
    // A change of holder counts as a transition; the very first holder does not.
    leaseTransitions: renewing || !current?.holderIdentity ? transitions : transitions + 1,
  };
}

function sameRecord(a: LeaseSpec | undefined, b: LeaseSpec | undefined): boolean {
  return (
    a?.holderIdentity === b?.holderIdentity &&
    a?.leaseDurationSeconds === b?.leaseDurationSeconds &&
    a?.acquireTime === b?.acquireTime &&
    a?.renewTime === b?.renewTime &&
    a?.leaseTransitions === b?.leaseTransitions
  );
}

export class LeaderElector {
  private readonly client: KubeClient;
  private readonly namespace: string;
  private readonly clock: Clock;
  private readonly leaseDurationS: number;
  private readonly renewDeadlineMs: number;
  private readonly retryMs: number;
  private observed: Lease | undefined;
  private observedAtMs = 0;
  private leading = false;
  private lastLeader = '';

  constructor(private readonly config: LeaderElectorConfig) {
    this.client = config.client;
    this.namespace = config.namespace ?? 'kube-system';
    this.clock = config.clock ?? realClock;
    this.leaseDurationS = config.leaseDurationSeconds ?? 15;
    this.renewDeadlineMs = (config.renewDeadlineSeconds ?? 10) * 1000;
    this.retryMs = (config.retryPeriodSeconds ?? 2) * 1000;
    if (this.leaseDurationS * 1000 <= this.renewDeadlineMs) throw new Error('leaseDurationSeconds must be greater than renewDeadlineSeconds');
    if (this.renewDeadlineMs <= this.retryMs) throw new Error('renewDeadlineSeconds must be greater than retryPeriodSeconds');
  }

  isLeader(): boolean {
    return this.leading;
  }

  /** The holder of the lease as last observed ("" if none). */
  getLeader(): string {
    return this.observed?.spec?.holderIdentity ?? '';
  }

  /**
   * Campaigns until signal aborts: acquires the lease, leads while renewals succeed, and after
   * losing leadership campaigns again. Resolves once signal has aborted and leadership (if held)
   * has been given up.
   */
  async run(signal: AbortSignal, callbacks: LeaderCallbacks): Promise<void> {
    while (!signal.aborted) {
      const acquired = await this.acquire(signal, callbacks);
      if (!acquired) break;
      const leader = new AbortController();
      this.leading = true;
      try {
        void Promise.resolve()
          .then(() => callbacks.onStartedLeading(leader.signal))
          .catch((err) => this.config.logger?.warn({ err }, 'onStartedLeading failed'));
        await this.renewLoop(signal, callbacks);
      } finally {
        this.leading = false;
        leader.abort();
        callbacks.onStoppedLeading?.();
      }
      if (signal.aborted && (this.config.releaseOnCancel ?? true)) await this.release();
    }
  }

  /** Retries (with jitter) until the lease is ours; false when signal aborted first. */
  private async acquire(signal: AbortSignal, callbacks: LeaderCallbacks): Promise<boolean> {
    while (!signal.aborted) {
      if (await this.tryAcquireOrRenew(callbacks)) return true;
      await sleep(this.retryMs * (1 + Math.random() * 1.2), signal);
    }
    return false;
  }

  /** Renews every retry period; returns when renewals failed past the deadline or signal aborted. */
  private async renewLoop(signal: AbortSignal, callbacks: LeaderCallbacks): Promise<void> {
    let lastRenewMs = this.clock.now().getTime();
    while (!signal.aborted) {
      await sleep(this.retryMs, signal);
      if (signal.aborted) return;
      const remaining = lastRenewMs + this.renewDeadlineMs - this.clock.now().getTime();
      const ok = remaining > 0 && (await withTimeout(this.tryAcquireOrRenew(callbacks), remaining));
      if (ok) {
        lastRenewMs = this.clock.now().getTime();
        continue;
      }
      // Someone else holds it now: stop at once rather than waiting out the deadline.
      const holder = this.observed?.spec?.holderIdentity;
      if (holder && holder !== this.config.identity) return;
      if (this.clock.now().getTime() - lastRenewMs >= this.renewDeadlineMs) {
        this.config.logger?.warn({ lease: this.config.name }, 'failed to renew lease within the renew deadline');
        return;
      }
    }
  }

  private async tryAcquireOrRenew(callbacks: LeaderCallbacks): Promise<boolean> {
    const { client, namespace } = this;
    const { name, identity } = this.config;
    const now = this.clock.now();
    let current: Lease;
    try {
      current = await client.get<Lease>(R.leases, namespace, name);
    } catch (err) {
      if (!isNotFound(err)) {
        this.config.logger?.warn({ err, lease: name }, 'error retrieving lease');
        return false;
      }
      const lease: Lease = {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name, namespace },
        spec: nextLeaseSpec(undefined, identity, this.leaseDurationS, now),
      };
      try {
        this.see(await client.create(R.leases, namespace, lease), callbacks);
        return true;
      } catch (e) {
        if (!isAlreadyExists(e)) this.config.logger?.warn({ err: e, lease: name }, 'error creating lease');
        return false;
      }
    }
    this.see(current, callbacks);
    if (!mayAcquire(current.spec, identity, this.observedAtMs, now.getTime())) return false;
    const next: Lease = { ...current, spec: { ...current.spec, ...nextLeaseSpec(current.spec, identity, this.leaseDurationS, now) } };
    try {
      // resourceVersion from the read makes this a compare-and-swap.
      this.see(await client.update(R.leases, namespace, next), callbacks);
      return true;
    } catch (err) {
      if (!isConflict(err)) this.config.logger?.warn({ err, lease: name }, 'error updating lease');
      return false;
    }
  }

  /** Gives the lease up so a successor need not wait for it to expire. */
  private async release(): Promise<void> {
    const cur = this.observed;
    if (!cur || cur.spec?.holderIdentity !== this.config.identity) return;
    const now = microTime(this.clock.now());
    const released: Lease = { ...cur, spec: { ...cur.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: now, acquireTime: now } };
    try {
      this.observed = await withTimeout(this.client.update(R.leases, this.namespace, released), this.renewDeadlineMs) || cur;
    } catch (err) {
      this.config.logger?.warn({ err, lease: this.config.name }, 'failed to release lease');
    }
  }

  private see(lease: Lease, callbacks: LeaderCallbacks): void {
    if (!this.observed || !sameRecord(this.observed.spec, lease.spec)) this.observedAtMs = this.clock.now().getTime();
    this.observed = lease;
    const holder = lease.spec?.holderIdentity ?? '';
    if (holder && holder !== this.lastLeader) {
      this.lastLeader = holder;
      callbacks.onNewLeader?.(holder);
    }
  }
}

/** The promise's value, or false when it takes longer than ms (it keeps running). */
function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | false> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => resolve(false), ms);
    p.then(
      (v) => (clearTimeout(t), resolve(v)),
      (e) => (clearTimeout(t), reject(e)),
    );
  });
}

