// The storage objects (PersistentVolume, PersistentVolumeClaim, StorageClass) as the binder,
// provisioner, scheduler and kubelet read them, and the upstream annotation and finalizer names
// they coordinate through. Types only name the fields k8ts uses.
import type { KubeObject } from '../api/object.js';
import type { NodeSelectorTerm } from '../scheduler/api-types.js';

export type AccessMode = 'ReadWriteOnce' | 'ReadOnlyMany' | 'ReadWriteMany' | 'ReadWriteOncePod';
export type ReclaimPolicy = 'Retain' | 'Delete' | 'Recycle';

export interface ObjectReference {
  kind?: string;
  apiVersion?: string;
  namespace?: string;
  name?: string;
  uid?: string;
  resourceVersion?: string;
}

export interface LabelSelectorSpec {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

export interface PersistentVolume extends KubeObject {
  spec?: {
    capacity?: { storage?: string };
    accessModes?: AccessMode[];
    claimRef?: ObjectReference;
    persistentVolumeReclaimPolicy?: ReclaimPolicy;
    storageClassName?: string;
    volumeMode?: string;
    mountOptions?: string[];
    nodeAffinity?: { required?: { nodeSelectorTerms?: NodeSelectorTerm[] } };
    hostPath?: { path: string; type?: string };
    local?: { path: string; fsType?: string };
    csi?: { driver: string; volumeHandle: string; readOnly?: boolean; volumeAttributes?: Record<string, string> };
    [source: string]: unknown;
  };
  status?: { phase?: 'Pending' | 'Available' | 'Bound' | 'Released' | 'Failed'; message?: string; reason?: string; lastPhaseTransitionTime?: string };
}

export interface PersistentVolumeClaim extends KubeObject {
  spec?: {
    accessModes?: AccessMode[];
    resources?: { requests?: { storage?: string }; limits?: { storage?: string } };
    selector?: LabelSelectorSpec | null;
    storageClassName?: string | null;
    volumeName?: string;
    volumeMode?: string;
    dataSource?: unknown;
  };
  status?: {
    phase?: 'Pending' | 'Bound' | 'Lost';
    accessModes?: AccessMode[];
    capacity?: { storage?: string };
    conditions?: unknown[];
  };
}

export interface StorageClass extends KubeObject {
  provisioner?: string;
  parameters?: Record<string, string>;
  reclaimPolicy?: ReclaimPolicy;
  volumeBindingMode?: 'Immediate' | 'WaitForFirstConsumer';
  allowVolumeExpansion?: boolean;
  mountOptions?: string[];
  allowedTopologies?: { matchLabelExpressions?: { key: string; values: string[] }[] }[];
}

/** Set on a claim once the binder finished binding it (upstream annBindCompleted). */
export const ANN_BIND_COMPLETED = 'pv.kubernetes.io/bind-completed';
/** Set on a claim or volume the binder bound (as opposed to a user pre-binding it). */
export const ANN_BOUND_BY_CONTROLLER = 'pv.kubernetes.io/bound-by-controller';
/** The provisioner that created a volume. */
export const ANN_PROVISIONED_BY = 'pv.kubernetes.io/provisioned-by';
/** The provisioner asked to provision a claim; the beta name is still written, as upstream. */
export const ANN_STORAGE_PROVISIONER = 'volume.kubernetes.io/storage-provisioner';
export const ANN_BETA_STORAGE_PROVISIONER = 'volume.beta.kubernetes.io/storage-provisioner';
/** The node the scheduler chose for a WaitForFirstConsumer claim. */
export const ANN_SELECTED_NODE = 'volume.kubernetes.io/selected-node';
/** The legacy way to name a claim's class. */
export const ANN_BETA_STORAGE_CLASS = 'volume.beta.kubernetes.io/storage-class';

export const PVC_PROTECTION_FINALIZER = 'kubernetes.io/pvc-protection';
export const PV_PROTECTION_FINALIZER = 'kubernetes.io/pv-protection';

/** A claim's class: spec.storageClassName, else the beta annotation, else "" (no class). */
export function claimClass(c: PersistentVolumeClaim): string {
  const ann = c.metadata.annotations?.[ANN_BETA_STORAGE_CLASS];
  if (ann !== undefined) return ann;
  return c.spec?.storageClassName ?? '';
}

export function volumeClass(v: PersistentVolume): string {
  const ann = v.metadata.annotations?.[ANN_BETA_STORAGE_CLASS];
  if (ann !== undefined) return ann;
  return v.spec?.storageClassName ?? '';
}

/** The claims a pod's volumes name: persistentVolumeClaim sources and generic ephemeral volumes. */
export function podClaimNames(pod: { metadata: { name?: string }; spec?: object }): string[] {
  const vols = (pod.spec as { volumes?: PodVolume[] } | undefined)?.volumes;
  if (!vols || vols.length === 0) return EMPTY;
  let out: string[] | undefined;
  for (const v of vols) {
    const name = v.persistentVolumeClaim ? v.persistentVolumeClaim.claimName : v.ephemeral ? `${pod.metadata.name}-${v.name}` : undefined;
    if (name !== undefined) (out ??= []).push(name);
  }
  return out ?? EMPTY;
}

interface PodVolume {
  name: string;
  persistentVolumeClaim?: { claimName: string };
  ephemeral?: unknown;
}

const EMPTY: string[] = [];

/** A pod that no longer runs (and so no longer uses its volumes). */
export function podIsTerminated(pod: { status?: { phase?: string } }): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}
