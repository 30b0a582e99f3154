// DefaultStorageClass admission (mutating): a PersistentVolumeClaim created without
// spec.storageClassName gets the cluster's default StorageClass (the newest one annotated
// is-default-class=true when several are). An explicit "" means "no class" and is kept.
import type { KubeObject } from '../../api/object.js';
import type { AdmissionPlugin } from '../types.js';
import { isResource, type AdmissionRequest } from './attributes.js';
import type { ObjectLookup } from './lookup.js';

export const IS_DEFAULT_CLASS = 'storageclass.kubernetes.io/is-default-class';
const BETA_IS_DEFAULT_CLASS = 'storageclass.beta.kubernetes.io/is-default-class';

export function defaultClass(classes: readonly KubeObject[]): KubeObject | undefined {
  const defaults = classes.filter((c) => c.metadata.annotations?.[IS_DEFAULT_CLASS] === 'true' || c.metadata.annotations?.[BETA_IS_DEFAULT_CLASS] === 'true');
  defaults.sort((x, y) => (y.metadata.creationTimestamp ?? '').localeCompare(x.metadata.creationTimestamp ?? '') || (x.metadata.name! < y.metadata.name! ? -1 : 1));
  return defaults[0];
}

export class DefaultStorageClass implements AdmissionPlugin {
  readonly name = 'DefaultStorageClass';
  constructor(private readonly lookup: ObjectLookup) {}

  async admit(a: AdmissionRequest): Promise<void> {
    if (a.operation !== 'CREATE' || !isResource(a, '', 'persistentvolumeclaims') || !a.object) return;
    const spec = ((a.object as any).spec ??= {});
    if (spec.storageClassName != null) return;
    if (a.object.metadata.annotations?.['volume.beta.kubernetes.io/storage-class'] !== undefined) return;
    const cls = defaultClass(await this.lookup.list('storage.k8s.io', 'storageclasses', ''));
    if (cls) spec.storageClassName = cls.metadata.name;
  }
}
