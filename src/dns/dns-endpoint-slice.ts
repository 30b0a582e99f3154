// This node's entry in the kube-dns Service: an EndpointSlice kube-dns-<node> in kube-system with
// the node's DNS listen address, kept present while the agent runs and deleted when it stops.
// The kube-dns Service has no selector, so the EndpointSlice controller leaves these alone.
import type { Logger } from 'pino';
import type { KubeObject } from '../api/object.js';
import { R } from '../client/resources.js';
import { isAlreadyExists, isConflict, isNotFound, type KubeClient } from '../client/types.js';

export const DNS_NAMESPACE = 'kube-system';
export const DNS_SERVICE_NAME = 'kube-dns';
export const DNS_SLICE_MANAGER = 'k8ts-dns';

export const dnsSliceName = (nodeName: string): string => `${DNS_SERVICE_NAME}-${nodeName}`;

/**
 * The slice this node publishes. Owned by the Node when its uid is known, so the garbage
 * collector removes it with a Node whose agent never came back to withdraw it. Pure.
 */
export function desiredDnsSlice(nodeName: string, address: string, nodeUid?: string): KubeObject {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name: dnsSliceName(nodeName),
      namespace: DNS_NAMESPACE,
      labels: { 'kubernetes.io/service-name': DNS_SERVICE_NAME, 'endpointslice.kubernetes.io/managed-by': DNS_SLICE_MANAGER },
      ...(nodeUid ? { ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: nodeName, uid: nodeUid }] } : {}),
    },
    addressType: address.includes(':') ? 'IPv6' : 'IPv4',
    endpoints: [{ addresses: [address], conditions: { ready: true, serving: true, terminating: false }, nodeName }],
    ports: [
      { name: 'dns', port: 53, protocol: 'UDP' },
      { name: 'dns-tcp', port: 53, protocol: 'TCP' },
    ],
  } as KubeObject;
}

/** True when the stored slice differs from the desired one in anything we own. Pure. */
export function sliceDiffers(existing: KubeObject, desired: KubeObject): boolean {
  const pick = (o: KubeObject) => {
    const x = o as unknown as { addressType?: string; endpoints?: unknown; ports?: unknown; metadata: KubeObject['metadata'] };
    const owners = (x.metadata.ownerReferences ?? []).map((r) => r.uid);
    return JSON.stringify([x.addressType, x.endpoints, x.ports, x.metadata.labels?.['kubernetes.io/service-name'], x.metadata.labels?.['endpointslice.kubernetes.io/managed-by'], owners]);
  };
  return pick(existing) !== pick(desired);
}

export class DnsEndpointPublisher {
  private readonly desired: KubeObject;
  private queue: Promise<void> = Promise.resolve();
  private withdrawn = false;

  constructor(
    private readonly client: KubeClient,
    private readonly logger: Logger,
    readonly nodeName: string,
    address: string,
    nodeUid?: string,
  ) {
    this.desired = desiredDnsSlice(nodeName, address, nodeUid);
  }

  get sliceName(): string {
    return this.desired.metadata.name!;
  }

  /** Creates or corrects the slice (calls run one at a time; none after remove()). */
  ensure(): Promise<void> {
    const next = this.queue.then(() => (this.withdrawn ? undefined : this.reconcile()));
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Deletes the slice once any running ensure() has finished; later ensure() calls do nothing. */
  async remove(): Promise<void> {
    this.withdrawn = true;
    await this.queue;
    await this.client.delete(R.endpointslices, DNS_NAMESPACE, this.sliceName).catch((err: unknown) => {
      if (!isNotFound(err)) throw err;
    });
  }

  private async reconcile(): Promise<void> {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const existing = await this.client.get(R.endpointslices, DNS_NAMESPACE, this.sliceName).catch((err: unknown) => {
          if (isNotFound(err)) return undefined;
          throw err;
        });
        if (!existing) {
          await this.client.create(R.endpointslices, DNS_NAMESPACE, this.desired);
          this.logger.info({ slice: this.sliceName }, 'published cluster DNS endpoint');
        } else if (sliceDiffers(existing, this.desired)) {
          const labels = { ...existing.metadata.labels, ...this.desired.metadata.labels };
          const ownerReferences = this.desired.metadata.ownerReferences ?? existing.metadata.ownerReferences;
          await this.client.update(R.endpointslices, DNS_NAMESPACE, { ...this.desired, metadata: { ...existing.metadata, labels, ownerReferences } } as KubeObject);
        }
        return;
      } catch (err) {
        if (!isConflict(err) && !isAlreadyExists(err)) throw err;
      }
    }
  }
}
