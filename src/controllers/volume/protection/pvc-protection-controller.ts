// PVCProtectionController: upstream's "pvc-protection". Puts kubernetes.io/pvc-protection on
// every claim and, once a claim is being deleted, takes it off only when no pod that has not
// terminated uses the claim: so a claim (and, through the binder, its data) outlives its pods.
// Before letting go it asks the API server, not only its cache. It writes only that finalizer.
import type { KubeObject } from '../../../api/object.js';
import type { Informer } from '../../../client/informer-types.js';
import { R, objectKey, splitKey } from '../../../client/resources.js';
import { isNotFound } from '../../../client/types.js';
import { WorkQueue } from '../../../client/workqueue.js';
import { PVC_PROTECTION_FINALIZER, podClaimNames, type PersistentVolumeClaim } from '../../../storage/api.js';
import { processQueue } from '../../process-queue.js';
import type { Controller, ControllerDeps, ControllerDescriptor } from '../../types.js';
import { finalizerAction, podsUsingClaim, withFinalizer } from './decisions.js';

const BY_NAMESPACE = 'pvc-protection/namespace';

export class PVCProtectionController implements Controller {
  private readonly queue = new WorkQueue(10, 30_000);
  private claims!: Informer<PersistentVolumeClaim>;
  private pods!: Informer;

  constructor(private readonly deps: ControllerDeps) {}

  async run(signal: AbortSignal): Promise<void> {
    const { informers } = this.deps;
    this.claims = informers.informerFor<PersistentVolumeClaim>(R.persistentvolumeclaims);
    this.pods = informers.informerFor(R.pods);
    this.pods.addIndexers({ [BY_NAMESPACE]: (p) => [p.metadata.namespace ?? ''] });
    const addClaim = (c: KubeObject) => this.queue.add(objectKey(c));
    this.claims.addEventHandler({ onAdd: addClaim, onUpdate: (_o, n) => addClaim(n) });
    // A pod going away (or finishing) may release a claim being deleted.
    const podChanged = (p: KubeObject) => {
      for (const name of podClaimNames(p)) {
        const c = this.claims.store.get(`${p.metadata.namespace}/${name}`);
        if (c?.metadata.deletionTimestamp) addClaim(c);
      }
    };
    this.pods.addEventHandler({ onUpdate: (_o, n) => podChanged(n), onDelete: podChanged });
    signal.addEventListener('abort', () => this.queue.shutdown(), { once: true });
    await informers.waitForSync(signal);
    if (signal.aborted) return;
    await processQueue(this.queue, (key) => this.sync(key), (err, key) => this.deps.logger.warn({ err, claim: key }, 'pvc protection sync failed'));
  }

  async sync(key: string): Promise<void> {
    try {
      await this.syncClaim(key);
    } catch (err) {
      if (!isNotFound(err)) throw err; // gone meanwhile: nothing left to protect
    }
  }

  private async syncClaim(key: string): Promise<void> {
    const claim = this.claims.store.get(key);
    if (!claim) return;
    const { namespace, name } = splitKey(key);
    const cached = podsUsingClaim(name, this.pods.store.byIndex(BY_NAMESPACE, namespace));
    let action = finalizerAction(claim, PVC_PROTECTION_FINALIZER, cached.length > 0);
    if (action === 'remove') {
      // The cache may lag behind a pod just created: ask the API server before letting go.
      const live = await this.deps.client.list(R.pods, namespace);
      action = finalizerAction(claim, PVC_PROTECTION_FINALIZER, podsUsingClaim(name, live.items).length > 0);
    }
    if (action === 'none') return;
    await this.deps.client.update(R.persistentvolumeclaims, namespace, withFinalizer(claim, PVC_PROTECTION_FINALIZER, action === 'add'));
  }
}

export const pvcProtectionDescriptor: ControllerDescriptor = {
  name: 'pvc-protection',
  create: (deps) => new PVCProtectionController(deps),
};
