// EndpointSliceController: keeps the discovery.k8s.io/v1 EndpointSlices of every Service with a
// selector (upstream's "endpointslice" controller). It owns only slices labelled
// endpointslice.kubernetes.io/managed-by=endpointslice-controller.k8s.io; slices written by
// anyone else, and Services without a selector, are never touched.
import type { KubeObject } from '../../api/object.js';
import { R, objectKey, splitKey } from '../../client/resources.js';
import { isNotFound } from '../../client/types.js';
import { WorkQueue } from '../../client/workqueue.js';
import type { Controller, ControllerDeps, ControllerDescriptor } from '../types.js';
import { selectorMatches, serviceSelector } from '../endpoint/pod-endpoints.js';
import { CONTROLLER_NAME, LABEL_MANAGED_BY, LABEL_SERVICE_NAME, reconcileSlices } from './slices.js';
import { processQueue } from '../process-queue.js';

const BY_NAMESPACE = 'endpointslice-controller/namespace';
const BY_SERVICE = 'endpointslice-controller/service';
const ZONE_LABEL = 'topology.kubernetes.io/zone';

export interface EndpointSliceControllerOptions {
  workers?: number;
  maxEndpointsPerSlice?: number;
}

export class EndpointSliceController implements Controller {
  private readonly queue = new WorkQueue(5, 30_000);
  /** Slices we created that the cache has not shown yet, per Service (upstream's slice tracker). */
  private readonly unseenCreates = new Map<string, { names: string[]; since: number }>();

  constructor(private readonly deps: ControllerDeps, private readonly opts: EndpointSliceControllerOptions = {}) {}

  async run(signal: AbortSignal): Promise<void> {
    const { informers } = this.deps;
    const services = informers.informerFor(R.services);
    const pods = informers.informerFor(R.pods);
    const slices = informers.informerFor(R.endpointslices);
    informers.informerFor(R.nodes);
    services.addIndexers({ [BY_NAMESPACE]: (o) => [o.metadata.namespace ?? ''] });
    pods.addIndexers({ [BY_NAMESPACE]: (o) => [o.metadata.namespace ?? ''] });
    slices.addIndexers({
      [BY_SERVICE]: (o) => {
        const l = o.metadata.labels;
        return l?.[LABEL_MANAGED_BY] === CONTROLLER_NAME && l[LABEL_SERVICE_NAME] ? [`${o.metadata.namespace}/${l[LABEL_SERVICE_NAME]}`] : [];
      },
    });

    const enqueue = (o: KubeObject) => this.queue.add(objectKey(o));
    services.addEventHandler({ onAdd: enqueue, onUpdate: (_o, n) => enqueue(n), onDelete: enqueue });
    const podChanged = (pod: KubeObject, old?: KubeObject) => {
      for (const svc of services.store.byIndex(BY_NAMESPACE, pod.metadata.namespace ?? '')) {
        const sel = serviceSelector(svc);
        if (!sel) continue;
        if (selectorMatches(sel, pod.metadata.labels) || (old && selectorMatches(sel, old.metadata.labels))) enqueue(svc);
      }
    };
    pods.addEventHandler({ onAdd: (p) => podChanged(p), onUpdate: (o, n) => podChanged(n, o), onDelete: (p) => podChanged(p) });
    const sliceChanged = (s: KubeObject) => {
      const l = s.metadata.labels;
      if (l?.[LABEL_MANAGED_BY] === CONTROLLER_NAME && l[LABEL_SERVICE_NAME]) this.queue.add(`${s.metadata.namespace}/${l[LABEL_SERVICE_NAME]}`);
    };
    slices.addEventHandler({ onUpdate: (_o, n) => sliceChanged(n), onDelete: sliceChanged });

    signal.addEventListener('abort', () => this.queue.shutdown(), { once: true });
    await informers.waitForSync(signal);
    await Promise.all(Array.from({ length: this.opts.workers ?? 2 }, () => this.worker()));
  }

  private async worker(): Promise<void> {
    await processQueue(this.queue, (key) => this.sync(key), (err, key) => this.deps.logger.warn({ err, service: key }, 'syncing endpointslices failed'));
  }

  async sync(key: string): Promise<void> {
    const { client, informers } = this.deps;
    const { namespace } = splitKey(key);
    const svc = informers.informerFor(R.services).store.get(key);
    // Slices of a deleted Service go with it through their ownerReference (garbage collector).
    if (!svc || svc.metadata.deletionTimestamp || !serviceSelector(svc)) return;
    if (this.cacheBehind(key)) {
      this.queue.addAfter(key, 50);
      return;
    }
    const existing = informers
      .informerFor(R.endpointslices)
      .store.byIndex(BY_SERVICE, key)
      .filter((s) => s.metadata.ownerReferences?.some((r) => r.uid === svc.metadata.uid) ?? true);
    const pods = informers.informerFor(R.pods).store.byIndex(BY_NAMESPACE, namespace);
    const nodes = informers.informerFor(R.nodes).store;
    const changes = reconcileSlices(svc, pods, existing, {
      maxEndpointsPerSlice: this.opts.maxEndpointsPerSlice,
      zoneOf: (n) => nodes.get(n)?.metadata.labels?.[ZONE_LABEL],
    });
    for (const s of changes.delete) {
      try {
        await client.delete(R.endpointslices, namespace, s.metadata.name!, { preconditions: { uid: s.metadata.uid } });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    for (const s of changes.update) await client.update(R.endpointslices, namespace, s);
    const created: string[] = [];
    try {
      for (const s of changes.create) created.push((await client.create(R.endpointslices, namespace, s)).metadata.name!);
    } finally {
      if (created.length) this.unseenCreates.set(key, { names: created, since: Date.now() });
    }
  }

  /** True while a slice we created is missing from the cache (acting now would duplicate it). */
  private cacheBehind(key: string): boolean {
    const pending = this.unseenCreates.get(key);
    if (!pending) return false;
    const store = this.deps.informers.informerFor(R.endpointslices).store;
    const { namespace } = splitKey(key);
    pending.names = pending.names.filter((n) => !store.get(`${namespace}/${n}`));
    if (!pending.names.length || Date.now() - pending.since > 10_000) {
      this.unseenCreates.delete(key);
      return false;
    }
    return true;
  }
}

export const endpointSliceControllerDescriptor: ControllerDescriptor = {
  name: 'endpointslice',
  create: (deps) => new EndpointSliceController(deps),
};
