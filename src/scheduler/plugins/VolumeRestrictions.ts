// VolumeRestrictions: access modes the scheduler can enforce. A ReadWriteOncePod claim serves one
// pod only (upstream's rule); a ReadWriteOnce claim already in use keeps new users on the node
// that uses it (k8ts's rule for volumes without node affinity, which upstream leaves to attach).
// Pods without claims skip it at PreFilter.
import { podClaimNames, podIsTerminated } from '../../storage/api.js';
import { SKIP, unresolvable, type CycleState, type FilterPlugin, type PluginContext, type PreFilterPlugin, type Snapshot, type Status } from '../framework.js';
import type { NodeInfo, PodInfo } from '../node-info.js';
import { volumeListerFor, type VolumeLister } from './volume-lister.js';

export const VOLUME_RESTRICTIONS = 'VolumeRestrictions';
export const ERR_REASON_RWOP_CONFLICT = 'node has pod using PersistentVolumeClaim with the same name and ReadWriteOncePod access mode';
export const ERR_REASON_RWO_CONFLICT = 'node(s) unavailable: a ReadWriteOnce PersistentVolumeClaim of the pod is in use on another node';

const STATE_KEY = 'PreFilter' + VOLUME_RESTRICTIONS;

/** Pure: for each claim name, the nodes of other (running) pods in the namespace that use it. */
export function claimUsers(namespace: string, claims: ReadonlySet<string>, nodes: readonly NodeInfo[], selfKey: string): Map<string, Set<string>> {
  const users = new Map<string, Set<string>>();
  for (const n of nodes) {
    for (const pi of n.pods) {
      if (pi.namespace !== namespace || pi.key === selfKey || podIsTerminated(pi.pod as { status?: { phase?: string } })) continue;
      for (const c of podClaimNames(pi.pod)) {
        if (!claims.has(c)) continue;
        let s = users.get(c);
        if (!s) users.set(c, (s = new Set()));
        s.add(n.name);
      }
    }
  }
  return users;
}

export class VolumeRestrictions implements PreFilterPlugin, FilterPlugin {
  readonly name = VOLUME_RESTRICTIONS;
  private lister?: VolumeLister;

  setUp(ctx: PluginContext): void {
    this.lister = volumeListerFor(ctx.informers, ctx.onClusterEvent);
  }

  useLister(lister: VolumeLister): void {
    this.lister = lister;
  }

  preFilter(state: CycleState, pod: PodInfo, snapshot: Snapshot): Status | null {
    const names = podClaimNames(pod.pod);
    if (names.length === 0 || !this.lister) return SKIP;
    const rwop = new Set<string>();
    const rwo = new Set<string>();
    for (const name of names) {
      const modes = this.lister.claim(pod.namespace, name)?.spec?.accessModes ?? [];
      if (modes.includes('ReadWriteOncePod')) rwop.add(name);
      else if (modes.includes('ReadWriteOnce') && !modes.includes('ReadWriteMany') && !modes.includes('ReadOnlyMany')) rwo.add(name);
    }
    if (rwop.size === 0 && rwo.size === 0) return SKIP;
    const users = claimUsers(pod.namespace, new Set([...rwop, ...rwo]), snapshot.nodeInfoList, pod.key);
    for (const c of rwop) if (users.has(c)) return unresolvable(ERR_REASON_RWOP_CONFLICT);
    // Nodes every in-use RWO claim allows: the intersection of their users' nodes.
    let allowed: Set<string> | undefined;
    for (const c of rwo) {
      const nodes = users.get(c);
      if (!nodes) continue;
      allowed = allowed ? new Set([...allowed].filter((n) => nodes.has(n))) : new Set(nodes);
    }
    if (!allowed) return SKIP;
    state.write(STATE_KEY, allowed);
    return null;
  }

  filter(state: CycleState, _pod: PodInfo, node: NodeInfo): Status | null {
    const allowed = state.read<Set<string>>(STATE_KEY);
    if (!allowed || allowed.has(node.name)) return null;
    return unresolvable(ERR_REASON_RWO_CONFLICT);
  }
}
