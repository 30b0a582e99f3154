// EndpointController: keeps one core/v1 Endpoints object per Service that has a selector, listing
// the ready and not-ready addresses of the pods it selects (upstream's "endpoint" controller).
// It owns only Endpoints named after selector Services (and deletes them with their Service);
// Endpoints of selector-less Services (e.g. default/kubernetes) are never touched.
import type { KubeObject } from '../../api/object.js';
import { R, objectKey, splitKey } from '../../client/resources.js';
import { isAlreadyExists, isNotFound } from '../../client/types.js';
import { WorkQueue } from '../../client/workqueue.js';
import type { Controller, ControllerDeps, ControllerDescriptor } from '../types.js';
import { desiredEndpoints } from './endpoints.js';
import { selectorMatches, serviceSelector } from './pod-endpoints.js';
import { processQueue } from '../process-queue.js';

const BY_NAMESPACE = 'endpoint-controller/namespace';

export interface EndpointControllerOptions {
  workers?: number;
}

export class EndpointController implements Controller {
  private readonly queue = new WorkQueue(5, 30_000);

  constructor(private readonly deps: ControllerDeps, private readonly opts: EndpointControllerOptions = {}) {}

  async run(signal: AbortSignal): Promise<void> {
    const { informers } = this.deps;
    const services = informers.informerFor(R.services);
    const pods = informers.informerFor(R.pods);
    const endpoints = informers.informerFor(R.endpoints);
    services.addIndexers({ [BY_NAMESPACE]: (o) => [o.metadata.namespace ?? ''] });
    pods.addIndexers({ [BY_NAMESPACE]: (o) => [o.metadata.namespace ?? ''] });

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
    // Repair Endpoints someone else changed or deleted.
    endpoints.addEventHandler({ onUpdate: (_o, n) => enqueue(n), onDelete: enqueue });

    signal.addEventListener('abort', () => this.queue.shutdown(), { once: true });
    await informers.waitForSync(signal);
    await Promise.all(Array.from({ length: this.opts.workers ?? 2 }, () => this.worker()));
  }

  private async worker(): Promise<void> {
    await processQueue(this.queue, (key) => this.sync(key), (err, key) => this.deps.logger.warn({ err, service: key }, 'syncing endpoints failed'));
  }

  /** Level-triggered: reads the Service, its pods and its Endpoints from the caches. */
  async sync(key: string): Promise<void> {
    const { client, informers } = this.deps;
    const { namespace, name } = splitKey(key);
    const svc = informers.informerFor(R.services).store.get(key);
    const existing = informers.informerFor(R.endpoints).store.get(key);
    if (!svc) {
      if (!existing) return;
      try {
        await client.delete(R.endpoints, namespace, name, { preconditions: { uid: existing.metadata.uid } });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      return;
    }
    if (!serviceSelector(svc) || svc.metadata.deletionTimestamp) return;
    const pods = informers.informerFor(R.pods).store.byIndex(BY_NAMESPACE, namespace);
    const want = desiredEndpoints(svc, pods, existing);
    if (!want) return;
    if (existing) {
      await client.update(R.endpoints, namespace, want);
      return;
    }
    try {
      await client.create(R.endpoints, namespace, want);
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      this.queue.addAfter(key, 100); // our cache is behind; look again once it has the object
    }
  }
}

export const endpointControllerDescriptor: ControllerDescriptor = {
  name: 'endpoint',
  create: (deps) => new EndpointController(deps),
};
