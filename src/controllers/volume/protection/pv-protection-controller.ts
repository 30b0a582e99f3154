// PVProtectionController: upstream's "pv-protection". Puts kubernetes.io/pv-protection on every
// PersistentVolume and, once one is being deleted, takes it off only when the volume is no
// longer Bound to a claim. It writes only that finalizer.
import type { KubeObject } from '../../../api/object.js';
import type { Informer } from '../../../client/informer-types.js';
import { R } from '../../../client/resources.js';
import { isNotFound } from '../../../client/types.js';
import { WorkQueue } from '../../../client/workqueue.js';
import { PV_PROTECTION_FINALIZER, type PersistentVolume } from '../../../storage/api.js';
import { processQueue } from '../../process-queue.js';
import type { Controller, ControllerDeps, ControllerDescriptor } from '../../types.js';
import { finalizerAction, volumeInUse, withFinalizer } from './decisions.js';

export class PVProtectionController implements Controller {
  private readonly queue = new WorkQueue(10, 30_000);
  private volumes!: Informer<PersistentVolume>;

  constructor(private readonly deps: ControllerDeps) {}

  async run(signal: AbortSignal): Promise<void> {
    const { informers } = this.deps;
    this.volumes = informers.informerFor<PersistentVolume>(R.persistentvolumes);
    const add = (v: KubeObject) => this.queue.add(v.metadata.name!);
    this.volumes.addEventHandler({ onAdd: add, onUpdate: (_o, n) => add(n) });
    signal.addEventListener('abort', () => this.queue.shutdown(), { once: true });
    await informers.waitForSync(signal);
    if (signal.aborted) return;
    await processQueue(this.queue, (key) => this.sync(key), (err, key) => this.deps.logger.warn({ err, volume: key }, 'pv protection sync failed'));
  }

  async sync(name: string): Promise<void> {
    try {
      await this.syncVolume(name);
    } catch (err) {
      if (!isNotFound(err)) throw err; // gone meanwhile: nothing left to protect
    }
  }

  private async syncVolume(name: string): Promise<void> {
    const pv = this.volumes.store.get(name);
    if (!pv) return;
    let action = finalizerAction(pv, PV_PROTECTION_FINALIZER, volumeInUse(pv));
    if (action === 'remove') {
      const live = await this.deps.client.get<PersistentVolume>(R.persistentvolumes, '', name);
      action = finalizerAction(live, PV_PROTECTION_FINALIZER, volumeInUse(live));
      if (action === 'none') return;
      await this.deps.client.update(R.persistentvolumes, '', withFinalizer(live, PV_PROTECTION_FINALIZER, false));
      return;
    }
    if (action === 'none') return;
    await this.deps.client.update(R.persistentvolumes, '', withFinalizer(pv, PV_PROTECTION_FINALIZER, true));
  }
}

export const pvProtectionDescriptor: ControllerDescriptor = {
  name: 'pv-protection',
  create: (deps) => new PVProtectionController(deps),
};
