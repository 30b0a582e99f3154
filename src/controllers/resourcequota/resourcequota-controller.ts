// ResourceQuotaController: upstream's "resourcequota" controller. It keeps status.hard (spec.hard,
// canonical) and status.used of every ResourceQuota, recomputed from the informer caches whenever
// an object of a counted resource changes in the quota's namespace, and on a periodic resync.
// It writes only ResourceQuota status; admission enforces the limits.
import type { KubeObject } from '../../api/object.js';
import type { Informer } from '../../client/informer-types.js';
import { R, objectKey, splitKey } from '../../client/resources.js';
import { isNotFound, type GroupVersionResource } from '../../client/types.js';
import { WorkQueue } from '../../client/workqueue.js';
import { jsonEqual } from '../endpoint/endpoints.js';
import type { Controller, ControllerDeps, ControllerDescriptor } from '../types.js';
import { canonicalHard, computeUsed, countedResource } from './usage.js';
import { processQueue } from '../process-queue.js';

const BY_NAMESPACE = 'resourcequota/namespace';
const COUNTED_BY_NAMESPACE = 'resourcequota/counted-namespace';

export interface ResourceQuotaControllerOptions {
  /** Full recalculation period (upstream --resource-quota-sync-period, 5 min). */
  resyncMs?: number;
  workers?: number;
}

/** "plural" or "plural.group" of every well-known resource. */
const KNOWN: Map<string, GroupVersionResource> = new Map(Object.values(R).map((g) => [g.group ? `${g.resource}.${g.group}` : g.resource, g]));
/** Resources the quota keys without count/ need (pods for compute, services for nodeports, claims for storage). */
const ALWAYS = ['pods', 'services', 'configmaps', 'secrets', 'persistentvolumeclaims', 'replicationcontrollers', 'resourcequotas'];

export class ResourceQuotaController implements Controller {
  private readonly queue = new WorkQueue(5, 30_000);
  private readonly tracked = new Map<string, Informer>();

  constructor(private readonly deps: ControllerDeps, private readonly opts: ResourceQuotaControllerOptions = {}) {}

  async run(signal: AbortSignal): Promise<void> {
    const { informers } = this.deps;
    const quotas = informers.informerFor(R.resourcequotas);
    quotas.addIndexers({ [BY_NAMESPACE]: (o) => [o.metadata.namespace ?? ''] });
    quotas.addEventHandler({
      onAdd: (q) => this.queue.add(objectKey(q)),
      onUpdate: (o, q) => {
        if (!jsonEqual((o as any).spec, (q as any).spec) || !(q as any).status) this.queue.add(objectKey(q));
      },
    });
    for (const r of ALWAYS) this.track(r);
    signal.addEventListener('abort', () => this.queue.shutdown(), { once: true });
    await informers.waitForSync(signal);
    const resync = setInterval(() => {
      for (const q of quotas.store.list()) this.queue.add(objectKey(q));
    }, this.opts.resyncMs ?? 5 * 60_000);
    signal.addEventListener('abort', () => clearInterval(resync), { once: true });
    await Promise.all(Array.from({ length: this.opts.workers ?? 2 }, () => this.worker()));
  }

  /** Watches a counted resource (once), requeueing its namespace's quotas on every change. */
  private track(resource: string): Informer | undefined {
    let inf = this.tracked.get(resource);
    if (inf) return inf;
    const gvr = KNOWN.get(resource);
    if (!gvr) return undefined;
    inf = this.deps.informers.informerFor(gvr);
    inf.addIndexers({ [COUNTED_BY_NAMESPACE]: (o) => [o.metadata.namespace ?? ''] });
    const changed = (o: KubeObject) => {
      const quotas = this.deps.informers.informerFor(R.resourcequotas).store.byIndex(BY_NAMESPACE, o.metadata.namespace ?? '');
      for (const q of quotas) this.queue.add(objectKey(q));
    };
    inf.addEventHandler({ onAdd: changed, onUpdate: (_o, n) => changed(n), onDelete: changed });
    this.tracked.set(resource, inf);
    return inf;
  }

  private async worker(): Promise<void> {
    await processQueue(this.queue, (key) => this.sync(key), (err, key) => this.deps.logger.warn({ err, quota: key }, 'syncing ResourceQuota failed'));
  }

  async sync(key: string): Promise<void> {
    const { informers, client, clock } = this.deps;
    const quota = informers.informerFor(R.resourcequotas).store.get(key);
    if (!quota || quota.metadata.deletionTimestamp) return;
    const { namespace } = splitKey(key);
    const spec = (quota as any).spec ?? {};
    const hard: Record<string, unknown> = spec.hard ?? {};
    let waiting = false;
    for (const k of Object.keys(hard)) {
      const r = countedResource(k);
      const inf = r ? this.track(r) : undefined;
      if (inf && !inf.hasSynced()) waiting = true;
    }
    if (waiting) {
      this.queue.addAfter(key, 100); // a newly watched resource is still listing
      return;
    }
    const used = computeUsed(hard, spec.scopes ?? [], (r) => this.tracked.get(r)?.store.byIndex(COUNTED_BY_NAMESPACE, namespace), clock.now().getTime());
    const status = { hard: canonicalHard(hard), used };
    if (jsonEqual((quota as any).status ?? {}, status)) return;
    try {
      await client.update(R.resourcequotas, namespace, { ...quota, status }, { subresource: 'status' });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}

export const resourceQuotaControllerDescriptor: ControllerDescriptor = {
  name: 'resourcequota',
  create: (deps) => new ResourceQuotaController(deps),
};
