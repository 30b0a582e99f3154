// The provisioner's decisions, pure: which claims a driver should provision now, the CSI request
// for a claim, the PersistentVolume that records the driver's answer, and which volumes the driver
// should delete. As upstream's external-provisioner (sig-storage-lib-external-provisioner).
import { formatQuantity, parseQuantity } from '../../../api/quantity.js';
import {
  ANN_BETA_STORAGE_PROVISIONER,
  ANN_PROVISIONED_BY,
  ANN_SELECTED_NODE,
  ANN_STORAGE_PROVISIONER,
  claimClass,
  type PersistentVolume,
  type PersistentVolumeClaim,
  type StorageClass,
} from '../../../storage/api.js';
import { csiAccessMode, type CreateVolumeRequest, type Topology, type Volume } from '../../../storage/csi.js';
import { HOSTNAME_LABEL, volumeNameFor } from '../../../storage/local-path/names.js';

/** Why the claim is not (yet) this driver's to provision, or undefined when it is. */
export function notProvisionable(c: PersistentVolumeClaim, sc: StorageClass | undefined, driver: string): string | undefined {
  const ann = c.metadata.annotations ?? {};
  if ((ann[ANN_STORAGE_PROVISIONER] ?? ann[ANN_BETA_STORAGE_PROVISIONER]) !== driver) return 'not asked';
  if (c.metadata.deletionTimestamp) return 'being deleted';
  if (c.spec?.volumeName) return 'already has a volume';
  if (c.status?.phase && c.status.phase !== 'Pending') return `claim is ${c.status.phase}`;
  if (!sc || sc.provisioner !== driver) return 'class is not this driver\'s';
  if (sc.volumeBindingMode === 'WaitForFirstConsumer' && !ann[ANN_SELECTED_NODE]) return 'waiting for a node to be selected';
  return undefined;
}

/** The CreateVolume request for a claim; nodes is who may hold an Immediate volume (preferred first). */
export function createVolumeRequest(c: PersistentVolumeClaim, sc: StorageClass, candidateNodes: readonly string[]): CreateVolumeRequest {
  const selected = c.metadata.annotations?.[ANN_SELECTED_NODE];
  const nodes = selected ? [selected] : candidateNodes;
  const topo: Topology[] = nodes.map((n) => ({ segments: { [HOSTNAME_LABEL]: n } }));
  const bytes = parseQuantity(c.spec?.resources?.requests?.storage ?? '0')?.nano ?? 0n;
  return {
    name: volumeNameFor(c.metadata.uid!),
    capacityBytes: (bytes + 999_999_999n) / 1_000_000_000n,
    volumeCapabilities: (c.spec?.accessModes ?? ['ReadWriteOnce']).map((m) => ({ accessMode: csiAccessMode(m), accessType: 'mount' as const })),
    parameters: { ...sc.parameters },
    accessibilityRequirements: { requisite: topo, preferred: topo.slice(0, 1) },
    claim: { namespace: c.metadata.namespace!, name: c.metadata.name!, uid: c.metadata.uid! },
  };
}

/**
 * The PersistentVolume for a created volume: pre-bound to the claim (the binder completes the
 * binding), pinned to the volume's topology, with the class's reclaim policy and mount options.
 */
export function volumeFor(c: PersistentVolumeClaim, sc: StorageClass, driver: string, vol: Volume, extraAnnotations: Record<string, string> = {}): PersistentVolume {
  const request = c.spec?.resources?.requests?.storage;
  const capacity = request ?? formatQuantity({ nano: vol.capacityBytes * 1_000_000_000n, format: 'BinarySI' });
  const terms = vol.accessibleTopology.map((t) => ({
    matchExpressions: Object.entries(t.segments).map(([key, value]) => ({ key, operator: 'In', values: [value] })),
  }));
  const pv: PersistentVolume = {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name: vol.volumeId, annotations: { [ANN_PROVISIONED_BY]: driver, ...extraAnnotations } },
    spec: {
      capacity: { storage: String(capacity) },
      accessModes: c.spec?.accessModes ?? ['ReadWriteOnce'],
      persistentVolumeReclaimPolicy: sc.reclaimPolicy ?? 'Delete',
      storageClassName: claimClass(c),
      volumeMode: c.spec?.volumeMode ?? 'Filesystem',
      claimRef: { kind: 'PersistentVolumeClaim', apiVersion: 'v1', namespace: c.metadata.namespace, name: c.metadata.name, uid: c.metadata.uid, resourceVersion: c.metadata.resourceVersion },
      hostPath: { path: vol.volumeContext.path!, type: 'DirectoryOrCreate' },
    },
  };
  if (terms.length) pv.spec!.nodeAffinity = { required: { nodeSelectorTerms: terms } };
  if (sc.mountOptions?.length) pv.spec!.mountOptions = [...sc.mountOptions];
  return pv;
}

/** The driver should delete this volume now: its own, Released, policy Delete. */
export function shouldDelete(pv: PersistentVolume, driver: string): boolean {
  return (
    pv.metadata.annotations?.[ANN_PROVISIONED_BY] === driver &&
    pv.status?.phase === 'Released' &&
    (pv.spec?.persistentVolumeReclaimPolicy ?? 'Retain') === 'Delete'
  );
}

/**
 * The size a bound claim of this driver should grow its volume to (its new request), or
 * undefined: the class must allow expansion and the request must exceed the volume's capacity.
 */
export function expansionTarget(c: PersistentVolumeClaim, pv: PersistentVolume | undefined, sc: StorageClass | undefined, driver: string): string | undefined {
  if (!pv || c.status?.phase !== 'Bound' || c.spec?.volumeName !== pv.metadata.name) return undefined;
  if (pv.metadata.annotations?.[ANN_PROVISIONED_BY] !== driver || !sc?.allowVolumeExpansion) return undefined;
  const want = c.spec?.resources?.requests?.storage;
  const have = parseQuantity(pv.spec?.capacity?.storage ?? '0')?.nano ?? 0n;
  const wantQ = parseQuantity(want ?? '0')?.nano ?? 0n;
  return wantQ > have ? want : undefined;
}
