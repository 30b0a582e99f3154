// ServiceLBController: the built-in load balancer for Services of type LoadBalancer without a
// loadBalancerClass (like k3s ServiceLB). It owns status.loadBalancer of those Services only: it
// sets it to the eligible nodes' addresses, empties it when a Service stops being one it serves
// (type changed), and leaves Services with a loadBalancerClass to their own implementation.
// Traffic to those addresses is the service proxy's job (src/proxy/), not this controller's.
import type { KubeObject } from '../../api/object.js';
import { R, objectKey } from '../../client/resources.js';
import { isNotFound } from '../../client/types.js';
import { WorkQueue } from '../../client/workqueue.js';
import type { Controller, ControllerDeps, ControllerDescriptor } from '../types.js';
import { processQueue } from '../process-queue.js';
import { assignPorts, desiredIngress, sameIngress, wantsLoadBalancer, type PortConflict } from './load-balancer-status.js';

export class ServiceLBController implements Controller {
  private readonly queue = new WorkQueue(5, 30_000);
  /** assignPorts over all Services, recomputed lazily after any LoadBalancer Service changed */
  private conflicts?: Map<string, PortConflict>;
  /** Services told about a port conflict already (one event per conflict, not per resync) */
  private readonly reported = new Map<string, string>();

  constructor(private readonly deps: ControllerDeps) {}

  async run(signal: AbortSignal): Promise<void> {
    const { informers } = this.deps;
    const services = informers.informerFor(R.services);
    const nodes = informers.informerFor(R.nodes);
    const enqueueAll = () => {
      for (const s of services.store.list()) if (wantsLoadBalancer(s) || hasIngress(s)) this.queue.add(objectKey(s));
    };
    const serviceChanged = (s: KubeObject, old?: KubeObject) => {
      if (wantsLoadBalancer(s) || (old && wantsLoadBalancer(old)) || hasIngress(s)) {
        // A port freed or taken may change which Service gets it: look at all of them.
        this.conflicts = undefined;
        enqueueAll();
        this.queue.add(objectKey(s));
      }
    };
    services.addEventHandler({ onAdd: (s) => serviceChanged(s), onUpdate: (o, n) => serviceChanged(n, o), onDelete: (s) => serviceChanged(s) });
    const nodeChanged = (n: KubeObject, old?: KubeObject) => {
      if (!old || lbRelevant(old) !== lbRelevant(n)) enqueueAll();
    };
    nodes.addEventHandler({ onAdd: (n) => nodeChanged(n), onUpdate: (o, n) => nodeChanged(n, o), onDelete: (n) => nodeChanged(n) });

    signal.addEventListener('abort', () => this.queue.shutdown(), { once: true });
    await informers.waitForSync(signal);
    await processQueue(this.queue, (key) => this.sync(key), (err, key) => this.deps.logger.warn({ err, service: key }, 'syncing load balancer status failed'));
  }

  async sync(key: string): Promise<void> {
    const { informers, recorder } = this.deps;
    const services = informers.informerFor(R.services).store;
    const svc = services.get(key);
    if (!svc) {
      this.reported.delete(key);
      return;
    }
    const spec = (svc as any).spec ?? {};
    if (!wantsLoadBalancer(svc)) {
      this.reported.delete(key);
      // Another implementation owns Services with a class; a Service that stopped being a
      // LoadBalancer loses the addresses it had.
      if (spec.type !== 'LoadBalancer' && hasIngress(svc)) await this.writeIngress(svc, []);
      return;
    }
    this.conflicts ??= assignPorts(services.list());
    const conflict = this.conflicts.get(key);
    if (conflict) {
      const msg = `port ${conflict.port}/${conflict.protocol} is already used by LoadBalancer Service ${conflict.heldBy}; the service stays pending until it is free`;
      if (this.reported.get(key) !== msg) {
        this.reported.set(key, msg);
        recorder.event(svc, 'Warning', 'SyncLoadBalancerFailed', msg);
      }
      if (hasIngress(svc)) await this.writeIngress(svc, []);
      return;
    }
    this.reported.delete(key);
    const want = desiredIngress(svc, informers.informerFor(R.nodes).store.list());
    if (sameIngress((svc as any).status?.loadBalancer?.ingress, want)) return;
    await this.writeIngress(svc, want);
    if (want.length) recorder.event(svc, 'Normal', 'EnsuredLoadBalancer', `Ensured load balancer at ${want.map((i) => i.ip).join(', ')}`);
  }

  private async writeIngress(svc: KubeObject, ingress: readonly { ip: string; ipMode: string }[]): Promise<void> {
    const status = { ...((svc as any).status ?? {}), loadBalancer: ingress.length ? { ingress } : {} };
    try {
      await this.deps.client.update(R.services, svc.metadata.namespace!, { ...svc, status } as KubeObject, { subresource: 'status' });
    } catch (err) {
      // Conflicts (the cache was behind) are retried by the worker loop.
      if (!isNotFound(err)) throw err;
    }
  }
}

function hasIngress(svc: KubeObject): boolean {
  return ((svc as any).status?.loadBalancer?.ingress ?? []).length > 0;
}

/** The parts of a Node the load balancer depends on, to skip heartbeat-only updates. */
function lbRelevant(node: KubeObject): string {
  const n = node as any;
  const ready = (n.status?.conditions ?? []).find((c: any) => c.type === 'Ready')?.status;
  return JSON.stringify([ready, n.status?.addresses, n.metadata?.labels]);
}

export const serviceLBControllerDescriptor: ControllerDescriptor = {
  name: 'service-lb',
  create: (deps) => new ServiceLBController(deps),
};
