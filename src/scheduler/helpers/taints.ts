// Toleration matching (corev1 Toleration.ToleratesTaint): pure helpers shared by TaintToleration,
// NodeUnschedulable and preemption.
import type { Taint, Toleration } from '../api-types.js';

export function toleratesTaint(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  const op = t.operator || 'Equal';
  if (op === 'Exists') return true;
  if (op === 'Equal') return (t.value ?? '') === (taint.value ?? '');
  return false;
}

export function tolerationsTolerateTaint(tolerations: Toleration[] | undefined, taint: Taint): boolean {
  if (!tolerations) return false;
  for (const t of tolerations) if (toleratesTaint(t, taint)) return true;
  return false;
}

/** The first taint with one of effects that no toleration tolerates, if any. */
export function findUntoleratedTaint(taints: Taint[], tolerations: Toleration[] | undefined, effects: (effect: string) => boolean): Taint | undefined {
  for (const taint of taints) {
    if (!effects(taint.effect)) continue;
    if (!tolerationsTolerateTaint(tolerations, taint)) return taint;
  }
  return undefined;
}
