// PersistentVolumeClaimResize admission (validating): a claim may ask for more storage only when
// it is bound to a dynamically provisioned volume of a class that allows expansion, as upstream;
// everything else about claim updates is left to validation.
import { parseQuantity } from '../../api/quantity.js';
import type { AdmissionPlugin } from '../types.js';
import { admissionForbidden, isResource, type AdmissionRequest } from './attributes.js';
import type { ObjectLookup } from './lookup.js';

type Claim = { metadata: { annotations?: Record<string, string> }; spec?: { storageClassName?: string | null; volumeName?: string; resources?: { requests?: { storage?: string } } } };

const requested = (c: Claim | undefined) => parseQuantity(c?.spec?.resources?.requests?.storage ?? '0')?.nano ?? 0n;

export class PersistentVolumeClaimResize implements AdmissionPlugin {
  readonly name = 'PersistentVolumeClaimResize';
  constructor(private readonly lookup: ObjectLookup) {}

  async validate(a: AdmissionRequest): Promise<void> {
    if (a.operation !== 'UPDATE' || !isResource(a, '', 'persistentvolumeclaims') || !a.object || !a.oldObject) return;
    const claim = a.object as Claim;
    const old = a.oldObject as Claim;
    if (requested(claim) <= requested(old)) return;
    const cls = old.metadata.annotations?.['volume.beta.kubernetes.io/storage-class'] ?? old.spec?.storageClassName ?? '';
    const sc = cls ? ((await this.lookup.get('storage.k8s.io', 'storageclasses', '', cls)) as { allowVolumeExpansion?: boolean } | undefined) : undefined;
    if (!sc?.allowVolumeExpansion) {
      throw admissionForbidden(a, 'only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize');
    }
  }
}
