// NamespaceController: empties namespaces marked for deletion and then releases them (removes
// the `kubernetes` finalizer), as upstream's namespace lifecycle controller. It deletes only
// objects inside terminating namespaces and touches no other namespace.
import type { Logger } from 'pino';
import type { KubeObject } from '../../api/object.js';
import { StatusError } from '../../api/errors.js';
import type { ResourceStorage } from '../../apiserver/registry/resource-storage.js';
import type { InProcessClient } from '../../controlplane/in-process-client.js';
import { WorkQueue } from '../../client/workqueue.js';
import { processQueue } from '../process-queue.js';

const FINALIZER = 'kubernetes';

export interface NamespaceControllerDeps {
  client: InProcessClient;
  /** Every storage, so the controller can find namespaced content of any type. */
  storages: () => ResourceStorage[];
  logger: Logger;
}

/** What is left to do for a terminating namespace (pure). */
export function namespaceNextStep(ns: KubeObject, remaining: number): 'ignore' | 'delete-content' | 'wait' | 'finalize' {
  if (!ns.metadata.deletionTimestamp) return 'ignore';
  const finalizers: string[] = (ns as any).spec?.finalizers ?? [];
  if (!finalizers.includes(FINALIZER)) return 'ignore';
  return remaining > 0 ? 'delete-content' : 'finalize';
}

export class NamespaceController {
  private readonly queue = new WorkQueue(100, 5_000);

  constructor(private readonly deps: NamespaceControllerDeps) {}

  async run(signal: AbortSignal): Promise<void> {
    const nsStorage = this.deps.client.storage('', 'namespaces');
    const unsubscribe = nsStorage.watch('', '0', () => true, {
      onEvent: (ev) => {
        if (ev.object.metadata.deletionTimestamp) this.queue.add(ev.object.metadata.name!);
      },
      onClose: () => undefined,
    });
    signal.addEventListener('abort', () => {
      unsubscribe();
      this.queue.shutdown();
    }, { once: true });
    await processQueue(this.queue, (key) => this.reconcile(key), (err, key) => this.deps.logger.warn({ err, namespace: key }, 'namespace cleanup failed'));
  }

  /** Returns a delay in ms when the namespace must be looked at again. */
  async reconcile(name: string): Promise<number> {
    const client = this.deps.client;
    const ns = await client.get('', 'namespaces', '', name);
    if (!ns) return 0;
    const content = this.deps.storages().filter((s) => s.info.namespaced);
    let remaining = 0;
    const ctx = client.context();
    for (const s of content) {
      const res = await s.list(name, { filter: null });
      for (const obj of res.items) {
        remaining++;
        if (obj.metadata.deletionTimestamp) continue;
        try {
          await s.delete(name, obj.metadata.name!, { propagationPolicy: 'Background' }, ctx);
        } catch (err) {
          if (!(err instanceof StatusError && err.code === 404)) throw err;
        }
      }
    }
    switch (namespaceNextStep(ns, remaining)) {
      case 'delete-content':
      case 'wait':
        return 500;
      case 'finalize':
        await client.update('', 'namespaces', '', name, (cur) => {
          const spec = ((cur as any).spec ??= {});
          spec.finalizers = (spec.finalizers ?? []).filter((f: string) => f !== FINALIZER);
          return cur;
        }, 'finalize');
        return 0;
      default:
        return 0;
    }
  }
}
