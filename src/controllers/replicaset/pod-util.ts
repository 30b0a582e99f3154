// Pod predicates shared by workload controllers (upstream podutil / controller_utils).
import type { KubeObject, OwnerReference } from '../../api/object.js';
import type { Pod, PodCondition } from './types.js';

export function podReadyCondition(pod: Pod): PodCondition | undefined {
  const conds = pod.status?.conditions;
  if (!conds) return undefined;
  for (const c of conds) if (c.type === 'Ready') return c;
  return undefined;
}

export function isPodReady(pod: Pod): boolean {
  return podReadyCondition(pod)?.status === 'True';
}

/** Ready for at least minReadySeconds (upstream podutil.IsPodAvailable). */
export function isPodAvailable(pod: Pod, minReadySeconds: number, now: Date): boolean {
  const c = podReadyCondition(pod);
  if (c?.status !== 'True') return false;
  if (!minReadySeconds) return true;
  if (!c.lastTransitionTime) return false;
  return Date.parse(c.lastTransitionTime) + minReadySeconds * 1000 < now.getTime();
}

/** Counts toward a controller's replicas: not finished and not being deleted. */
export function isPodActive(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed' && !pod.metadata.deletionTimestamp;
}

export function controllerRefOf(obj: KubeObject): OwnerReference | undefined {
  const refs = obj.metadata.ownerReferences;
  if (!refs) return undefined;
  for (const r of refs) if (r.controller) return r;
  return undefined;
}

/** How long until a pod that is ready now becomes available; undefined when it never will without another change. */
export function msUntilAvailable(pod: Pod, minReadySeconds: number, now: Date): number | undefined {
  const c = podReadyCondition(pod);
  if (c?.status !== 'True' || !minReadySeconds || !c.lastTransitionTime) return undefined;
  const at = Date.parse(c.lastTransitionTime) + minReadySeconds * 1000;
  return at >= now.getTime() ? at - now.getTime() + 1 : undefined;
}

/** RFC 3339 with second precision, as metav1.Time serialises. */
export function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d+Z$/, 'Z');
}
