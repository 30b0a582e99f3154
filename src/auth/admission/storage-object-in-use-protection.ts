// StorageObjectInUseProtection admission (mutating): every PersistentVolumeClaim and
// PersistentVolume is created with its protection finalizer, so deleting one that is in use
// waits for the pvc-protection / pv-protection controllers to agree. Nothing else is changed.
import type { AdmissionPlugin } from '../types.js';
import { isResource, type AdmissionRequest } from './attributes.js';

const FINALIZERS: Record<string, string> = {
  persistentvolumeclaims: 'kubernetes.io/pvc-protection',
  persistentvolumes: 'kubernetes.io/pv-protection',
};

export class StorageObjectInUseProtection implements AdmissionPlugin {
  readonly name = 'StorageObjectInUseProtection';

  async admit(a: AdmissionRequest): Promise<void> {
    if (a.operation !== 'CREATE' || !a.object) return;
    const plural = isResource(a, '', 'persistentvolumeclaims') ? 'persistentvolumeclaims' : isResource(a, '', 'persistentvolumes') ? 'persistentvolumes' : undefined;
    if (!plural) return;
    const finalizer = FINALIZERS[plural]!;
    const meta = a.object.metadata;
    if (meta.finalizers?.includes(finalizer)) return;
    meta.finalizers = [...(meta.finalizers ?? []), finalizer];
  }
}
