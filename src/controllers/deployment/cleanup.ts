// Which old ReplicaSets exceed spec.revisionHistoryLimit and may be deleted (upstream
// cleanupDeployment): oldest revisions first, and only ones fully scaled down and settled.
import type { ReplicaSet } from '../replicaset/types.js';
import type { Deployment } from './types.js';
import { byRevision } from './replica-sets.js';

export function replicaSetsToCleanUp(d: Deployment, oldRSs: readonly ReplicaSet[]): ReplicaSet[] {
  const limit = d.spec.revisionHistoryLimit;
  if (limit === undefined || limit === null) return [];
  const alive = oldRSs.filter((rs) => !rs.metadata.deletionTimestamp);
  const diff = alive.length - limit;
  if (diff <= 0) return [];
  const sorted = [...alive].sort(byRevision);
  const out: ReplicaSet[] = [];
  for (let i = 0; i < diff; i++) {
    const rs = sorted[i]!;
    if ((rs.status?.replicas ?? 0) !== 0 || (rs.spec.replicas ?? 1) !== 0) continue;
    if ((rs.metadata.generation ?? 0) > (rs.status?.observedGeneration ?? 0)) continue;
    out.push(rs);
  }
  return out;
}
