// Normalises decoded objects the way upstream's typed decoding does: resource quantities become
// their canonical strings (0.1 -> "100m", 1024Mi -> "1Gi"), so stored objects, hashes of pod
// templates and what clients send back all agree.
import { canonical } from '../quantity.js';
import type { SchemaNode, SchemaResolver } from './types.js';

const QUANTITY = 'io.k8s.apimachinery.pkg.api.resource.Quantity';

function refName(node: SchemaNode | undefined): string | undefined {
  if (!node) return undefined;
  if (node.$ref) return node.$ref.replace(/^#\/components\/schemas\//, '');
  if (node.allOf?.length === 1) return refName(node.allOf[0]);
  return undefined;
}

/** Rewrites every Quantity in value (described by schema) to canonical form; invalid ones are left for validation. */
export function normalizeQuantities(schema: SchemaNode | undefined, value: unknown, resolver: SchemaResolver, depth = 0): unknown {
  if (!schema || value === null || value === undefined || depth > 64) return value;
  if (refName(schema) === QUANTITY) {
    if (typeof value === 'string' || typeof value === 'number') return canonical(value) ?? value;
    return value;
  }
  const s = resolver.resolve(schema);
  if (!s) return value;
  if (Array.isArray(value)) {
    if (s.items) for (let i = 0; i < value.length; i++) value[i] = normalizeQuantities(s.items, value[i], resolver, depth + 1);
    return value;
  }
  if (typeof value === 'object') {
    const o = value as Record<string, unknown>;
    const extra = typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined;
    if (!s.properties && !extra) return value;
    for (const k of Object.keys(o)) {
      const sub = s.properties?.[k] ?? extra;
      if (sub) o[k] = normalizeQuantities(sub, o[k], resolver, depth + 1);
    }
  }
  return value;
}
