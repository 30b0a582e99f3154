// ServiceAccountsController: makes sure every active namespace has the `default` ServiceAccount,
// recreating it when deleted (upstream's "serviceaccount" controller). It creates ServiceAccounts
// only; it never updates or deletes one, and leaves terminating namespaces alone.
import type { KubeObject } from '../../api/object.js';
import { R } from '../../client/resources.js';
import { isAlreadyExists, isNotFound } from '../../client/types.js';
import type { InformerStore } from '../../client/informer-types.js';
import { WorkQueue } from '../../client/workqueue.js';
import type { Controller, ControllerDeps, ControllerDescriptor } from '../types.js';
import { processQueue } from '../process-queue.js';

export const DEFAULT_SERVICE_ACCOUNTS = ['default'];

/** ServiceAccounts to create in a namespace (pure). */
export function missingServiceAccounts(ns: KubeObject | undefined, exists: (name: string) => boolean, wanted = DEFAULT_SERVICE_ACCOUNTS): string[] {
  if (!ns || ns.metadata.deletionTimestamp || (ns as any).status?.phase === 'Terminating') return [];
  return wanted.filter((n) => !exists(n));
}

export class ServiceAccountsController implements Controller {
  private readonly queue = new WorkQueue(5, 30_000);

  constructor(private readonly deps: ControllerDeps) {}

  async run(signal: AbortSignal): Promise<void> {
    const { informers } = this.deps;
    const namespaces = informers.informerFor(R.namespaces);
    const accounts = informers.informerFor(R.serviceaccounts);
    namespaces.addEventHandler({ onAdd: (ns) => this.queue.add(ns.metadata.name!), onUpdate: (_o, ns) => this.queue.add(ns.metadata.name!) });
    accounts.addEventHandler({
      onDelete: (sa) => {
        if (DEFAULT_SERVICE_ACCOUNTS.includes(sa.metadata.name!)) this.queue.add(sa.metadata.namespace!);
      },
    });
    signal.addEventListener('abort', () => this.queue.shutdown(), { once: true });
    await informers.waitForSync(signal);
    await processQueue(this.queue, (key) => this.sync(key, namespaces.store, accounts.store), (err, key) => this.deps.logger.warn({ err, namespace: key }, 'creating service accounts failed'));
  }

  private async sync(namespace: string, namespaces: InformerStore, accounts: InformerStore): Promise<void> {
    const missing = missingServiceAccounts(namespaces.get(namespace), (n) => !!accounts.get(`${namespace}/${n}`));
    for (const name of missing) {
      try {
        await this.deps.client.create(R.serviceaccounts, namespace, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace } });
      } catch (err) {
        // Already there (cache behind) or the namespace went away meanwhile: nothing to do.
        if (isAlreadyExists(err) || isNotFound(err)) continue;
        if (err instanceof Error && /being terminated|forbidden/i.test(err.message)) continue;
        throw err;
      }
    }
  }
}

export const serviceAccountControllerDescriptor: ControllerDescriptor = {
  name: 'serviceaccount',
  create: (deps) => new ServiceAccountsController(deps),
};
