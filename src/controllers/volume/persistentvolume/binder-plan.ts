// The binder's decisions, pure over one object and what the caches say about the others:
// upstream's syncUnboundClaim / syncBoundClaim / syncVolume reduced to plans the controller
// carries out. Phases: claims Pending → Bound (→ Lost); volumes Available → Bound → Released
// (→ Failed), with the reclaim policy deciding what happens after Released.
import {
  ANN_BIND_COMPLETED,
  ANN_BOUND_BY_CONTROLLER,
  ANN_PROVISIONED_BY,
  ANN_SELECTED_NODE,
  claimClass,
  type PersistentVolume,
  type PersistentVolumeClaim,
  type StorageClass,
} from '../../../storage/api.js';
import { findMatchingVolume, isVolumeBoundToClaim, volumeMismatch } from './matching.js';

export interface BinderEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

export interface BinderView {
  volume(name: string): PersistentVolume | undefined;
  /** Volumes that might serve a claim of this class. */
  candidates(className: string): Iterable<PersistentVolume>;
  storageClass(name: string): StorageClass | undefined;
  claim(namespace: string, name: string): PersistentVolumeClaim | undefined;
}

export type ClaimPlan =
  | { kind: 'none'; event?: BinderEvent }
  | { kind: 'bind'; volume: PersistentVolume }
  | { kind: 'phase'; phase: 'Pending' | 'Bound' | 'Lost'; event?: BinderEvent }
  /** Ask a provisioner (annotate the claim); the claim stays Pending meanwhile. */
  | { kind: 'provision'; provisioner: string; event: BinderEvent };

export type VolumePlan =
  | { kind: 'none' }
  | { kind: 'phase'; phase: 'Available' | 'Bound' | 'Released' | 'Failed'; message?: string; event?: BinderEvent }
  /** The claim it was bound to went away or moved on: drop claimRef (volume becomes Available). */
  | { kind: 'unbind' }
  /** Released and policy Delete with no provisioner to ask: nothing can delete it. */
  | { kind: 'enqueueClaim'; namespace: string; name: string };

export const WAIT_FOR_FIRST_CONSUMER: BinderEvent = {
  type: 'Normal',
  reason: 'WaitForFirstConsumer',
  message: 'waiting for first consumer to be created before binding',
};

/** The claim's class waits for a pod and the scheduler has not picked a node yet. */
export function shouldDelayBinding(c: PersistentVolumeClaim, cls: StorageClass | undefined): boolean {
  if (cls?.volumeBindingMode !== 'WaitForFirstConsumer') return false;
  return !c.metadata.annotations?.[ANN_SELECTED_NODE];
}

const bindCompleted = (c: PersistentVolumeClaim) => c.metadata.annotations?.[ANN_BIND_COMPLETED] !== undefined;

/** What to do with one claim (upstream syncClaim). */
export function planClaim(c: PersistentVolumeClaim, view: BinderView): ClaimPlan {
  return bindCompleted(c) ? planBoundClaim(c, view) : planUnboundClaim(c, view);
}

function planUnboundClaim(c: PersistentVolumeClaim, view: BinderView): ClaimPlan {
  const cls = claimClass(c);
  const sc = cls ? view.storageClass(cls) : undefined;
  const volumeName = c.spec?.volumeName;
  if (!volumeName) {
    const delay = shouldDelayBinding(c, sc);
    const v = findMatchingVolume(c, view.candidates(cls), { delayBinding: delay });
    if (v) return { kind: 'bind', volume: v };
    if (delay) return { kind: 'none', event: WAIT_FOR_FIRST_CONSUMER };
    if (sc?.provisioner && sc.provisioner !== NO_PROVISIONER) {
      return {
        kind: 'provision',
        provisioner: sc.provisioner,
        event: {
          type: 'Normal',
          reason: 'ExternalProvisioning',
          message: `Waiting for a volume to be created either by the external provisioner '${sc.provisioner}' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.`,
        },
      };
    }
    if (cls && !sc) {
      return { kind: 'phase', phase: 'Pending', event: { type: 'Warning', reason: 'ProvisioningFailed', message: `storageclass.storage.k8s.io "${cls}" not found` } };
    }
    return { kind: 'phase', phase: 'Pending', event: { type: 'Normal', reason: 'FailedBinding', message: 'no persistent volumes available for this claim and no storage class is set' } };
  }
  // Pre-bound by the user to a named volume.
  const v = view.volume(volumeName);
  if (!v) return { kind: 'phase', phase: 'Pending', event: { type: 'Normal', reason: 'FailedBinding', message: `volume "${volumeName}" not found` } };
  if (!v.spec?.claimRef || isVolumeBoundToClaim(v, c)) {
    const why = volumeMismatch(v, c);
    if (why) return { kind: 'phase', phase: 'Pending', event: { type: 'Warning', reason: 'VolumeMismatch', message: `Cannot bind to requested volume "${volumeName}": ${why}` } };
    return { kind: 'bind', volume: v };
  }
  return { kind: 'phase', phase: 'Pending', event: { type: 'Warning', reason: 'FailedBinding', message: `volume "${volumeName}" already bound to a different claim.` } };
}

function planBoundClaim(c: PersistentVolumeClaim, view: BinderView): ClaimPlan {
  const volumeName = c.spec?.volumeName;
  if (!volumeName) {
    return c.status?.phase === 'Lost' ? { kind: 'none' } : { kind: 'phase', phase: 'Lost', event: { type: 'Warning', reason: 'ClaimLost', message: 'Bound claim has lost reference to PersistentVolume. Data on the volume is lost!' } };
  }
  const v = view.volume(volumeName);
  if (!v) {
    return c.status?.phase === 'Lost' ? { kind: 'none' } : { kind: 'phase', phase: 'Lost', event: { type: 'Warning', reason: 'ClaimLost', message: 'Bound claim has lost its PersistentVolume. Data on the volume is lost!' } };
  }
  if (!v.spec?.claimRef) return { kind: 'bind', volume: v };
  if (v.spec.claimRef.uid === c.metadata.uid && isVolumeBoundToClaim(v, c)) {
    return c.status?.phase === 'Bound' ? { kind: 'none' } : { kind: 'bind', volume: v };
  }
  return c.status?.phase === 'Lost' ? { kind: 'none' } : { kind: 'phase', phase: 'Lost', event: { type: 'Warning', reason: 'ClaimMisbound', message: 'Two claims are bound to the same volume, this one is bound incorrectly' } };
}

/** The provisioner name upstream uses for classes of statically created volumes only. */
export const NO_PROVISIONER = 'kubernetes.io/no-provisioner';

/** What to do with one volume (upstream syncVolume). */
export function planVolume(v: PersistentVolume, view: BinderView): VolumePlan {
  const phase = v.status?.phase;
  const ref = v.spec?.claimRef;
  if (!ref) return phase === 'Available' ? { kind: 'none' } : { kind: 'phase', phase: 'Available' };
  if (!ref.uid) {
    // Pre-bound by an admin to a claim name; it binds when that claim syncs.
    return phase === 'Available' ? { kind: 'none' } : { kind: 'phase', phase: 'Available' };
  }
  let claim = view.claim(ref.namespace ?? '', ref.name ?? '');
  if (claim && claim.metadata.uid !== ref.uid) claim = undefined;
  if (!claim) {
    if (phase === 'Failed') return { kind: 'none' };
    if (phase !== 'Released') return { kind: 'phase', phase: 'Released' };
    const policy = v.spec?.persistentVolumeReclaimPolicy ?? 'Retain';
    if (policy === 'Retain') return { kind: 'none' };
    if (policy === 'Recycle') return { kind: 'phase', phase: 'Failed', message: 'Recycle reclaim policy is not supported', event: { type: 'Warning', reason: 'VolumeFailedRecycle', message: 'Recycle reclaim policy is not supported' } };
    // Delete: a provisioner deletes what it provisioned (and then the volume object).
    if (v.metadata.annotations?.[ANN_PROVISIONED_BY]) return { kind: 'none' };
    const msg = `error getting deleter volume plugin for volume "${v.metadata.name}": no deletable volume plugin matched`;
    return { kind: 'phase', phase: 'Failed', message: msg, event: { type: 'Warning', reason: 'VolumeFailedDelete', message: msg } };
  }
  const claimVolume = claim.spec?.volumeName;
  if (!claimVolume) {
    // The claim has not caught up yet (the binder writes the volume first); let it finish.
    return { kind: 'enqueueClaim', namespace: claim.metadata.namespace!, name: claim.metadata.name! };
  }
  if (claimVolume === v.metadata.name) return phase === 'Bound' ? { kind: 'none' } : { kind: 'phase', phase: 'Bound' };
  // The claim went to another volume. A volume the binder bound goes back to the pool; one a
  // provisioner made for that claim is released (and so reclaimed); an admin's pre-binding stays.
  if (v.metadata.annotations?.[ANN_BOUND_BY_CONTROLLER] !== undefined) {
    if (v.metadata.annotations?.[ANN_PROVISIONED_BY]) return phase === 'Released' ? { kind: 'none' } : { kind: 'phase', phase: 'Released' };
    return { kind: 'unbind' };
  }
  return { kind: 'none' };
}

/** The volume as the binder writes it when binding it to the claim (claimRef and annotation). */
export function volumeBoundTo(v: PersistentVolume, c: PersistentVolumeClaim): PersistentVolume | undefined {
  const ref = v.spec?.claimRef;
  const sameRef = ref && ref.uid === c.metadata.uid && ref.name === c.metadata.name && ref.namespace === c.metadata.namespace;
  if (sameRef) return undefined;
  const annotations = { ...v.metadata.annotations };
  if (!ref) annotations[ANN_BOUND_BY_CONTROLLER] = 'yes';
  return {
    ...v,
    metadata: { ...v.metadata, annotations },
    spec: {
      ...v.spec,
      claimRef: { kind: 'PersistentVolumeClaim', namespace: c.metadata.namespace, name: c.metadata.name, uid: c.metadata.uid, apiVersion: 'v1', resourceVersion: c.metadata.resourceVersion },
    },
  };
}

/** The claim as the binder writes it when binding it to the volume, or undefined when it already is. */
export function claimBoundTo(c: PersistentVolumeClaim, v: PersistentVolume): PersistentVolumeClaim | undefined {
  const ann = c.metadata.annotations ?? {};
  if (c.spec?.volumeName === v.metadata.name && ann[ANN_BIND_COMPLETED] !== undefined) return undefined;
  const annotations: Record<string, string> = { ...ann, [ANN_BIND_COMPLETED]: 'yes' };
  if (c.spec?.volumeName !== v.metadata.name) annotations[ANN_BOUND_BY_CONTROLLER] = 'yes';
  return { ...c, metadata: { ...c.metadata, annotations }, spec: { ...c.spec, volumeName: v.metadata.name } };
}
