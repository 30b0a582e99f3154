// PersistentVolumeController: upstream's "persistentvolume-binder". It binds claims to volumes
// (claimRef on the volume, volumeName and bind-completed on the claim), keeps claim phases
// (Pending, Bound, Lost) and volume phases (Available, Bound, Released, Failed), hands claims of
// classes with a provisioner to that provisioner (volume.kubernetes.io/storage-provisioner) and
// leaves WaitForFirstConsumer claims for the scheduler. It never creates or deletes volumes and
// never touches storage itself: provisioners (src/controllers/volume/provisioner/) do.
import type { KubeObject } from '../../../api/object.js';
import type { Informer } from '../../../client/informer-types.js';
import { R, objectKey } from '../../../client/resources.js';
import { isNotFound } from '../../../client/types.js';
import { WorkQueue } from '../../../client/workqueue.js';
import {
  ANN_BETA_STORAGE_PROVISIONER,
  ANN_BOUND_BY_CONTROLLER,
  ANN_STORAGE_PROVISIONER,
  volumeClass,
  type PersistentVolume,
  type PersistentVolumeClaim,
  type StorageClass,
} from '../../../storage/api.js';
import { processQueue } from '../../process-queue.js';
import type { Controller, ControllerDeps, ControllerDescriptor } from '../../types.js';
import { claimBoundTo, planClaim, planVolume, volumeBoundTo, type BinderEvent, type BinderView } from './binder-plan.js';

const BY_CLASS = 'pv/class';
const CLAIM = 'c:';
const VOLUME = 'v:';

export interface BinderOptions {
  workers?: number;
  /** Every claim and volume is looked at again this often (upstream 15 s). */
  resyncMs?: number;
}

/** a is a newer write of the same object than b (resourceVersions compare as numbers when they are). */
function newer(a: KubeObject, b: KubeObject | undefined): boolean {
  if (!b) return true;
  const x = a.metadata.resourceVersion ?? '';
  const y = b.metadata.resourceVersion ?? '';
  if (/^\d+$/.test(x) && /^\d+$/.test(y)) return x.length !== y.length ? x.length > y.length : x > y;
  return x !== y;
}

/**
 * Objects this controller wrote, kept until the informer shows them (upstream's assume cache):
 * the next claim must not pick a volume that was just given away.
 */
class Written<T extends KubeObject> {
  private readonly objs = new Map<string, T>();
  constructor(private readonly informer: () => Informer<T>) {}
  get(key: string): T | undefined {
    const cached = this.informer().store.get(key);
    const w = this.objs.get(key);
    if (!w) return cached;
    if (cached && !newer(w, cached)) {
      this.objs.delete(key);
      return cached;
    }
    return w;
  }
  fresh(o: T): T {
    const w = this.objs.get(objectKey(o));
    return w && newer(w, o) ? w : o;
  }
  remember(o: T): void {
    this.objs.set(objectKey(o), o);
  }
  forget(key: string): void {
    this.objs.delete(key);
  }
}

export class PersistentVolumeController implements Controller {
  private readonly queue = new WorkQueue(10, 60_000);
  private volumes!: Informer<PersistentVolume>;
  private claims!: Informer<PersistentVolumeClaim>;
  private classes!: Informer<StorageClass>;
  private readonly writtenVolumes = new Written<PersistentVolume>(() => this.volumes);
  private readonly writtenClaims = new Written<PersistentVolumeClaim>(() => this.claims);

  constructor(private readonly deps: ControllerDeps, private readonly opts: BinderOptions = {}) {}

  private readonly view: BinderView = {
    volume: (name) => this.writtenVolumes.get(name),
    candidates: (cls) => this.candidates(cls),
    storageClass: (name) => this.classes.store.get(name),
    claim: (ns, name) => this.writtenClaims.get(`${ns}/${name}`),
  };

  /** Volumes a worker is binding right now: no other worker may pick them meanwhile. */
  private readonly binding = new Set<string>();

  private *candidates(cls: string): Iterable<PersistentVolume> {
    for (const v of this.volumes.store.byIndex(BY_CLASS, cls)) if (!this.binding.has(v.metadata.name!)) yield this.writtenVolumes.fresh(v);
  }

  async run(signal: AbortSignal): Promise<void> {
    const { informers } = this.deps;
    this.volumes = informers.informerFor<PersistentVolume>(R.persistentvolumes);
    this.claims = informers.informerFor<PersistentVolumeClaim>(R.persistentvolumeclaims);
    this.classes = informers.informerFor<StorageClass>(R.storageclasses);
    this.volumes.addIndexers({ [BY_CLASS]: (v) => [volumeClass(v)] });
    const addClaim = (c: KubeObject) => {
      const key = objectKey(c);
      this.writtenClaims.get(key); // drops our own write once the informer has caught up
      this.queue.add(CLAIM + key);
    };
    const addVolume = (v: PersistentVolume) => {
      this.writtenVolumes.get(v.metadata.name!);
      this.queue.add(VOLUME + v.metadata.name);
      const ref = v.spec?.claimRef;
      if (ref?.name) this.queue.add(`${CLAIM}${ref.namespace}/${ref.name}`);
    };
    this.claims.addEventHandler({
      onAdd: addClaim,
      onUpdate: (_o, n) => addClaim(n),
      onDelete: (c) => {
        this.writtenClaims.forget(objectKey(c));
        // The volume it was bound to is now Released.
        const vn = c.spec?.volumeName;
        if (vn) this.queue.add(VOLUME + vn);
        else for (const v of this.volumes.store.list()) if (v.spec?.claimRef?.uid === c.metadata.uid) this.queue.add(VOLUME + v.metadata.name);
      },
    });
    this.volumes.addEventHandler({
      onAdd: addVolume,
      onUpdate: (_o, n) => addVolume(n),
      onDelete: (v) => {
        this.writtenVolumes.forget(v.metadata.name!);
        const ref = v.spec?.claimRef;
        if (ref?.name) this.queue.add(`${CLAIM}${ref.namespace}/${ref.name}`);
        // A claim that was waiting for a volume may now find another one.
        for (const c of this.claims.store.list()) if (c.status?.phase === 'Pending') addClaim(c);
      },
    });
    const classChanged = (sc: StorageClass) => {
      for (const c of this.claims.store.list()) if (c.status?.phase === 'Pending' && (c.spec?.storageClassName ?? '') === sc.metadata.name) addClaim(c);
    };
    this.classes.addEventHandler({ onAdd: classChanged, onUpdate: (_o, n) => classChanged(n) });
    signal.addEventListener('abort', () => this.queue.shutdown(), { once: true });
    await informers.waitForSync(signal);
    if (signal.aborted) return;
    const resync = setInterval(() => {
      for (const v of this.volumes.store.list()) this.queue.add(VOLUME + v.metadata.name);
      for (const c of this.claims.store.list()) if (c.status?.phase !== 'Bound') addClaim(c);
    }, this.opts.resyncMs ?? 15_000);
    resync.unref();
    signal.addEventListener('abort', () => clearInterval(resync), { once: true });
    // Several workers let writes share the store's group commits. A volume being bound is hidden
    // from the others (`binding`); a stale pick still fails on its resourceVersion and is retried.
    await Promise.all(Array.from({ length: this.opts.workers ?? 8 }, () => processQueue(this.queue, this.reconcile, (err, key) => this.deps.logger.warn({ err, key }, 'persistent volume sync failed'))));
  }

  private reconcile = (key: string): Promise<void> => (key.startsWith(CLAIM) ? this.syncClaim(key.slice(CLAIM.length)) : this.syncVolume(key.slice(VOLUME.length)));

  private event(obj: KubeObject, e: BinderEvent | undefined): void {
    if (e) this.deps.recorder.event(obj, e.type, e.reason, e.message);
  }

  async syncClaim(key: string): Promise<void> {
    const claim = this.writtenClaims.get(key);
    if (!claim) return;
    const plan = planClaim(claim, this.view);
    switch (plan.kind) {
      case 'none':
        this.event(claim, plan.event);
        return;
      case 'phase':
        this.event(claim, plan.event);
        await this.claimPhase(claim, plan.phase);
        return;
      case 'provision': {
        this.event(claim, plan.event);
        const ann = claim.metadata.annotations ?? {};
        if (ann[ANN_STORAGE_PROVISIONER] === plan.provisioner && ann[ANN_BETA_STORAGE_PROVISIONER] === plan.provisioner) return;
        const annotations = { ...ann, [ANN_STORAGE_PROVISIONER]: plan.provisioner, [ANN_BETA_STORAGE_PROVISIONER]: plan.provisioner };
        const updated = await this.deps.client.update<PersistentVolumeClaim>(R.persistentvolumeclaims, claim.metadata.namespace!, { ...claim, metadata: { ...claim.metadata, annotations } });
        this.writtenClaims.remember(updated);
        return;
      }
      case 'bind': {
        const name = plan.volume.metadata.name!;
        if (this.binding.has(name)) {
          this.queue.addAfter(CLAIM + key, 20);
          return;
        }
        this.binding.add(name);
        try {
          await this.bind(claim, plan.volume);
        } finally {
          this.binding.delete(name);
        }
        return;
      }
    }
  }

  async syncVolume(name: string): Promise<void> {
    const v = this.writtenVolumes.get(name);
    if (!v) return;
    const plan = planVolume(v, this.view);
    switch (plan.kind) {
      case 'none':
        return;
      case 'enqueueClaim':
        this.queue.add(`${CLAIM}${plan.namespace}/${plan.name}`);
        return;
      case 'phase':
        this.event(v, plan.event);
        await this.volumePhase(v, plan.phase, plan.message);
        return;
      case 'unbind': {
        const annotations = { ...v.metadata.annotations };
        delete annotations[ANN_BOUND_BY_CONTROLLER];
        const spec = { ...v.spec };
        delete spec.claimRef;
        const updated = await this.deps.client.update<PersistentVolume>(R.persistentvolumes, '', { ...v, metadata: { ...v.metadata, annotations }, spec });
        this.writtenVolumes.remember(updated);
        await this.volumePhase(updated, 'Available');
        return;
      }
    }
  }

  /** upstream bind(): volume first (so no other claim takes it), then the claim, then both phases. */
  private async bind(claim: PersistentVolumeClaim, volume: PersistentVolume): Promise<void> {
    const { client } = this.deps;
    let v = volume;
    const boundVolume = volumeBoundTo(v, claim);
    if (boundVolume) {
      v = await client.update<PersistentVolume>(R.persistentvolumes, '', boundVolume);
      this.writtenVolumes.remember(v);
    }
    v = await this.volumePhase(v, 'Bound');
    let c = claim;
    const boundClaim = claimBoundTo(c, v);
    if (boundClaim) {
      c = await client.update<PersistentVolumeClaim>(R.persistentvolumeclaims, claim.metadata.namespace!, boundClaim);
      this.writtenClaims.remember(c);
    }
    const capacity = v.spec?.capacity;
    const modes = v.spec?.accessModes;
    if (c.status?.phase === 'Bound' && JSON.stringify(c.status.capacity) === JSON.stringify(capacity) && JSON.stringify(c.status.accessModes) === JSON.stringify(modes)) return;
    c = await client.update<PersistentVolumeClaim>(R.persistentvolumeclaims, c.metadata.namespace!, { ...c, status: { ...c.status, phase: 'Bound', capacity, accessModes: modes } }, { subresource: 'status' });
    this.writtenClaims.remember(c);
  }

  private async claimPhase(c: PersistentVolumeClaim, phase: 'Pending' | 'Bound' | 'Lost'): Promise<void> {
    if (c.status?.phase === phase) return;
    try {
      const updated = await this.deps.client.update<PersistentVolumeClaim>(R.persistentvolumeclaims, c.metadata.namespace!, { ...c, status: { ...c.status, phase } }, { subresource: 'status' });
      this.writtenClaims.remember(updated);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  private async volumePhase(v: PersistentVolume, phase: 'Available' | 'Bound' | 'Released' | 'Failed', message?: string): Promise<PersistentVolume> {
    if (v.status?.phase === phase && v.status.message === message) return v;
    const status: PersistentVolume['status'] = { ...v.status, phase, lastPhaseTransitionTime: this.deps.clock.now().toISOString().replace(/\.\d+Z$/, 'Z') };
    if (message) status.message = message;
    else delete status.message;
    const updated = await this.deps.client.update<PersistentVolume>(R.persistentvolumes, '', { ...v, status }, { subresource: 'status' });
    this.writtenVolumes.remember(updated);
    return updated;
  }
}

export const persistentVolumeBinderDescriptor: ControllerDescriptor = {
  name: 'persistentvolume-binder',
  create: (deps) => new PersistentVolumeController(deps),
};
