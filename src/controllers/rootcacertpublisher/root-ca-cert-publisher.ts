// RootCACertPublisher: keeps a `kube-root-ca.crt` ConfigMap (key ca.crt = the cluster CA) in every
// active namespace, as upstream's root-ca-cert-publisher does, so projected ServiceAccount volumes
// can mount it. It owns only ConfigMaps of that name.
import type { KubeObject } from '../../api/object.js';
import { isAlreadyExists, isNotFound } from '../../client/types.js';
import { R } from '../../client/resources.js';
import { WorkQueue } from '../../client/workqueue.js';
import type { Controller, ControllerDeps, ControllerDescriptor } from '../types.js';
import { processQueue } from '../process-queue.js';

export const ROOT_CA_CONFIGMAP = 'kube-root-ca.crt';

/** The ConfigMap a namespace should have (pure). */
export function rootCAConfigMap(namespace: string, caPem: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: ROOT_CA_CONFIGMAP, namespace, annotations: { 'kubernetes.io/description': 'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.' } },
    data: { 'ca.crt': caPem },
  };
}

export class RootCACertPublisher implements Controller {
  private readonly queue = new WorkQueue(100, 30_000);

  constructor(private readonly deps: ControllerDeps, private readonly caPem: string) {}

  async run(signal: AbortSignal): Promise<void> {
    const namespaces = this.deps.informers.informerFor(R.namespaces);
    const configmaps = this.deps.informers.informerFor(R.configmaps, { fieldSelector: `metadata.name=${ROOT_CA_CONFIGMAP}` });
    namespaces.addEventHandler({ onAdd: (ns) => this.queue.add(ns.metadata.name!), onUpdate: (_o, ns) => this.queue.add(ns.metadata.name!) });
    configmaps.addEventHandler({ onUpdate: (_o, cm) => this.queue.add(cm.metadata.namespace!), onDelete: (cm) => this.queue.add(cm.metadata.namespace!) });
    signal.addEventListener('abort', () => this.queue.shutdown(), { once: true });
    await this.deps.informers.waitForSync(signal);
    await processQueue(this.queue, async (ns) => {
      const namespace = namespaces.store.get(ns);
      if (namespace && !namespace.metadata.deletionTimestamp) await this.sync(ns, configmaps.store.get(`${ns}/${ROOT_CA_CONFIGMAP}`));
    }, (err, ns) => this.deps.logger.warn({ err, namespace: ns }, 'publishing the root CA failed'));
  }

  private async sync(ns: string, existing: KubeObject | undefined): Promise<void> {
    const want = rootCAConfigMap(ns, this.caPem);
    if (!existing) {
      await this.deps.client.create(R.configmaps, ns, want).catch((e) => {
        if (!isAlreadyExists(e) && !isNotFound(e)) throw e;
      });
    } else if ((existing as any).data?.['ca.crt'] !== this.caPem) {
      await this.deps.client.update(R.configmaps, ns, { ...existing, data: want.data } as KubeObject);
    }
  }
}

export function rootCACertPublisherDescriptor(caPem: string): ControllerDescriptor {
  return { name: 'root-ca-cert-publisher', create: (deps) => new RootCACertPublisher(deps, caPem) };
}
