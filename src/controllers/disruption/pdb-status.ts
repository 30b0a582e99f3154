// PodDisruptionBudget status (pure), as upstream's disruption controller computes it:
// expectedPods and desiredHealthy from minAvailable/maxUnavailable (ints, or percents of the
// owning controllers' scale, rounded up), currentHealthy from Ready pods that are neither
// terminating nor recently evicted (status.disruptedPods, trusted for 2 minutes).
import type { KubeObject, OwnerReference } from '../../api/object.js';

export const DISRUPTED_POD_TIMEOUT_MS = 2 * 60 * 1000;

export type IntOrString = number | string;

export interface PdbStatus {
  observedGeneration?: number;
  disruptedPods?: Record<string, string>;
  disruptionsAllowed: number;
  currentHealthy: number;
  desiredHealthy: number;
  expectedPods: number;
  conditions: { type: string; status: 'True' | 'False'; reason: string; message: string; observedGeneration?: number; lastTransitionTime: string }[];
}

/** The scale of a pod's controller (resolved through a ReplicaSet up to its Deployment). */
export interface ControllerScale {
  uid: string;
  replicas: number;
}

export type ScaleLookup = (ref: OwnerReference, namespace: string) => ControllerScale | undefined;

/** intstr.GetScaledValueFromIntOrPercent. */
export function scaledValue(v: IntOrString, total: number, roundUp: boolean): number {
  if (typeof v === 'number') return v;
  const m = /^(-?\d+)%$/.exec(v);
  if (!m) {
    if (/^-?\d+$/.test(v)) return Number(v);
    throw new Error(`invalid value for IntOrString: invalid type: string is not a percentage`);
  }
  const x = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(x) : Math.floor(x);
}

const isPercent = (v: IntOrString | undefined) => typeof v === 'string' && v.endsWith('%');

export function isPodReady(pod: KubeObject): boolean {
  return !!((pod as any).status?.conditions as { type: string; status: string }[] | undefined)?.some((c) => c.type === 'Ready' && c.status === 'True');
}

/** Sum of the scales of the distinct controllers of pods; throws like upstream when one is unknown. */
export function expectedScale(pods: readonly KubeObject[], lookup: ScaleLookup): number {
  const seen = new Map<string, number>();
  for (const pod of pods) {
    const ref = pod.metadata.ownerReferences?.find((r) => r.controller);
    if (!ref) throw new Error(`found no controller ref for pod "${pod.metadata.name}"`);
    const scale = lookup(ref, pod.metadata.namespace ?? '');
    if (!scale) throw new Error(`found no controllers for pod "${pod.metadata.name}"`);
    seen.set(scale.uid, scale.replicas);
  }
  let sum = 0;
  for (const n of seen.values()) sum += n;
  return sum;
}

/** Entries of disruptedPods still in force, and when the next one expires (ms), if any. */
export function liveDisruptedPods(pdb: KubeObject, pods: readonly KubeObject[], nowMs: number): { live: Record<string, string>; nextExpiry?: number } {
  const recorded = ((pdb as any).status?.disruptedPods ?? {}) as Record<string, string>;
  const live: Record<string, string> = {};
  let nextExpiry: number | undefined;
  const byName = new Map(pods.map((p) => [p.metadata.name!, p]));
  for (const [name, at] of Object.entries(recorded)) {
    const pod = byName.get(name);
    if (!pod || pod.metadata.deletionTimestamp) continue;
    const expires = Date.parse(at) + DISRUPTED_POD_TIMEOUT_MS;
    if (!(expires > nowMs)) continue;
    live[name] = at;
    nextExpiry = Math.min(nextExpiry ?? Infinity, expires);
  }
  return { live, nextExpiry };
}

export function computePdbStatus(pdb: KubeObject, pods: readonly KubeObject[], lookup: ScaleLookup, nowMs: number): { status: PdbStatus; nextCheckMs?: number } {
  const spec = (pdb as any).spec ?? {};
  const prev = (pdb as any).status ?? {};
  const nowIso = new Date(nowMs).toISOString().replace(/\.\d+Z$/, 'Z');
  const generation = pdb.metadata.generation;
  const condition = (ok: boolean, reason: string, message: string) => {
    const status = ok ? 'True' : 'False';
    const old = (prev.conditions ?? []).find((c: any) => c.type === 'DisruptionAllowed');
    const lastTransitionTime = old && old.status === status ? old.lastTransitionTime : nowIso;
    return { type: 'DisruptionAllowed', status, reason, message, observedGeneration: generation, lastTransitionTime } as PdbStatus['conditions'][number];
  };
  const { live, nextExpiry } = liveDisruptedPods(pdb, pods, nowMs);
  let currentHealthy = 0;
  for (const pod of pods) {
    if (pod.metadata.deletionTimestamp) continue;
    if (live[pod.metadata.name!]) continue;
    if (isPodReady(pod)) currentHealthy++;
  }
  let expectedPods = 0;
  let desiredHealthy = 0;
  try {
    if (spec.maxUnavailable !== undefined && spec.maxUnavailable !== null) {
      expectedPods = expectedScale(pods, lookup);
      desiredHealthy = Math.max(0, expectedPods - scaledValue(spec.maxUnavailable, expectedPods, true));
    } else if (spec.minAvailable !== undefined && spec.minAvailable !== null) {
      if (isPercent(spec.minAvailable)) {
        expectedPods = expectedScale(pods, lookup);
        desiredHealthy = scaledValue(spec.minAvailable, expectedPods, true);
      } else {
        expectedPods = pods.length;
        desiredHealthy = scaledValue(spec.minAvailable, expectedPods, true);
      }
    }
  } catch (err) {
    // Fail safe: no disruption is allowed while the budget cannot be computed.
    return {
      status: {
        observedGeneration: generation,
        disruptionsAllowed: 0,
        currentHealthy,
        desiredHealthy: prev.desiredHealthy ?? 0,
        expectedPods: prev.expectedPods ?? 0,
        conditions: [condition(false, 'SyncFailed', (err as Error).message)],
      },
    };
  }
  let allowed = currentHealthy - desiredHealthy;
  if (expectedPods <= 0 || allowed <= 0) allowed = 0;
  const status: PdbStatus = {
    observedGeneration: generation,
    disruptionsAllowed: allowed,
    currentHealthy,
    desiredHealthy,
    expectedPods,
    conditions: [allowed > 0 ? condition(true, 'SufficientPods', '') : condition(false, 'InsufficientPods', '')],
  };
  if (Object.keys(live).length) status.disruptedPods = live;
  return { status, nextCheckMs: nextExpiry };
}
