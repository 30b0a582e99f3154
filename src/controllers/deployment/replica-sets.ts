// Reading a Deployment's ReplicaSets (upstream deployment/util): which is new, which are old,
// counts, orderings, and the ReplicaSet to create for a new template. Pure.
import type { ReplicaSet } from '../replicaset/types.js';
import { newControllerRef } from '../replicaset/controller-ref.js';
import type { Deployment } from './types.js';
import { desiredReplicas } from './types.js';
import { computeHash, POD_TEMPLATE_HASH_LABEL, templatesEqualIgnoringHash } from './hash.js';
import { maxSurge, isRollingUpdate } from './fenceposts.js';
import { revisionOf } from './annotations.js';

export const replicasOf = (rs: ReplicaSet): number => rs.spec.replicas ?? 1;

export function sumReplicas(rss: readonly (ReplicaSet | undefined)[]): number {
  let n = 0;
  for (const rs of rss) if (rs) n += replicasOf(rs);
  return n;
}

export function sumStatus(rss: readonly (ReplicaSet | undefined)[], field: 'replicas' | 'readyReplicas' | 'availableReplicas'): number {
  let n = 0;
  for (const rs of rss) if (rs) n += rs.status?.[field] ?? 0;
  return n;
}

export function filterActive(rss: readonly (ReplicaSet | undefined)[]): ReplicaSet[] {
  return rss.filter((rs): rs is ReplicaSet => !!rs && replicasOf(rs) > 0);
}

function created(rs: ReplicaSet): number {
  return rs.metadata.creationTimestamp ? Date.parse(rs.metadata.creationTimestamp) : 0;
}

/** Oldest first; name breaks ties (upstream ReplicaSetsByCreationTimestamp). */
export function byCreation(a: ReplicaSet, b: ReplicaSet): number {
  return created(a) - created(b) || (a.metadata.name ?? '').localeCompare(b.metadata.name ?? '');
}

/** Lowest revision first, creation order on ties (upstream ReplicaSetsByRevision). */
export function byRevision(a: ReplicaSet, b: ReplicaSet): number {
  return revisionOf(a) - revisionOf(b) || byCreation(a, b);
}

/** Larger first; newer first on ties (upstream ReplicaSetsBySizeNewer). */
export function bySizeNewer(a: ReplicaSet, b: ReplicaSet): number {
  return replicasOf(b) - replicasOf(a) || byCreation(b, a);
}

/** Larger first; older first on ties (upstream ReplicaSetsBySizeOlder). */
export function bySizeOlder(a: ReplicaSet, b: ReplicaSet): number {
  return replicasOf(b) - replicasOf(a) || byCreation(a, b);
}

/** The oldest ReplicaSet whose template equals the Deployment's (ignoring the hash label). */
export function findNewReplicaSet(d: Deployment, rss: readonly ReplicaSet[]): ReplicaSet | undefined {
  const sorted = [...rss].sort(byCreation);
  return sorted.find((rs) => templatesEqualIgnoringHash(rs.spec.template, d.spec.template));
}

export function findOldReplicaSets(d: Deployment, rss: readonly ReplicaSet[]): ReplicaSet[] {
  const newRS = findNewReplicaSet(d, rss);
  return rss.filter((rs) => rs !== newRS && rs.metadata.uid !== newRS?.metadata.uid);
}

/**
 * Upstream NewRSNewReplicas: the size a new ReplicaSet may have now. Rolling updates grow it
 * only as far as maxSurge allows over all ReplicaSets; Recreate sizes it fully at once.
 */
export function newRSNewReplicas(d: Deployment, allRSs: readonly (ReplicaSet | undefined)[], newRS: ReplicaSet): number {
  const desired = desiredReplicas(d);
  if (!isRollingUpdate(d)) return desired;
  const current = sumReplicas(allRSs);
  const maxTotal = desired + maxSurge(d);
  if (current >= maxTotal) return replicasOf(newRS);
  const up = Math.min(maxTotal - current, desired - replicasOf(newRS));
  return replicasOf(newRS) + up;
}

/**
 * The ReplicaSet a Deployment creates for its current template: named `<deployment>-<hash>`,
 * with the pod-template-hash label on itself, its selector and its pod template. Its replicas
 * (0 here) and annotations are set by the caller.
 */
export function newRSFromTemplate(d: Deployment): ReplicaSet {
  const hash = computeHash(d.spec.template, d.status?.collisionCount);
  const template = structuredClone(d.spec.template);
  const tm = (template.metadata ??= {});
  tm.labels = { ...(tm.labels ?? {}), [POD_TEMPLATE_HASH_LABEL]: hash };
  const selector = structuredClone(d.spec.selector);
  selector.matchLabels = { ...(selector.matchLabels ?? {}), [POD_TEMPLATE_HASH_LABEL]: hash };
  const rs: ReplicaSet = {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: `${d.metadata.name}-${hash}`,
      namespace: d.metadata.namespace,
      ownerReferences: [newControllerRef(d, 'apps/v1', 'Deployment')],
      labels: { ...tm.labels },
    },
    spec: { replicas: 0, selector, template },
  };
  if (d.spec.minReadySeconds) rs.spec.minReadySeconds = d.spec.minReadySeconds;
  return rs;
}

/** A copy of rs with a different spec.replicas, for planning without touching cached objects. */
export function withReplicas(rs: ReplicaSet, replicas: number): ReplicaSet {
  return { ...rs, spec: { ...rs.spec, replicas } };
}
