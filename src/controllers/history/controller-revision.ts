// ControllerRevision history shared by the StatefulSet and DaemonSet controllers (upstream's
// pkg/controller/history): snapshots of a workload's pod template, named `<parent>-<hash>`,
// numbered by `revision`, and stored as the strategic-merge patch `kubectl rollout undo` sends
// back to the parent. This module owns only ControllerRevision objects; it never touches the
// parent workload or its pods.
import type { KubeObject, OwnerReference } from '../../api/object.js';
import { deepEqual } from '../../api/validation/field.js';
import { R } from '../../client/resources.js';
import { isAlreadyExists, type KubeClient } from '../../client/types.js';

export const CONTROLLER_REVISION_HASH_LABEL = 'controller-revision-hash';

export interface ControllerRevision extends KubeObject {
  data?: unknown;
  revision: number;
}

type PodTemplate = { metadata?: { labels?: Record<string, string> }; spec?: unknown; [k: string]: unknown };

/** Upstream's rand.SafeEncodeString alphabet: no vowels, no look-alike digits. */
const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** FNV-1a over the UTF-16 code units of s (32 bit). */
function fnv32a(s: string, h = 0x811c9dc5): number {
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

function safeEncode(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) out += SAFE_ALPHABET[s.charCodeAt(i) % SAFE_ALPHABET.length];
  return out;
}

/** JSON with object keys sorted, so equal data always hashes the same. */
export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o).filter((k) => o[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
}

/** The hash naming a revision; collisionCount perturbs it when a name is taken by other data. */
export function hashRevisionData(data: unknown, collisionCount = 0): string {
  let h = fnv32a(canonicalJson(data));
  if (collisionCount) h = fnv32a(String(collisionCount), h);
  return safeEncode(String(h));
}

/** The revision data kubectl's rollout history prints and rollout undo patches back. */
export function revisionDataForTemplate(template: unknown): { spec: { template: Record<string, unknown> } } {
  return { spec: { template: { ...(template as Record<string, unknown>), $patch: 'replace' } } };
}

/** The pod template a revision recorded (its data without the patch directive). */
export function templateFromRevision(cr: ControllerRevision): PodTemplate {
  const t = (cr.data as { spec?: { template?: Record<string, unknown> } } | undefined)?.spec?.template ?? {};
  const { $patch: _ignored, ...template } = t;
  return template as PodTemplate;
}

export function controllerRefTo(parent: KubeObject, apiVersion: string, kind: string): OwnerReference {
  return { apiVersion, kind, name: parent.metadata.name!, uid: parent.metadata.uid!, controller: true, blockOwnerDeletion: true };
}

export function newControllerRevision(parent: KubeObject, ref: OwnerReference, template: PodTemplate, revision: number, collisionCount: number): ControllerRevision {
  const data = revisionDataForTemplate(template);
  const hash = hashRevisionData(data, collisionCount);
  return {
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: {
      name: `${parent.metadata.name}-${hash}`,
      namespace: parent.metadata.namespace,
      labels: { ...(template.metadata?.labels ?? {}), [CONTROLLER_REVISION_HASH_LABEL]: hash },
      annotations: changeCause(parent),
      ownerReferences: [ref],
    },
    data,
    revision,
  };
}

function changeCause(parent: KubeObject): Record<string, string> | undefined {
  const cause = parent.metadata.annotations?.['kubernetes.io/change-cause'];
  return cause === undefined ? undefined : { 'kubernetes.io/change-cause': cause };
}

/** The hash a revision is known by (its label, or the name suffix). */
export function revisionHash(cr: ControllerRevision): string {
  return cr.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL] ?? cr.metadata.name!.slice(cr.metadata.name!.lastIndexOf('-') + 1);
}

export function sortByRevision(revs: ControllerRevision[]): ControllerRevision[] {
  return [...revs].sort((a, b) => a.revision - b.revision || (a.metadata.name! < b.metadata.name! ? -1 : 1));
}

export function nextRevisionNumber(revs: ControllerRevision[]): number {
  let max = 0;
  for (const r of revs) if (r.revision > max) max = r.revision;
  return max + 1;
}

export function equalRevisionData(a: ControllerRevision, b: ControllerRevision): boolean {
  return deepEqual(a.data, b.data);
}

/**
 * Revisions beyond the history limit, oldest first, that no live pod uses and that are neither
 * the current nor the update revision (upstream's truncateHistory).
 */
export function revisionsToPrune(revs: ControllerRevision[], inUse: Set<string>, limit: number): ControllerRevision[] {
  const candidates = sortByRevision(revs).filter((r) => !inUse.has(r.metadata.name!));
  const excess = candidates.length - limit;
  return excess > 0 ? candidates.slice(0, excess) : [];
}

export interface EnsuredRevision {
  revision: ControllerRevision;
  collisionCount: number;
}

/**
 * Finds or creates the revision for the parent's current template. An existing revision with the
 * same data is reused; when it is not the newest (a rollback), it is renumbered to become the
 * newest, as upstream does. A name taken by different data bumps collisionCount.
 */
export async function ensureRevision(
  client: KubeClient,
  parent: KubeObject,
  ref: OwnerReference,
  template: PodTemplate,
  owned: ControllerRevision[],
  collisionCount: number,
): Promise<EnsuredRevision> {
  const next = nextRevisionNumber(owned);
  const candidate = newControllerRevision(parent, ref, template, next, collisionCount);
  const equal = sortByRevision(owned).filter((r) => equalRevisionData(r, candidate));
  const latest = equal[equal.length - 1];
  if (latest) {
    if (latest.revision === next - 1) return { revision: latest, collisionCount };
    const renumbered = await client.update<ControllerRevision>(R.controllerrevisions, latest.metadata.namespace!, { ...latest, revision: next });
    return { revision: renumbered, collisionCount };
  }
  for (let count = collisionCount; ; count++) {
    const cr = count === collisionCount ? candidate : newControllerRevision(parent, ref, template, next, count);
    try {
      return { revision: await client.create<ControllerRevision>(R.controllerrevisions, cr.metadata.namespace!, cr), collisionCount: count };
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      const existing = await client.get<ControllerRevision>(R.controllerrevisions, cr.metadata.namespace!, cr.metadata.name!);
      const ours = existing.metadata.ownerReferences?.some((o) => o.uid === ref.uid);
      if (ours && equalRevisionData(existing, cr)) return { revision: existing, collisionCount: count };
    }
  }
}
