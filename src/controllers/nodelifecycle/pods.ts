// What happens to pods of unhealthy or vanished nodes (pure): pods of an unreachable node are
// marked not Ready (so Services drop them), and pods bound to a node that no longer exists are
// force-deleted after a quarantine (upstream's PodGC), the only way a StatefulSet pod on a lost
// node is released.
import type { KubeObject } from '../../api/object.js';

/** The pod's conditions with Ready=False, or undefined when it is not Ready already. */
export function notReadyConditions(pod: KubeObject, nowIso: string): unknown[] | undefined {
  const conds = ((pod as any).status?.conditions ?? []) as { type: string; status: string; [k: string]: unknown }[];
  const ready = conds.find((c) => c.type === 'Ready');
  if (!ready || ready.status === 'False') return undefined;
  return conds.map((c) => (c.type === 'Ready' ? { ...c, status: 'False', lastTransitionTime: nowIso } : c));
}

export function isTerminal(pod: KubeObject): boolean {
  const phase = (pod as any).status?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

/**
 * Pods bound to nodes that are not there, with the time each was first seen so; those older than
 * the quarantine are due for deletion. Returns the updated first-seen map and the due pods.
 */
export function orphanedPods(
  pods: readonly KubeObject[],
  nodeExists: (name: string) => boolean,
  firstSeen: ReadonlyMap<string, number>,
  nowMs: number,
  quarantineMs: number,
): { seen: Map<string, number>; due: KubeObject[] } {
  const seen = new Map<string, number>();
  const due: KubeObject[] = [];
  for (const pod of pods) {
    const node = (pod as any).spec?.nodeName as string | undefined;
    if (!node || nodeExists(node)) continue;
    const uid = pod.metadata.uid ?? '';
    const since = firstSeen.get(uid) ?? nowMs;
    seen.set(uid, since);
    if (nowMs - since >= quarantineMs) due.push(pod);
  }
  return { seen, due };
}
