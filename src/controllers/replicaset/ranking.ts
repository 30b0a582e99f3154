// Which pods a ReplicaSet deletes first when it has too many (upstream ActivePodsWithRanks):
// the pods whose loss hurts least go first.
import type { Pod } from './types.js';
import { isPodReady, podReadyCondition } from './pod-util.js';

export const POD_DELETION_COST = 'controller.kubernetes.io/pod-deletion-cost';

const PHASE_ORDER: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

function deletionCost(pod: Pod): number {
  const v = pod.metadata.annotations?.[POD_DELETION_COST];
  if (v === undefined) return 0;
  const n = Number(v);
  return Number.isInteger(n) ? n : 0;
}

function restarts(pod: Pod): number {
  let n = 0;
  for (const c of pod.status?.containerStatuses ?? []) n = Math.max(n, c.restartCount ?? 0);
  return n;
}

function time(s: string | null | undefined): number | undefined {
  return s ? Date.parse(s) : undefined;
}

/**
 * Negative when a should be deleted before b. rank = how many pods related to the same owner
 * share the pod's node (doubled-up pods go first).
 */
export function comparePodsForDeletion(a: Pod, b: Pod, rankA = 0, rankB = 0): number {
  // 1. unassigned < assigned
  const na = a.spec?.nodeName ?? '';
  const nb = b.spec?.nodeName ?? '';
  if (na !== nb && (na === '' || nb === '')) return na === '' ? -1 : 1;
  // 2. Pending < Unknown < Running
  const pa = PHASE_ORDER[a.status?.phase ?? 'Pending'] ?? 0;
  const pb = PHASE_ORDER[b.status?.phase ?? 'Pending'] ?? 0;
  if (pa !== pb) return pa - pb;
  // 3. not ready < ready
  const ra = isPodReady(a);
  const rb = isPodReady(b);
  if (ra !== rb) return ra ? 1 : -1;
  // 4. lower deletion cost < higher
  const ca = deletionCost(a);
  const cb = deletionCost(b);
  if (ca !== cb) return ca - cb;
  // 5. doubled up on a node < alone
  if (rankA !== rankB) return rankB - rankA;
  // 6. ready for less time < ready longer
  if (ra && rb) {
    const ta = time(podReadyCondition(a)?.lastTransitionTime);
    const tb = time(podReadyCondition(b)?.lastTransitionTime);
    if (ta !== tb) {
      if (ta === undefined) return -1;
      if (tb === undefined) return 1;
      return tb - ta;
    }
  }
  // 7. more restarts < fewer
  const xa = restarts(a);
  const xb = restarts(b);
  if (xa !== xb) return xb - xa;
  // 8. no creation time < newer < older
  const ta = time(a.metadata.creationTimestamp);
  const tb = time(b.metadata.creationTimestamp);
  if (ta !== tb) {
    if (ta === undefined) return -1;
    if (tb === undefined) return 1;
    return tb - ta;
  }
  return 0;
}

/**
 * The `count` pods of `pods` to delete. related = every active pod of the owner and its
 * siblings, used to rank pods sharing a node.
 */
export function podsToDelete(pods: readonly Pod[], count: number, related: readonly Pod[] = pods): Pod[] {
  if (count <= 0) return [];
  if (count >= pods.length) return [...pods];
  const perNode = new Map<string, number>();
  for (const p of related) {
    const n = p.spec?.nodeName;
    if (n) perNode.set(n, (perNode.get(n) ?? 0) + 1);
  }
  const rank = (p: Pod) => (p.spec?.nodeName ? perNode.get(p.spec.nodeName) ?? 0 : 0);
  const ranked = pods.map((p) => ({ p, r: rank(p) }));
  ranked.sort((x, y) => comparePodsForDeletion(x.p, y.p, x.r, y.r));
  return ranked.slice(0, count).map((x) => x.p);
}
