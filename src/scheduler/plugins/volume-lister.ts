// What the volume plugins read beyond the snapshot: claims, volumes (by class) and classes, from
// the scheduler's informers. Built once in setUp; the plugins skip themselves until then.
import type { Informer, SharedInformerFactory } from '../../client/informer-types.js';
import { R } from '../../client/resources.js';
import { volumeClass, type PersistentVolume, type PersistentVolumeClaim, type StorageClass } from '../../storage/api.js';
import type { ClusterEvent } from '../queue.js';

export interface VolumeLister {
  claim(namespace: string, name: string): PersistentVolumeClaim | undefined;
  volume(name: string): PersistentVolume | undefined;
  volumesOfClass(className: string): readonly PersistentVolume[];
  storageClass(name: string): StorageClass | undefined;
}

const BY_CLASS = 'scheduler/pv-class';
const listers = new WeakMap<SharedInformerFactory, VolumeLister>();

/** One lister per informer factory (VolumeBinding and VolumeRestrictions share it), with queue events wired once. */
export function volumeListerFor(informers: SharedInformerFactory, onEvent: (e: ClusterEvent) => void): VolumeLister {
  const existing = listers.get(informers);
  if (existing) return existing;
  const claims: Informer<PersistentVolumeClaim> = informers.informerFor<PersistentVolumeClaim>(R.persistentvolumeclaims);
  const volumes: Informer<PersistentVolume> = informers.informerFor<PersistentVolume>(R.persistentvolumes);
  const classes: Informer<StorageClass> = informers.informerFor<StorageClass>(R.storageclasses);
  volumes.addIndexers({ [BY_CLASS]: (v) => [volumeClass(v)] });
  const on = (e: ClusterEvent) => ({ onAdd: () => onEvent(e), onUpdate: () => onEvent(e), onDelete: () => onEvent(e) });
  claims.addEventHandler(on('PersistentVolumeClaimChange'));
  volumes.addEventHandler(on('PersistentVolumeChange'));
  classes.addEventHandler(on('StorageClassChange'));
  const lister: VolumeLister = {
    claim: (ns, name) => claims.store.get(`${ns}/${name}`),
    volume: (name) => volumes.store.get(name),
    volumesOfClass: (cls) => volumes.store.byIndex(BY_CLASS, cls),
    storageClass: (name) => classes.store.get(name),
  };
  listers.set(informers, lister);
  return lister;
}
