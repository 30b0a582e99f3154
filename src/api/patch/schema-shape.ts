// How SMP and SSA read a schema: patch strategies and merge keys for strategic merge patch, and the
// structured-merge-diff "shape" (struct, granular map, set or keyed list, atomic) for field sets.
// Only the SchemaNode/SchemaResolver contract is used, so CRDs and built-in kinds read alike.

import type { SchemaNode, SchemaResolver } from '../schema/types.js';

/** Strategic-merge-patch metadata carried by the property that holds a list or map. */
export interface PatchMeta {
  /** e.g. ["merge"], ["merge","retainKeys"], ["replace"], [] */
  strategies: string[];
  mergeKey: string;
}

const NO_PATCH_META: PatchMeta = { strategies: [], mergeKey: '' };

/** Property extensions may sit on the wrapper (allOf/$ref holder) or on the named schema. */
function ext<K extends keyof SchemaNode>(wrapper: SchemaNode | undefined, resolved: SchemaNode | undefined, name: K): SchemaNode[K] | undefined {
  return wrapper?.[name] ?? resolved?.[name];
}

export function patchMetaOf(wrapper: SchemaNode | undefined, resolver: SchemaResolver): PatchMeta {
  if (!wrapper) return NO_PATCH_META;
  const resolved = resolver.resolve(wrapper);
  const strategy = ext(wrapper, resolved, 'x-kubernetes-patch-strategy');
  const mergeKey = ext(wrapper, resolved, 'x-kubernetes-patch-merge-key') ?? '';
  if (!strategy && !mergeKey) return NO_PATCH_META;
  return { strategies: strategy ? strategy.split(',').map((s) => s.trim()).filter(Boolean) : [], mergeKey };
}

/** The (unresolved) schema of `key` inside an object schema: a declared property or additionalProperties. */
export function childSchema(parent: SchemaNode | undefined, key: string, resolver: SchemaResolver): SchemaNode | undefined {
  const node = resolver.resolve(parent);
  if (!node) return undefined;
  const prop = node.properties?.[key];
  if (prop) return prop;
  return typeof node.additionalProperties === 'object' ? node.additionalProperties : undefined;
}

/** The (unresolved) schema of a list's items. */
export function itemSchema(list: SchemaNode | undefined, resolver: SchemaResolver): SchemaNode | undefined {
  return resolver.resolve(list)?.items;
}

export type Shape =
  | { kind: 'scalar' }
  /** Owned and replaced as one value: atomic lists and maps, x-kubernetes-map-type atomic structs. */
  | { kind: 'atomic' }
  /** Declared properties are fields; other keys (additionalProperties, unknown) are map entries. */
  | { kind: 'struct'; node: SchemaNode }
  /** Every key is an entry (additionalProperties maps such as labels). */
  | { kind: 'map'; elem: SchemaNode | undefined }
  /** Items identified by their value (v:...) or by key fields (k:{...}). */
  | { kind: 'set'; elem: SchemaNode | undefined }
  | { kind: 'keyed'; keys: string[]; elem: SchemaNode | undefined }
  /** No schema: objects are granular maps, lists atomic (structured-merge-diff's deduced type). */
  | { kind: 'untyped' };

const SCALAR: Shape = { kind: 'scalar' };
const ATOMIC: Shape = { kind: 'atomic' };
const UNTYPED: Shape = { kind: 'untyped' };

export function shapeOf(wrapper: SchemaNode | undefined, resolver: SchemaResolver): Shape {
  if (!wrapper) return UNTYPED;
  const node = resolver.resolve(wrapper);
  if (!node) return UNTYPED;
  if (node['x-kubernetes-int-or-string']) return SCALAR;
  if (node.type === 'array' || node.items) {
    const listType = ext(wrapper, node, 'x-kubernetes-list-type');
    const elem = node.items;
    if (listType === 'atomic') return ATOMIC;
    if (listType === 'set') return { kind: 'set', elem };
    if (listType === 'map') return { kind: 'keyed', keys: ext(wrapper, node, 'x-kubernetes-list-map-keys') ?? [], elem };
    // No list type: the patch strategy decides, as upstream's OpenAPI-to-SMD conversion does.
    const meta = patchMetaOf(wrapper, resolver);
    if (meta.strategies.includes('merge')) {
      return meta.mergeKey ? { kind: 'keyed', keys: [meta.mergeKey], elem } : { kind: 'set', elem };
    }
    return ATOMIC;
  }
  const isObjectType = node.type === 'object' || node.properties !== undefined || node.additionalProperties !== undefined;
  if (isObjectType) {
    if (ext(wrapper, node, 'x-kubernetes-map-type') === 'atomic') return ATOMIC;
    if (node.properties) return { kind: 'struct', node };
    if (typeof node.additionalProperties === 'object') return { kind: 'map', elem: node.additionalProperties };
    return UNTYPED;
  }
  if (node.type) return SCALAR;
  return UNTYPED;
}
