// The Recreate strategy's gate (upstream oldPodsRunning): the new ReplicaSet starts only once
// no pod of an old ReplicaSet may still be running.
import type { Pod, ReplicaSet } from '../replicaset/types.js';
import { controllerRefOf } from '../replicaset/pod-util.js';
import { sumStatus } from './replica-sets.js';

export function oldPodsRunning(newRS: ReplicaSet | undefined, oldRSs: readonly ReplicaSet[], pods: readonly Pod[]): boolean {
  if (sumStatus(oldRSs, 'replicas') > 0) return true;
  const oldUids = new Set(oldRSs.map((rs) => rs.metadata.uid));
  oldUids.delete(newRS?.metadata.uid);
  for (const p of pods) {
    const owner = controllerRefOf(p)?.uid;
    if (!owner || !oldUids.has(owner)) continue;
    const phase = p.status?.phase;
    // Finished pods hold nothing; Unknown might still be running somewhere.
    if (phase === 'Failed' || phase === 'Succeeded') continue;
    return true;
  }
  return false;
}
