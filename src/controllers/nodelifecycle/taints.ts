// Condition taints and NoExecute eviction (pure), as upstream's node lifecycle controller and
// taint eviction manager: the node's conditions decide which node.kubernetes.io/* taints it
// carries; a pod on a node with NoExecute taints is evicted at once unless it tolerates them all,
// and otherwise when the shortest tolerationSeconds of the tolerations used runs out.
import type { KubeObject } from '../../api/object.js';
import { conditionsOf } from './node-health.js';

export interface Taint {
  key: string;
  value?: string;
  effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
  timeAdded?: string;
}

export interface Toleration {
  key?: string;
  operator?: 'Exists' | 'Equal';
  value?: string;
  effect?: string;
  tolerationSeconds?: number;
}

export const TAINT_NOT_READY = 'node.kubernetes.io/not-ready';
export const TAINT_UNREACHABLE = 'node.kubernetes.io/unreachable';
export const TAINT_UNSCHEDULABLE = 'node.kubernetes.io/unschedulable';
const CONDITION_TAINTS: Record<string, string> = {
  MemoryPressure: 'node.kubernetes.io/memory-pressure',
  DiskPressure: 'node.kubernetes.io/disk-pressure',
  PIDPressure: 'node.kubernetes.io/pid-pressure',
  NetworkUnavailable: 'node.kubernetes.io/network-unavailable',
};
const MANAGED_KEYS = new Set([TAINT_NOT_READY, TAINT_UNREACHABLE, TAINT_UNSCHEDULABLE, ...Object.values(CONDITION_TAINTS)]);

export function taintsOf(node: KubeObject): Taint[] {
  return ((node as any).spec?.taints ?? []) as Taint[];
}

/** The managed taints the node's conditions and spec call for. */
export function conditionTaints(node: KubeObject): Taint[] {
  const out: Taint[] = [];
  const conds = conditionsOf(node);
  const ready = conds.find((c) => c.type === 'Ready');
  if (ready?.status === 'False') out.push({ key: TAINT_NOT_READY, effect: 'NoExecute' }, { key: TAINT_NOT_READY, effect: 'NoSchedule' });
  else if (ready?.status === 'Unknown') out.push({ key: TAINT_UNREACHABLE, effect: 'NoExecute' }, { key: TAINT_UNREACHABLE, effect: 'NoSchedule' });
  if ((node as any).spec?.unschedulable) out.push({ key: TAINT_UNSCHEDULABLE, effect: 'NoSchedule' });
  for (const c of conds) {
    const key = CONDITION_TAINTS[c.type];
    if (key && c.status === 'True') out.push({ key, effect: 'NoSchedule' });
  }
  return out;
}

/**
 * The node's full taint list after reconciling the managed ones (others are kept as they are;
 * a managed taint already present keeps its timeAdded). Undefined when nothing changes.
 */
export function reconcileTaints(node: KubeObject, nowIso: string): Taint[] | undefined {
  const current = taintsOf(node);
  const want = conditionTaints(node);
  const same = (a: Taint, b: Taint) => a.key === b.key && a.effect === b.effect;
  const out: Taint[] = current.filter((t) => !MANAGED_KEYS.has(t.key) || want.some((w) => same(w, t)));
  for (const w of want) {
    if (out.some((t) => same(t, w))) continue;
    out.push(w.effect === 'NoExecute' ? { ...w, timeAdded: nowIso } : w);
  }
  if (out.length === current.length && out.every((t, i) => t === current[i])) return undefined;
  return out;
}

export function tolerates(tol: Toleration, taint: Taint): boolean {
  if (tol.effect && tol.effect !== taint.effect) return false;
  if (!tol.key) return tol.operator === 'Exists';
  if (tol.key !== taint.key) return false;
  if (tol.operator === 'Exists') return true;
  return (tol.value ?? '') === (taint.value ?? '');
}

/**
 * When a pod on a node with these taints must be evicted: 'now', a time in ms, or undefined
 * (never: no NoExecute taint, or tolerated without a time limit).
 */
export function evictionTime(pod: KubeObject, nodeTaints: readonly Taint[], nowMs: number): 'now' | number | undefined {
  const noExecute = nodeTaints.filter((t) => t.effect === 'NoExecute');
  if (!noExecute.length) return undefined;
  const tolerations = ((pod as any).spec?.tolerations ?? []) as Toleration[];
  let minSeconds: number | undefined;
  let since = Infinity;
  for (const taint of noExecute) {
    const used = tolerations.filter((t) => tolerates(t, taint));
    if (!used.length) return 'now';
    for (const t of used) if (typeof t.tolerationSeconds === 'number') minSeconds = Math.min(minSeconds ?? Infinity, t.tolerationSeconds);
    const added = taint.timeAdded ? Date.parse(taint.timeAdded) : NaN;
    since = Math.min(since, Number.isFinite(added) ? added : nowMs);
  }
  if (minSeconds === undefined) return undefined;
  if (minSeconds <= 0) return 'now';
  return since + minSeconds * 1000;
}
