// VolumeBinding: a pod with claims goes only where its volumes are. Bound claims restrict it to
// the nodes their volumes' node affinity admits; unbound WaitForFirstConsumer claims need, per
// node, a free matching volume reachable from it or a class that can provision there; unbound
// Immediate claims make the pod wait for the binder. In PreBind it commits the choice (a free
// volume's claimRef, or the claim's volume.kubernetes.io/selected-node for the provisioner) and
// waits until every claim is Bound, as upstream. Pods without claims skip it at PreFilter.
import { isConflict } from '../../client/types.js';
import { R } from '../../client/resources.js';
import { NO_PROVISIONER, volumeBoundTo } from '../../controllers/volume/persistentvolume/binder-plan.js';
import { findMatchingVolume, volumeNodeAffinityMatches } from '../../controllers/volume/persistentvolume/matching.js';
import { ANN_SELECTED_NODE, claimClass, podClaimNames, type PersistentVolume, type PersistentVolumeClaim, type StorageClass } from '../../storage/api.js';
import type { KubeClient } from '../../client/types.js';
import { SKIP, unresolvable, type CycleState, type FilterPlugin, type PluginContext, type PreBindPlugin, type PreFilterPlugin, type Status } from '../framework.js';
import type { NodeInfo, PodInfo } from '../node-info.js';
import { volumeListerFor, type VolumeLister } from './volume-lister.js';

export const VOLUME_BINDING = 'VolumeBinding';
export const ERR_REASON_NODE_CONFLICT = 'node(s) had volume node affinity conflict';
export const ERR_REASON_BIND_CONFLICT = "node(s) didn't find available persistent volumes to bind";
export const ERR_UNBOUND_IMMEDIATE = 'pod has unbound immediate PersistentVolumeClaims';
export const ERR_BOUND_TO_MISSING = 'pvc(s) bound to non-existent pv(s)';

const STATE_KEY = 'PreFilter' + VOLUME_BINDING;

interface ClaimToBind {
  claim: PersistentVolumeClaim;
  sc: StorageClass;
}

/** Per node: the free volume chosen for each unbound claim (undefined: provision). */
type NodeChoice = (PersistentVolume | undefined)[];

interface PodVolumes {
  bound: PersistentVolume[];
  toBind: ClaimToBind[];
  choices: Map<string, NodeChoice>;
}

/** The class's allowedTopologies admit the node (none means anywhere). */
function topologyAllows(sc: StorageClass, labels: Record<string, string> | undefined): boolean {
  const terms = sc.allowedTopologies;
  if (!terms?.length) return true;
  return terms.some((t) => (t.matchLabelExpressions ?? []).every((e) => labels?.[e.key] !== undefined && e.values.includes(labels[e.key]!)));
}

/**
 * Pure: can the unbound claims be served on this node, and by which free volumes? Undefined when
 * not; otherwise one entry per claim (a volume, or undefined for dynamic provisioning).
 */
export function chooseForNode(toBind: readonly ClaimToBind[], lister: Pick<VolumeLister, 'volumesOfClass'>, node: { name: string; labels?: Record<string, string> }): NodeChoice | undefined {
  const choice: NodeChoice = [];
  let taken: Set<string> | undefined;
  for (const { claim, sc } of toBind) {
    const selected = claim.metadata.annotations?.[ANN_SELECTED_NODE];
    if (selected && selected !== node.name) return undefined;
    const v = findMatchingVolume(claim, lister.volumesOfClass(claimClass(claim)), { node, excluded: taken });
    if (v) {
      (taken ??= new Set()).add(v.metadata.name!);
      choice.push(v);
      continue;
    }
    if (!sc.provisioner || sc.provisioner === NO_PROVISIONER || !topologyAllows(sc, node.labels)) return undefined;
    choice.push(undefined);
  }
  return choice;
}

export class VolumeBinding implements PreFilterPlugin, FilterPlugin, PreBindPlugin {
  readonly name = VOLUME_BINDING;
  private lister?: VolumeLister;
  private client?: KubeClient;

  constructor(private readonly opts: { bindTimeoutMs?: number; pollMs?: number } = {}) {}

  setUp(ctx: PluginContext): void {
    this.lister = volumeListerFor(ctx.informers, ctx.onClusterEvent);
    this.client = ctx.client;
  }

  /** For tests and benchmarks without informers. */
  useLister(lister: VolumeLister, client?: KubeClient): void {
    this.lister = lister;
    this.client = client;
  }

  preFilter(state: CycleState, pod: PodInfo): Status | null {
    const names = podClaimNames(pod.pod);
    if (names.length === 0 || !this.lister) return SKIP;
    const pv: PodVolumes = { bound: [], toBind: [], choices: new Map() };
    for (const name of names) {
      const claim = this.lister.claim(pod.namespace, name);
      if (!claim) return unresolvable(`persistentvolumeclaim "${name}" not found`);
      if (claim.metadata.deletionTimestamp) return unresolvable(`persistentvolumeclaim "${name}" is being deleted`);
      const volumeName = claim.spec?.volumeName;
      if (volumeName) {
        const v = this.lister.volume(volumeName);
        if (!v) return unresolvable(ERR_BOUND_TO_MISSING);
        pv.bound.push(v);
        continue;
      }
      const cls = claimClass(claim);
      const sc = cls ? this.lister.storageClass(cls) : undefined;
      if (!sc || sc.volumeBindingMode !== 'WaitForFirstConsumer') return unresolvable(ERR_UNBOUND_IMMEDIATE);
      pv.toBind.push({ claim, sc });
    }
    state.write(STATE_KEY, pv);
    return null;
  }

  filter(state: CycleState, _pod: PodInfo, node: NodeInfo): Status | null {
    const pv = state.read<PodVolumes>(STATE_KEY);
    if (!pv) return null;
    for (const v of pv.bound) {
      if (!volumeNodeAffinityMatches(v, node.name, node.labels)) return unresolvable(ERR_REASON_NODE_CONFLICT);
    }
    if (pv.toBind.length === 0) return null;
    const choice = chooseForNode(pv.toBind, this.lister!, { name: node.name, labels: node.labels });
    if (!choice) return unresolvable(ERR_REASON_BIND_CONFLICT);
    pv.choices.set(node.name, choice);
    return null;
  }

  async preBind(state: CycleState, _pod: PodInfo, nodeName: string, signal: AbortSignal): Promise<Status | null> {
    const pv = state.read<PodVolumes>(STATE_KEY);
    if (!pv || pv.toBind.length === 0 || !this.client) return null;
    const choice = pv.choices.get(nodeName);
    if (!choice) return { code: 'Error', reasons: [`no volume decision for node ${nodeName}`] };
    try {
      for (let i = 0; i < pv.toBind.length; i++) await this.commit(pv.toBind[i]!.claim, choice[i], nodeName);
      await this.waitBound(pv.toBind.map((b) => b.claim), nodeName, signal);
    } catch (err) {
      return { code: 'Error', reasons: [(err as Error).message] };
    }
    return null;
  }

  /** A free volume gets the claim in its claimRef (the binder completes it); otherwise the claim gets its node. */
  private async commit(claim: PersistentVolumeClaim, volume: PersistentVolume | undefined, nodeName: string): Promise<void> {
    const client = this.client!;
    if (volume) {
      const bound = volumeBoundTo(volume, claim);
      if (bound) await client.update(R.persistentvolumes, '', bound);
      return;
    }
    for (let attempt = 0; ; attempt++) {
      const cur = attempt === 0 ? claim : await client.get<PersistentVolumeClaim>(R.persistentvolumeclaims, claim.metadata.namespace!, claim.metadata.name!);
      if (cur.metadata.annotations?.[ANN_SELECTED_NODE] === nodeName) return;
      try {
        await client.update(R.persistentvolumeclaims, claim.metadata.namespace!, { ...cur, metadata: { ...cur.metadata, annotations: { ...cur.metadata.annotations, [ANN_SELECTED_NODE]: nodeName } } });
        return;
      } catch (err) {
        if (!isConflict(err) || attempt >= 5) throw err;
      }
    }
  }

  private async waitBound(claims: PersistentVolumeClaim[], nodeName: string, signal: AbortSignal): Promise<void> {
    const deadline = Date.now() + (this.opts.bindTimeoutMs ?? 600_000);
    const poll = this.opts.pollMs ?? 50;
    for (;;) {
      let pending = 0;
      for (const c of claims) {
        const cur = this.lister!.claim(c.metadata.namespace!, c.metadata.name!);
        if (!cur || cur.metadata.uid !== c.metadata.uid) throw new Error(`persistentvolumeclaim "${c.metadata.name}" was deleted`);
        if (cur.spec?.volumeName && cur.status?.phase === 'Bound') continue;
        const selected = cur.metadata.annotations?.[ANN_SELECTED_NODE];
        if (!cur.spec?.volumeName && selected !== undefined && selected !== nodeName) throw new Error(`selectedNode annotation value "${selected}" not set to scheduled node "${nodeName}"`);
        pending++;
      }
      if (pending === 0) return;
      if (signal.aborted) throw new Error('scheduler stopping');
      if (Date.now() > deadline) throw new Error('binding volumes: context deadline exceeded');
      await new Promise((r) => setTimeout(r, poll));
    }
  }
}
