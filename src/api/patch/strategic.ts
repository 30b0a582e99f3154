// Strategic merge patch (application/strategic-merge-patch+json), the patch kubectl apply, edit,
// patch and rollout send for built-in kinds. Maps merge recursively and null deletes; lists whose
// property says `x-kubernetes-patch-strategy: merge` merge by `x-kubernetes-patch-merge-key` (or as
// sets when the items are scalars); other lists are replaced whole. Directives: `$patch`
// (merge/replace/delete), `$retainKeys`, `$setElementOrder/<list>`, `$deleteFromPrimitiveList/<list>`.
// None of them is ever left in the result. Parts without a schema behave as JSON merge patch.

import { StatusError, errors } from '../errors.js';
import type { JsonObject, JsonValue } from '../object.js';
import type { SchemaNode, SchemaResolver } from '../schema/types.js';
import { jsonPatchFailed } from './json-patch.js';
import { deepClone, isObject } from './json-value.js';
import { childSchema, itemSchema, patchMetaOf } from './schema-shape.js';
import { orderMergedList, type ListKind } from './strategic-order.js';

const DIRECTIVE = '$patch';
const RETAIN_KEYS = '$retainKeys';
const SET_ELEMENT_ORDER = '$setElementOrder/';
const DELETE_FROM_PRIMITIVE_LIST = '$deleteFromPrimitiveList/';

/** A nested `$patch: delete` removes the map that carries it. */
const DELETED = Symbol('deleted');
type Merged = JsonObject | typeof DELETED;

/** The patch types a custom resource accepts; upstream answers 415 to SMP for CRDs. */
export const CUSTOM_RESOURCE_PATCH_TYPES = ['application/json-patch+json', 'application/merge-patch+json', 'application/apply-patch+yaml'];

export function strategicMergePatchUnsupported(contentType = 'application/strategic-merge-patch+json'): StatusError {
  return new StatusError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: ${CUSTOM_RESOURCE_PATCH_TYPES.join(', ')} (got ${contentType})`);
}

const badFormat = {
  primitiveList: () => errors.badRequest('invalid patch format of primitive list'),
  retainKeys: () => errors.badRequest('invalid patch format of retainKeys'),
  setElementOrder: () => errors.badRequest('invalid patch format of setElementOrder list'),
};
const listOfLists = () => jsonPatchFailed('lists of lists are not supported');
const noMergeKey = (m: unknown, key: string) => errors.internal(`map: ${JSON.stringify(m)} does not contain declared merge key: ${key}`);
const badPatchType = (t: unknown, m: unknown) => errors.internal(`unknown patch type: ${String(t)} in map: ${JSON.stringify(m)}`);

/**
 * Applies `patch` to a copy of `doc` using the merge keys and strategies of `schema` (the kind's
 * schema; undefined means no metadata at all). Neither input is changed.
 */
export function applyStrategicMergePatch<T extends object>(doc: T, patch: unknown, schema: SchemaNode | undefined, resolver: SchemaResolver): T {
  if (!isObject(patch)) throw errors.badRequest(`json: cannot unmarshal ${Array.isArray(patch) ? 'array' : typeof patch} into Go value of type map[string]interface {}`);
  const result = mergeMap(deepClone(doc as unknown as JsonObject), deepClone(patch), schema, resolver);
  return (result === DELETED ? {} : result) as unknown as T;
}

/** Merges `patch` into `original`; both are private copies and may be edited in place. */
function mergeMap(original: JsonObject, patch: JsonObject, schema: SchemaNode | undefined, resolver: SchemaResolver): Merged {
  if (DIRECTIVE in patch) {
    const directive = patch[DIRECTIVE];
    delete patch[DIRECTIVE];
    if (directive === 'replace') return mergeMap({}, patch, schema, resolver);
    if (directive === 'delete') return DELETED;
    if (directive !== 'merge') throw badPatchType(directive, patch);
  }
  applyRetainKeys(original, patch);
  applySetElementOrder(original, patch, schema, resolver);

  for (const rawKey of Object.keys(patch)) {
    const patchV = patch[rawKey]!;
    let key = rawKey;
    let isDeleteList = false;
    if (rawKey.startsWith(DELETE_FROM_PRIMITIVE_LIST)) {
      key = rawKey.slice(DELETE_FROM_PRIMITIVE_LIST.length);
      if (!key) throw badFormat.primitiveList();
      isDeleteList = true;
    }
    if (patchV === null) {
      if (!isDeleteList) delete original[key];
      continue;
    }
    const sub = childSchema(schema, key, resolver);
    const origV = original[key];
    if (origV === undefined || kindOf(origV) !== kindOf(patchV)) {
      if (isDeleteList) continue;
      setOrDelete(original, key, materialize(patchV, sub, resolver));
      continue;
    }
    const meta = patchMetaOf(sub, resolver);
    const replace = meta.strategies.includes('replace');
    if (Array.isArray(origV)) {
      if (meta.strategies.includes('merge') || isDeleteList) {
        original[key] = mergeList(origV, patchV as JsonValue[], itemSchema(sub, resolver), meta.mergeKey, isDeleteList, resolver);
      } else {
        setOrDelete(original, key, materialize(patchV, sub, resolver));
      }
    } else if (isObject(origV) && !replace) {
      setOrDelete(original, key, mergeMap(origV, patchV as JsonObject, sub, resolver));
    } else {
      setOrDelete(original, key, materialize(patchV, sub, resolver));
    }
  }
  return original;
}

function setOrDelete(target: JsonObject, key: string, value: JsonValue | typeof DELETED): void {
  if (value === DELETED) delete target[key];
  else target[key] = value;
}

/** Patch content that lands where nothing is merged with it: directives are resolved, nulls dropped. */
function materialize(v: JsonValue, schema: SchemaNode | undefined, resolver: SchemaResolver): JsonValue | typeof DELETED {
  if (isObject(v)) return mergeMap({}, v, schema, resolver);
  if (Array.isArray(v)) {
    const items = itemSchema(schema, resolver);
    const out: JsonValue[] = [];
    for (const item of v) {
      if (isObject(item) && DIRECTIVE in item) continue;
      const m = materialize(item, items, resolver);
      if (m !== DELETED) out.push(m);
    }
    return out;
  }
  return v;
}

function kindOf(v: JsonValue): string {
  if (Array.isArray(v)) return 'array';
  return v === null ? 'null' : typeof v;
}

function applyRetainKeys(original: JsonObject, patch: JsonObject): void {
  if (!(RETAIN_KEYS in patch)) return;
  const retain = patch[RETAIN_KEYS];
  delete patch[RETAIN_KEYS];
  if (!Array.isArray(retain)) throw badFormat.retainKeys();
  const keep = new Set(retain.map(String));
  for (const k of Object.keys(patch)) {
    if (patch[k] === null || k.startsWith(DELETE_FROM_PRIMITIVE_LIST) || k.startsWith(SET_ELEMENT_ORDER)) continue;
    if (!keep.has(k)) throw badFormat.retainKeys();
  }
  for (const k of Object.keys(original)) if (!keep.has(k)) delete original[k];
}

/**
 * `$setElementOrder/<list>` gives the final order of the items the client knows about; server-only
 * items keep their place relative to them. The list is merged here and dropped from the patch.
 */
function applySetElementOrder(original: JsonObject, patch: JsonObject, schema: SchemaNode | undefined, resolver: SchemaResolver): void {
  for (const directiveKey of Object.keys(patch)) {
    if (!directiveKey.startsWith(SET_ELEMENT_ORDER)) continue;
    const order = patch[directiveKey];
    delete patch[directiveKey];
    const key = directiveKey.slice(SET_ELEMENT_ORDER.length);
    if (!key || !Array.isArray(order)) throw badFormat.setElementOrder();
    const origV = original[key];
    const patchV = patch[key];
    if (origV !== undefined && !Array.isArray(origV)) continue;
    if (patchV !== undefined && patchV !== null && !Array.isArray(patchV)) continue;
    const sub = childSchema(schema, key, resolver);
    const meta = patchMetaOf(sub, resolver);
    const items = itemSchema(sub, resolver);
    let merged: JsonValue[];
    if (origV !== undefined && Array.isArray(patchV)) {
      merged = meta.strategies.includes('merge') ? mergeList(origV, patchV, items, meta.mergeKey, false, resolver) : (materialize(patchV, sub, resolver) as JsonValue[]);
    } else if (Array.isArray(patchV)) {
      merged = materialize(patchV, sub, resolver) as JsonValue[];
    } else if (origV !== undefined) {
      merged = origV;
    } else {
      continue;
    }
    const kind = listKind(origV ?? [], Array.isArray(patchV) ? patchV : []);
    original[key] = orderMergedList(merged, order, origV ?? [], meta.mergeKey, kind);
    delete patch[key];
  }
}

function listKind(a: JsonValue[], b: JsonValue[]): ListKind {
  let kind: ListKind | undefined;
  for (const list of [a, b]) {
    for (const v of list) {
      if (Array.isArray(v)) throw listOfLists();
      const k: ListKind = isObject(v) ? 'map' : 'scalar';
      if (kind && kind !== k) throw errors.internal('types of list elements need to be the same');
      kind = k;
    }
  }
  return kind ?? 'scalar';
}

function mergeList(original: JsonValue[], patch: JsonValue[], items: SchemaNode | undefined, mergeKey: string, isDeleteList: boolean, resolver: SchemaResolver): JsonValue[] {
  if (original.length === 0 && patch.length === 0) return original;
  const kind = listKind(original, patch);
  if (kind === 'scalar') {
    if (isDeleteList) {
      const drop = new Set(patch);
      return original.filter((v) => !drop.has(v));
    }
    const seen = new Set<JsonValue>();
    const merged: JsonValue[] = [];
    for (const v of [...original, ...patch]) {
      if (seen.has(v)) continue;
      seen.add(v);
      merged.push(v);
    }
    return orderMergedList(merged, patch, original, '', kind);
  }
  if (!mergeKey) throw errors.internal('cannot merge lists without merge key');

  // Special elements first: `$patch: delete` removes items, `$patch: replace` drops the live list.
  let base = original;
  const plain: JsonObject[] = [];
  let replaceAll = false;
  for (const item of patch as JsonObject[]) {
    if (!(DIRECTIVE in item)) {
      plain.push(item);
      continue;
    }
    const directive = item[DIRECTIVE];
    if (directive === 'delete') {
      if (!(mergeKey in item)) throw noMergeKey(item, mergeKey);
      base = base.filter((o) => !(isObject(o) && o[mergeKey] === item[mergeKey]));
    } else if (directive === 'replace') {
      replaceAll = true;
    } else if (directive === 'merge') {
      throw errors.internal('merging lists cannot yet be specified in the patch');
    } else {
      throw badPatchType(directive, item);
    }
  }
  if (replaceAll) return plain.map((p) => materialize(p, items, resolver)).filter((p): p is JsonValue => p !== DELETED);

  const merged = base.slice();
  for (const item of plain) {
    if (!(mergeKey in item)) throw noMergeKey(item, mergeKey);
    const at = merged.findIndex((o) => isObject(o) && o[mergeKey] === item[mergeKey]);
    const value = at >= 0 ? mergeMap(merged[at] as JsonObject, item, items, resolver) : materialize(item, items, resolver);
    if (value === DELETED) {
      if (at >= 0) merged.splice(at, 1);
    } else if (at >= 0) {
      merged[at] = value;
    } else {
      merged.push(value);
    }
  }
  return orderMergedList(merged, plain, original, mergeKey, kind);
}
