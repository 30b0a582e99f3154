// Which volume a claim gets: upstream's FindMatchingVolume. A volume pre-bound to the claim wins;
// otherwise the smallest free volume of the claim's class that holds the request, offers every
// access mode the claim asks for, carries the labels of the claim's selector and (when a node is
// given) is reachable from that node. Pure; shared by the binder and the scheduler.
import { parseQuantity } from '../../../api/quantity.js';
import { selectorFromSpec } from '../../../api/selectors/label-selector.js';
import { termMatchesNode } from '../../../scheduler/helpers/node-selector.js';
import { claimClass, volumeClass, type AccessMode, type PersistentVolume, type PersistentVolumeClaim } from '../../../storage/api.js';

const sizes = new WeakMap<object, bigint>();

/** Bytes (in nano-units) of a storage quantity; objects are cached by identity (informer objects are immutable). */
function storageOf(holder: object, q: string | undefined): bigint {
  let v = sizes.get(holder);
  if (v === undefined) {
    v = parseQuantity(q ?? '0')?.nano ?? 0n;
    sizes.set(holder, v);
  }
  return v;
}

export const volumeSize = (v: PersistentVolume): bigint => (v.spec?.capacity ? storageOf(v.spec.capacity, v.spec.capacity.storage) : 0n);
export const claimRequest = (c: PersistentVolumeClaim): bigint => (c.spec?.resources?.requests ? storageOf(c.spec.resources.requests, c.spec.resources.requests.storage) : 0n);

/** The volume's claimRef names this claim (and, once the uid is filled in, this very claim). */
export function isVolumeBoundToClaim(v: PersistentVolume, c: PersistentVolumeClaim): boolean {
  const ref = v.spec?.claimRef;
  if (!ref) return false;
  if (ref.name !== c.metadata.name || ref.namespace !== c.metadata.namespace) return false;
  return !ref.uid || ref.uid === c.metadata.uid;
}

/** Every mode the claim asks for is one the volume offers. */
export function accessModesSatisfied(claimModes: readonly AccessMode[] | undefined, volumeModes: readonly AccessMode[] | undefined): boolean {
  if (!claimModes) return true;
  for (const m of claimModes) if (!volumeModes?.includes(m)) return false;
  return true;
}

/** The volume's required node affinity admits the node (no affinity admits every node). */
export function volumeNodeAffinityMatches(v: PersistentVolume, nodeName: string, nodeLabels: Record<string, string> | undefined): boolean {
  const terms = v.spec?.nodeAffinity?.required?.nodeSelectorTerms;
  if (!terms) return true;
  for (const t of terms) if (termMatchesNode(t, nodeLabels ?? {}, nodeName)) return true;
  return false;
}

const volumeModeOf = (m: string | undefined) => m ?? 'Filesystem';

/**
 * Why the volume cannot serve the claim, or undefined when it can (for claims pre-bound to a
 * named volume, where a reason is reported as an event). Class, size, modes, volume mode.
 */
export function volumeMismatch(v: PersistentVolume, c: PersistentVolumeClaim): string | undefined {
  if (volumeModeOf(v.spec?.volumeMode) !== volumeModeOf(c.spec?.volumeMode)) return 'incompatible volumeMode';
  if (volumeSize(v) < claimRequest(c)) return 'requested PV is too small';
  if (volumeClass(v) !== claimClass(c)) return 'storageClassName does not match';
  if (!accessModesSatisfied(c.spec?.accessModes, v.spec?.accessModes)) return 'incompatible accessMode';
  return undefined;
}

export interface MatchNode {
  name: string;
  labels?: Record<string, string>;
}

export interface MatchOptions {
  /**
   * The claim's class binds WaitForFirstConsumer and no node was chosen yet: only volumes
   * pre-bound to the claim may be taken (the scheduler picks the rest with a node in mind).
   */
  delayBinding?: boolean;
  /** Only volumes reachable from this node. */
  node?: MatchNode;
  /** Volume names to pass over (already promised to other claims). */
  excluded?: ReadonlySet<string>;
}

/** upstream FindMatchingVolume: the best volume for the claim among candidates, or undefined. */
export function findMatchingVolume(c: PersistentVolumeClaim, candidates: Iterable<PersistentVolume>, opts: MatchOptions = {}): PersistentVolume | undefined {
  const request = claimRequest(c);
  const cls = claimClass(c);
  const selector = c.spec?.selector ? selectorFromSpec(c.spec.selector) : undefined;
  const claimMode = volumeModeOf(c.spec?.volumeMode);
  let best: PersistentVolume | undefined;
  let bestSize = 0n;
  for (const v of candidates) {
    const name = v.metadata.name!;
    if (opts.excluded?.has(name)) continue;
    if (volumeModeOf(v.spec?.volumeMode) !== claimMode) continue;
    const size = volumeSize(v);
    const reachable = !opts.node || volumeNodeAffinityMatches(v, opts.node.name, opts.node.labels);
    if (isVolumeBoundToClaim(v, c)) {
      // A volume meant for this claim is the answer even when unsuitable for this node: then there is none.
      if (size < request) continue;
      return reachable ? v : undefined;
    }
    if (opts.delayBinding && !opts.node) continue;
    if (v.spec?.claimRef) continue;
    if (v.metadata.deletionTimestamp) continue;
    const phase = v.status?.phase;
    if (phase === 'Released' || phase === 'Failed') continue;
    if (volumeClass(v) !== cls) continue;
    if (selector && !selector(v.metadata.labels)) continue;
    if (!reachable) continue;
    if (!accessModesSatisfied(c.spec?.accessModes, v.spec?.accessModes)) continue;
    if (size < request) continue;
    if (best === undefined || size < bestSize) {
      best = v;
      bestSize = size;
    }
  }
  return best;
}
