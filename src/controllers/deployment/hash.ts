// The pod-template-hash of a Deployment's template (upstream controller.ComputeHash: a 32-bit
// FNV-1a of the template and the collision count, encoded with the safe alphabet of
// rand.SafeEncodeString), and template equality that ignores that label.
import type { PodTemplateSpec } from '../replicaset/types.js';

export const POD_TEMPLATE_HASH_LABEL = 'pod-template-hash';

/** Upstream's alphabet without vowels and look-alikes, so hashes never spell words. */
const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** JSON with sorted keys and no undefined members, so equal templates hash equally. */
function canonical(v: unknown, out: string[]): void {
  if (v === null || typeof v !== 'object') {
    out.push(JSON.stringify(v ?? null));
    return;
  }
  if (Array.isArray(v)) {
    out.push('[');
    v.forEach((x, i) => {
      if (i) out.push(',');
      canonical(x, out);
    });
    out.push(']');
    return;
  }
  out.push('{');
  let first = true;
  for (const k of Object.keys(v).sort()) {
    const x = (v as Record<string, unknown>)[k];
    if (x === undefined) continue;
    if (!first) out.push(',');
    first = false;
    out.push(JSON.stringify(k), ':');
    canonical(x, out);
  }
  out.push('}');
}

function fnv1a32(bytes: Uint8Array, h = 0x811c9dc5): number {
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i]!;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

function safeEncode(s: string): string {
  let r = '';
  for (let i = 0; i < s.length; i++) r += SAFE_ALPHABET[s.charCodeAt(i) % SAFE_ALPHABET.length];
  return r;
}

export function computeHash(template: PodTemplateSpec, collisionCount?: number): string {
  const parts: string[] = [];
  canonical(template, parts);
  let h = fnv1a32(new TextEncoder().encode(parts.join('')));
  if (collisionCount !== undefined && collisionCount !== null) {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, collisionCount >>> 0, true);
    h = fnv1a32(b, h);
  }
  return safeEncode(String(h));
}

/** Missing, null, [] and objects with only empty members: what JSON cannot tell from absent. */
function isEmpty(v: unknown): boolean {
  if (v === undefined || v === null) return true;
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v !== 'object') return false;
  for (const k in v as object) if (!isEmpty((v as Record<string, unknown>)[k])) return false;
  return true;
}

/** apimachinery Semantic.DeepEqual on JSON: missing, null, empty maps and empty lists are equal. */
export function semanticEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (isEmpty(a) && isEmpty(b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    if (a.length !== bb.length) return false;
    for (let i = 0; i < a.length; i++) if (!semanticEqual(a[i], bb[i])) return false;
    return true;
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  for (const k in ao) if (!semanticEqual(ao[k], bo[k])) return false;
  for (const k in bo) if (!(k in ao) && !isEmpty(bo[k])) return false;
  return true;
}

function withoutHashLabel(t: PodTemplateSpec): PodTemplateSpec {
  const labels = t.metadata?.labels;
  if (!labels || !(POD_TEMPLATE_HASH_LABEL in labels)) return t;
  const { [POD_TEMPLATE_HASH_LABEL]: _, ...rest } = labels;
  return { ...t, metadata: { ...t.metadata, labels: rest } };
}

/** Upstream EqualIgnoreHash: the templates differ at most in the pod-template-hash label. */
export function templatesEqualIgnoringHash(a: PodTemplateSpec, b: PodTemplateSpec): boolean {
  return semanticEqual(withoutHashLabel(a), withoutHashLabel(b));
}
