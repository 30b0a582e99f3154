// The stable identity of a StatefulSet pod (pure): its name `<set>-<ordinal>`, identity labels,
// hostname/subdomain, and its PersistentVolumeClaims `<template>-<set>-<ordinal>` with the
// ownerReferences the retention policy asks for.
import type { KubeObject, OwnerReference } from '../../api/object.js';
import { CONTROLLER_REVISION_HASH_LABEL } from '../history/controller-revision.js';

export const POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';
export const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index';

export interface PodTemplate {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string>; [k: string]: unknown };
  spec?: { volumes?: { name: string; [k: string]: unknown }[]; [k: string]: unknown };
}

export interface StatefulSetSpec {
  replicas?: number;
  selector?: { matchLabels?: Record<string, string> };
  serviceName?: string;
  template: PodTemplate;
  podManagementPolicy?: 'OrderedReady' | 'Parallel';
  updateStrategy?: { type?: 'RollingUpdate' | 'OnDelete'; rollingUpdate?: { partition?: number; maxUnavailable?: number | string } };
  volumeClaimTemplates?: KubeObject[];
  persistentVolumeClaimRetentionPolicy?: { whenDeleted?: 'Retain' | 'Delete'; whenScaled?: 'Retain' | 'Delete' };
  ordinals?: { start?: number };
  minReadySeconds?: number;
  revisionHistoryLimit?: number;
}

export interface StatefulSet extends KubeObject {
  spec: StatefulSetSpec;
  status?: Record<string, unknown>;
}

export const startOrdinal = (set: StatefulSet): number => set.spec.ordinals?.start ?? 0;

export const podName = (setName: string, ordinal: number): string => `${setName}-${ordinal}`;

/** The ordinal encoded in a pod's name, or -1 when the name is not `<set>-<n>`. */
export function ordinalOf(setName: string, podNameValue: string): number {
  if (!podNameValue.startsWith(setName) || podNameValue.charCodeAt(setName.length) !== 45 /* - */) return -1;
  const rest = podNameValue.slice(setName.length + 1);
  if (!/^(0|[1-9][0-9]*)$/.test(rest)) return -1;
  return Number(rest);
}

export const claimName = (templateName: string, setName: string, ordinal: number): string => `${templateName}-${setName}-${ordinal}`;

/** The claims a pod at ordinal uses, as they should be created. */
export function claimsForOrdinal(set: StatefulSet, ordinal: number): KubeObject[] {
  const out: KubeObject[] = [];
  for (const t of set.spec.volumeClaimTemplates ?? []) {
    const labels = { ...(t.metadata.labels ?? {}), ...(set.spec.selector?.matchLabels ?? {}) };
    out.push({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: claimName(t.metadata.name!, set.metadata.name!, ordinal), namespace: set.metadata.namespace, labels, ...(t.metadata.annotations ? { annotations: { ...t.metadata.annotations } } : {}) },
      spec: structuredClone((t as { spec?: unknown }).spec ?? {}),
    });
  }
  return out;
}

/** A new pod for ordinal from template (the set's, or an older revision's), labelled with revisionName. */
export function newStatefulSetPod(set: StatefulSet, template: PodTemplate, ordinal: number, revisionName: string, ref: OwnerReference): KubeObject {
  const name = podName(set.metadata.name!, ordinal);
  const spec = structuredClone(template.spec ?? {}) as NonNullable<PodTemplate['spec']>;
  const claimVolumes = (set.spec.volumeClaimTemplates ?? []).map((t) => ({
    name: t.metadata.name!,
    persistentVolumeClaim: { claimName: claimName(t.metadata.name!, set.metadata.name!, ordinal) },
  }));
  if (claimVolumes.length) {
    const taken = new Set(claimVolumes.map((v) => v.name));
    spec.volumes = [...(spec.volumes ?? []).filter((v) => !taken.has(v.name)), ...claimVolumes];
  }
  spec.hostname = name;
  if (set.spec.serviceName) spec.subdomain = set.spec.serviceName;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: set.metadata.namespace,
      labels: {
        ...(template.metadata?.labels ?? {}),
        [POD_NAME_LABEL]: name,
        [POD_INDEX_LABEL]: String(ordinal),
        [CONTROLLER_REVISION_HASH_LABEL]: revisionName,
      },
      ...(template.metadata?.annotations ? { annotations: { ...template.metadata.annotations } } : {}),
      ownerReferences: [ref],
    },
    spec,
  };
}

/**
 * The ownerReferences a claim should carry under persistentVolumeClaimRetentionPolicy:
 * WhenDeleted=Delete makes the set an owner; WhenScaled=Delete makes a condemned pod (ordinal
 * outside the replica range) the owner instead of the set, since the garbage collector deletes a
 * dependent only once all its owners are gone. Other owners are kept.
 */
export function desiredClaimOwners(claim: KubeObject, set: StatefulSet, pod: KubeObject | undefined, condemned: boolean): OwnerReference[] {
  const policy = set.spec.persistentVolumeClaimRetentionPolicy ?? {};
  const setUid = set.metadata.uid!;
  const podUid = pod?.metadata.uid;
  const refs = (claim.metadata.ownerReferences ?? []).filter((r) => r.uid !== setUid && !(r.kind === 'Pod' && r.name === pod?.metadata.name));
  if (policy.whenScaled === 'Delete' && condemned && pod && podUid) refs.push({ apiVersion: 'v1', kind: 'Pod', name: pod.metadata.name!, uid: podUid });
  else if (policy.whenDeleted === 'Delete') refs.push({ apiVersion: 'apps/v1', kind: 'StatefulSet', name: set.metadata.name!, uid: setUid });
  return refs;
}
