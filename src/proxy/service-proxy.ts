// The service proxy (kube-proxy's job), run by every node agent. It owns one nftables table of
// its own (see proxyTableName) and programs it from Services and EndpointSlices: ClusterIPs,
// NodePorts, external and load-balancer IPs to endpoints, masquerading, affinity and rejects.
// It never touches any other table or chain on the machine, never writes to the API server, and
// removes its table when told to (stop with removeOnStop, cleanup) or when its Node is deleted.
//
// Level-triggered: informer events only mark Services dirty; a sync recomputes their rules from
// the caches and applies the difference to what is programmed, in one nft transaction. Bursts
// are coalesced (syncDelayMs) and any failed update is followed by a full rewrite of the table.
import type { KubeObject } from '../api/object.js';
import type { Informer, SharedInformerFactory } from '../client/informer-types.js';
import { R } from '../client/resources.js';
import { LABEL_SERVICE_NAME, type EndpointSliceLike, type ServiceLike } from './service-model.js';
import {
  deleteTableProgram,
  fullProgram,
  serviceRulesFor,
  updateProgram,
  type ProxyNodeInfo,
  type ServiceRules,
  type ServiceRulesChange,
} from './nft-rules.js';
import type { NftRunner } from './nft.js';
import { ElementClaims } from './element-claims.js';
import { HealthCheckServers, healthCheckOf } from './health-check.js';
import { sleep } from '../util/sleep.js';

export interface ProxyLogger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface ServiceProxyDeps {
  /** informers on a client with the proxy's own identity (system:kube-proxy) */
  informers: SharedInformerFactory;
  nft: NftRunner;
  logger: ProxyLogger;
}

export interface ServiceProxyOptions extends ProxyNodeInfo {
  table: string;
  /** how long a change waits for more to arrive before it is programmed (default 30 ms) */
  syncDelayMs?: number;
  /** delete the table when run() stops (tests, --remove-pods-on-stop) */
  removeOnStop?: boolean;
  /** serve healthCheckNodePorts (externalTrafficPolicy Local) on this address; off when unset */
  healthCheckBindAddress?: string;
  /** how often to check that the table still exists, rewriting it if someone removed it (default 60 s; 0 = never) */
  tableCheckIntervalMs?: number;
  /** prepares the kernel (route_localnet); called once before the first sync */
  prepare?: () => Promise<void>;
}

export interface SyncReport {
  full: boolean;
  services: number;
  durationMs: number;
}

const BY_SERVICE = 'byService';
const MAX_RETRY_MS = 10_000;

function serviceKeyOfSlice(s: EndpointSliceLike): string | undefined {
  const name = s.metadata.labels?.[LABEL_SERVICE_NAME];
  return name ? `${s.metadata.namespace}/${name}` : undefined;
}

export class ServiceProxy {
  private readonly services: Informer<ServiceLike>;
  private readonly slices: Informer<EndpointSliceLike>;
  private readonly nodes: Informer<KubeObject>;
  /** what is programmed now, per Service key */
  private readonly applied = new Map<string, ServiceRules>();
  private readonly claims = new ElementClaims();
  private readonly healthServers?: HealthCheckServers;
  /** healthCheckNodePort served per Service key */
  private readonly healthPorts = new Map<string, number>();
  private readonly dirty = new Set<string>();
  private needFull = true;
  private nodeGone = false;
  private tableRemoved = false;
  private wake: (() => void) | null = null;
  private readonly listeners = new Set<(r: SyncReport) => void>();

  constructor(private readonly deps: ServiceProxyDeps, private readonly opts: ServiceProxyOptions) {
    if (opts.healthCheckBindAddress) this.healthServers = new HealthCheckServers(opts.healthCheckBindAddress, deps.logger);
    this.services = deps.informers.informerFor<ServiceLike>(R.services);
    this.slices = deps.informers.informerFor<EndpointSliceLike>(R.endpointslices);
    this.nodes = deps.informers.informerFor(R.nodes, { fieldSelector: `metadata.name=${opts.nodeName}` });
    this.slices.addIndexers({ [BY_SERVICE]: (s) => { const k = serviceKeyOfSlice(s); return k ? [k] : []; } });
    const svcKey = (s: KubeObject) => `${s.metadata.namespace}/${s.metadata.name}`;
    this.services.addEventHandler({
      onAdd: (s) => this.markDirty(svcKey(s)),
      onUpdate: (_o, s) => this.markDirty(svcKey(s)),
      onDelete: (s) => this.markDirty(svcKey(s)),
    });
    const sliceChanged = (s: EndpointSliceLike) => {
      const k = serviceKeyOfSlice(s);
      if (k) this.markDirty(k);
    };
    this.slices.addEventHandler({
      onAdd: sliceChanged,
      onUpdate: (o, s) => {
        sliceChanged(o);
        sliceChanged(s);
      },
      onDelete: sliceChanged,
    });
    this.nodes.addEventHandler({
      onAdd: () => {
        if (!this.nodeGone) return;
        this.nodeGone = false;
        this.needFull = true;
        this.kick();
      },
      onDelete: () => {
        this.nodeGone = true;
        this.kick();
      },
    });
  }

  /** Calls fn after every sync that programmed something (benchmarks, tests, metrics). */
  onSync(fn: (r: SyncReport) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private markDirty(key: string): void {
    this.dirty.add(key);
    this.kick();
  }

  private kick(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  private nodeInfo(): ProxyNodeInfo {
    return { nodeName: this.opts.nodeName, ...(this.opts.clusterCIDR ? { clusterCIDR: this.opts.clusterCIDR } : {}) };
  }

  private rulesOf(key: string): ServiceRules | undefined {
    const svc = this.services.store.get(key);
    if (!svc) return undefined;
    return serviceRulesFor(svc, this.slices.store.byIndex(BY_SERVICE, key), this.nodeInfo());
  }

  private updateHealthCheck(key: string): void {
    if (!this.healthServers) return;
    const svc = this.services.store.get(key);
    const hc = svc && healthCheckOf(svc, this.slices.store.byIndex(BY_SERVICE, key), this.opts.nodeName);
    const prev = this.healthPorts.get(key);
    if (prev !== undefined && prev !== hc?.port) this.healthServers.set(prev, undefined);
    if (hc) {
      this.healthServers.set(hc.port, hc.entry);
      this.healthPorts.set(key, hc.port);
    } else this.healthPorts.delete(key);
  }

  /** Rewrites the whole table from the caches. */
  private async syncAll(): Promise<void> {
    const t0 = performance.now();
    this.dirty.clear();
    const next = new Map<string, ServiceRules>();
    this.claims.clear();
    for (const svc of this.services.store.list()) {
      const key = `${svc.metadata.namespace}/${svc.metadata.name}`;
      next.set(key, this.claims.grant(key, this.rulesOf(key)!));
    }
    await this.deps.nft.apply(fullProgram(this.opts.table, next.values()));
    this.applied.clear();
    for (const [k, v] of next) this.applied.set(k, v);
    this.needFull = false;
    for (const key of this.healthPorts.keys()) if (!next.has(key)) this.updateHealthCheck(key);
    for (const key of next.keys()) this.updateHealthCheck(key);
    this.report({ full: true, services: next.size, durationMs: performance.now() - t0 });
  }

  /** Programs the difference for the Services marked dirty. */
  private async syncDirty(): Promise<void> {
    const t0 = performance.now();
    const keys = [...this.dirty];
    this.dirty.clear();
    const changes: ServiceRulesChange[] = [];
    const next = new Map<string, ServiceRules | undefined>();
    for (const key of keys) {
      const raw = this.rulesOf(key);
      const after = raw && this.claims.grant(key, raw);
      next.set(key, after);
      changes.push({ before: this.applied.get(key), after });
    }
    const program = updateProgram(this.opts.table, changes);
    if (program) {
      try {
        await this.deps.nft.apply(program);
      } catch (err) {
        // The table may differ from what we believe; rewrite it whole on the next round.
        this.needFull = true;
        throw err;
      }
    }
    for (const [k, v] of next) {
      // Services waiting for a map key this one gave up get it on the next round.
      for (const w of this.claims.release(k, this.applied.get(k), v)) this.dirty.add(w);
      if (v) this.applied.set(k, v);
      else this.applied.delete(k);
      this.updateHealthCheck(k);
    }
    if (program) this.report({ full: false, services: keys.length, durationMs: performance.now() - t0 });
  }

  private report(r: SyncReport): void {
    this.deps.logger.debug({ ...r }, 'service rules programmed');
    for (const fn of this.listeners) fn(r);
  }

  private async removeTable(): Promise<void> {
    await this.deps.nft.apply(deleteTableProgram(this.opts.table));
    this.applied.clear();
  }

  /** Someone else (a flush of the whole ruleset, a cleanup) may remove the table: write it again. */
  private async checkTable(): Promise<void> {
    if (this.nodeGone || this.needFull) return;
    const present = await this.deps.nft.hasTable(this.opts.table).catch(() => true);
    if (present || this.nodeGone) return;
    this.deps.logger.warn({ table: this.opts.table }, 'service rules table disappeared; rewriting it');
    this.needFull = true;
    this.kick();
  }

  private hasWork(): boolean {
    if (this.nodeGone) return !this.tableRemoved;
    return this.needFull || this.dirty.size > 0;
  }

  /** Programs rules until signal aborts. */
  async run(signal: AbortSignal): Promise<void> {
    const log = this.deps.logger;
    await this.opts.prepare?.();
    signal.addEventListener('abort', () => this.kick(), { once: true });
    const checkEvery = this.opts.tableCheckIntervalMs ?? 60_000;
    if (checkEvery > 0) {
      const timer = setInterval(() => void this.checkTable(), checkEvery);
      timer.unref?.();
      signal.addEventListener('abort', () => clearInterval(timer), { once: true });
    }
    this.deps.informers.start(signal);
    await this.deps.informers.waitForSync(signal);
    let retryMs = 100;
    while (!signal.aborted) {
      try {
        if (this.nodeGone) {
          if (!this.tableRemoved) {
            await this.removeTable();
            this.tableRemoved = true;
            this.needFull = true;
            log.info({ table: this.opts.table }, 'node deleted: service rules removed');
          }
        } else if (this.needFull) {
          await this.syncAll();
          this.tableRemoved = false;
          log.info({ table: this.opts.table, services: this.applied.size }, 'service rules programmed');
        } else if (this.dirty.size) {
          await this.syncDirty();
        }
        retryMs = 100;
      } catch (err) {
        log.warn({ err, table: this.opts.table }, 'programming service rules failed; retrying');
        await sleep(retryMs, signal);
        retryMs = Math.min(MAX_RETRY_MS, retryMs * 2);
        continue;
      }
      if (!this.hasWork() && !signal.aborted) {
        await new Promise<void>((resolve) => (this.wake = resolve));
      }
      // Let a burst of events (a rollout, a scale-up) land in one transaction.
      if (!signal.aborted) await sleep(this.opts.syncDelayMs ?? 30, signal);
    }
    this.healthServers?.close();
    if (this.opts.removeOnStop) {
      await this.removeTable().catch((err: unknown) => log.warn({ err, table: this.opts.table }, 'could not remove the service rules'));
    }
  }
}

