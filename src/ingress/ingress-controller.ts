// The built-in ingress controller, one per agent, running as user system:k8ts:ingress. It owns
// the node's ingress listeners (IngressProxy), this node's EndpointSlice k8ts-ingress-<node> in
// kube-system, and status.loadBalancer of the Ingresses of its classes. It reads IngressClasses,
// Ingresses, Services, EndpointSlices and TLS Secrets, and never writes any other object: the
// Service k8ts-ingress and the IngressClass are created by the server, and the Service's
// addresses come from the service load balancer controller.
import type { Logger } from 'pino';
import type { KubeObject } from '../api/object.js';
import type { KubeClient } from '../client/types.js';
import { isAlreadyExists, isConflict, isNotFound } from '../client/types.js';
import type { SharedInformerFactory } from '../client/informer-types.js';
import { R, objectKey } from '../client/resources.js';
import { createCA, issueCertificate } from '../pki/ca.js';
import { IngressProxy } from './proxy-server.js';
import { buildRoutingTable, ourClasses, servesIngress, type RoutingTable } from './routing-table.js';
import {
  INGRESS_NAMESPACE,
  INGRESS_SERVICE,
  endpointSliceName,
  ingressEndpointSlice,
  ingressStatusFrom,
  sameLoadBalancerIngress,
  sliceDiffers,
} from './cluster-objects.js';

export interface IngressControllerDeps {
  client: KubeClient;
  informers: SharedInformerFactory;
  logger: Logger;
}

export interface IngressControllerOptions {
  nodeName: string;
  /** the address the listeners bind and the node registers as the Service endpoint */
  nodeIP: string;
  httpPort: number;
  httpsPort: number;
  /** coalesces bursts of changes into one table rebuild */
  rebuildDelayMs?: number;
}

const BY_SERVICE = 'ingress/service-name';
const TLS_SECRETS = { fieldSelector: 'type=kubernetes.io/tls' };
const UNREGISTER_TIMEOUT_MS = 3_000;

export class IngressController {
  private proxy?: IngressProxy;
  private rebuildTimer?: NodeJS.Timeout;
  private writing = false;
  private writeAgain = false;
  private table?: RoutingTable;
  private lastProblems = '';

  constructor(private readonly deps: IngressControllerDeps, private readonly opts: IngressControllerOptions) {}

  /** The bound ports (after run started listening); port 0 in options picks free ones. */
  get ports(): { http: number; https: number } | undefined {
    return this.proxy?.ports;
  }

  /** The table in force (for tests and diagnostics). */
  get routingTable(): RoutingTable | undefined {
    return this.table;
  }

  /** Listens, registers the node as an endpoint, and keeps routes and statuses current until signal aborts. */
  async run(signal: AbortSignal, listening?: () => void): Promise<void> {
    const { informers, logger } = this.deps;
    const ingresses = informers.informerFor(R.ingresses);
    const classes = informers.informerFor(R.ingressclasses);
    const services = informers.informerFor(R.services);
    const slices = informers.informerFor(R.endpointslices);
    const secrets = informers.informerFor(R.secrets, TLS_SECRETS);
    slices.addIndexers({
      [BY_SERVICE]: (o) => {
        const n = o.metadata.labels?.['kubernetes.io/service-name'];
        return n ? [`${o.metadata.namespace}/${n}`] : [];
      },
    });
    const changed = () => this.scheduleRebuild();
    const handler = { onAdd: changed, onUpdate: changed, onDelete: changed };
    for (const i of [ingresses, classes, services, slices, secrets]) i.addEventHandler(handler);

    const pki = await createCA('k8ts-ingress-default-ca');
    const cert = await issueCertificate(pki, { commonName: 'k8ts ingress default certificate', server: true, dnsNames: ['k8ts-ingress.invalid'] });
    this.proxy = new IngressProxy({
      address: this.opts.nodeIP,
      httpPort: this.opts.httpPort,
      httpsPort: this.opts.httpsPort,
      defaultCertificate: cert,
      logger: logger.child({ component: 'ingress-proxy' }),
    });
    await this.proxy.listen(signal);
    logger.info({ address: this.opts.nodeIP, ...this.proxy.ports }, 'ingress listeners ready');
    listening?.();

    informers.start(signal);
    await informers.waitForSync(signal);
    if (signal.aborted) return;
    this.rebuild();
    await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    clearTimeout(this.rebuildTimer);
    await this.unregister();
  }

  private scheduleRebuild(): void {
    if (this.rebuildTimer) return;
    this.rebuildTimer = setTimeout(() => {
      this.rebuildTimer = undefined;
      this.rebuild();
    }, this.opts.rebuildDelayMs ?? 20);
  }

  private rebuild(): void {
    const { informers, logger } = this.deps;
    const services = informers.informerFor(R.services).store;
    const slices = informers.informerFor(R.endpointslices).store;
    const secrets = informers.informerFor(R.secrets, TLS_SECRETS).store;
    const table = buildRoutingTable({
      ingresses: informers.informerFor(R.ingresses).store.list(),
      ingressClasses: informers.informerFor(R.ingressclasses).store.list(),
      service: (ns, name) => services.get(`${ns}/${name}`),
      endpointSlices: (ns, name) => slices.byIndex(BY_SERVICE, `${ns}/${name}`),
      secret: (ns, name) => secrets.get(`${ns}/${name}`),
    });
    this.table = table;
    this.proxy?.setTable(table);
    const problems = table.problems.join('; ');
    if (problems !== this.lastProblems) {
      this.lastProblems = problems;
      if (problems) logger.warn({ problems: table.problems }, 'ingress configuration problems');
    }
    void this.writeState();
  }

  /** Level-triggered writes (own EndpointSlice, Ingress statuses), one pass at a time. */
  private async writeState(): Promise<void> {
    if (this.writing) {
      this.writeAgain = true;
      return;
    }
    this.writing = true;
    try {
      do {
        this.writeAgain = false;
        await this.ensureEndpointSlice().catch((err) => this.deps.logger.warn({ err }, 'registering the ingress endpoint failed'));
        await this.updateStatuses();
      } while (this.writeAgain);
    } finally {
      this.writing = false;
    }
  }

  private async ensureEndpointSlice(): Promise<void> {
    const ports = this.proxy?.ports;
    if (!ports) return;
    const { client, informers } = this.deps;
    const desired = ingressEndpointSlice(this.opts.nodeName, this.opts.nodeIP, ports);
    const existing = informers.informerFor(R.endpointslices).store.get(`${INGRESS_NAMESPACE}/${desired.metadata.name}`);
    if (!existing) {
      try {
        await client.create(R.endpointslices, INGRESS_NAMESPACE, desired);
      } catch (err) {
        // The cache is behind our own earlier create; the informer event brings us back here.
        if (!isAlreadyExists(err)) throw err;
      }
      return;
    }
    if (!sliceDiffers(existing, desired)) return;
    const next = { ...desired, metadata: { ...existing.metadata, labels: { ...existing.metadata.labels, ...desired.metadata.labels } } };
    await client.update(R.endpointslices, INGRESS_NAMESPACE, next).catch((err) => {
      if (!isConflict(err)) throw err;
    });
  }

  private async updateStatuses(): Promise<void> {
    const { client, informers, logger } = this.deps;
    const lb = informers.informerFor(R.services).store.get(`${INGRESS_NAMESPACE}/${INGRESS_SERVICE}`);
    const want = ingressStatusFrom(lb);
    const classes = ourClasses(informers.informerFor(R.ingressclasses).store.list());
    for (const ing of informers.informerFor(R.ingresses).store.list()) {
      if (ing.metadata.deletionTimestamp || !servesIngress(ing, classes)) continue;
      const current = (ing as any).status?.loadBalancer?.ingress;
      if (sameLoadBalancerIngress(current, want)) continue;
      const next = { ...ing, status: { ...((ing as any).status ?? {}), loadBalancer: want.length ? { ingress: want } : {} } } as KubeObject;
      try {
        await client.update(R.ingresses, ing.metadata.namespace!, next, { subresource: 'status' });
      } catch (err) {
        // Another node's controller wrote the same status first, or the Ingress is gone.
        if (!isConflict(err) && !isNotFound(err)) logger.warn({ err, ingress: objectKey(ing) }, 'updating ingress status failed');
      }
    }
  }

  /**
   * The node stops serving: its endpoint leaves the Service so traffic goes to other nodes. Bounded,
   * because the API server may be stopping at the same time (embedded agent).
   */
  private async unregister(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.deps.client.delete(R.endpointslices, INGRESS_NAMESPACE, endpointSliceName(this.opts.nodeName)),
        new Promise((_r, reject) => (timer = setTimeout(() => reject(new Error('timed out')), UNREGISTER_TIMEOUT_MS))),
      ]);
    } catch (err) {
      if (!isNotFound(err)) this.deps.logger.debug({ err }, 'removing the ingress endpoint failed');
    } finally {
      clearTimeout(timer);
    }
  }
}
