// The value side of server-side apply: merging an applied configuration into the live object
// (structured-merge-diff's Merge) and removing fields an applier gave up (prune). Both edit
// `target`, a private copy owned by the caller.

import type { JsonObject, JsonValue } from '../object.js';
import type { SchemaNode, SchemaResolver } from '../schema/types.js';
import { type FieldNode, isEmpty } from './field-set.js';
import { listItemElement } from './fields-of.js';
import { deepClone, isObject } from './json-value.js';
import { childSchema, type Shape, shapeOf } from './schema-shape.js';

/** Merges `config` into `live` (owned by the caller) and returns the result. */
export function mergeApplied(live: JsonValue | undefined, config: JsonValue, schema: SchemaNode | undefined, resolver: SchemaResolver): JsonValue {
  if (config === null || typeof config !== 'object') return config;
  const shape = shapeOf(schema, resolver);
  if (shape.kind === 'atomic') return deepClone(config);
  if (Array.isArray(config)) {
    if (!Array.isArray(live) || (shape.kind !== 'set' && shape.kind !== 'keyed')) return deepClone(config);
    return mergeList(live, config, shape, resolver);
  }
  const out: JsonObject = isObject(live) ? live : {};
  for (const key of Object.keys(config)) {
    const v = config[key]!;
    if (v === null) delete out[key];
    else out[key] = mergeApplied(out[key], v, childSchema(schema, key, resolver), resolver);
  }
  return out;
}

/**
 * Keyed and set lists merge item by item. Items only the live object has keep their place; items
 * both have follow the configuration's order; new items land where the configuration puts them.
 */
function mergeList(live: JsonValue[], config: JsonValue[], shape: Shape, resolver: SchemaResolver): JsonValue[] {
  const elem = (shape as { elem?: SchemaNode }).elem;
  const lPE = live.map((v, i) => listItemElement(v, i, shape, resolver));
  const rPE = config.map((v, i) => listItemElement(v, i, shape, resolver));
  const lItem = new Map<string, JsonValue>();
  lPE.forEach((pe, i) => lItem.has(pe) || lItem.set(pe, live[i]!));
  const rItem = new Map<string, JsonValue>();
  rPE.forEach((pe, i) => rItem.has(pe) || rItem.set(pe, config[i]!));
  const shared = rPE.filter((pe) => lItem.has(pe));
  let nextShared = 0;
  const done = new Set<string>();
  const out: JsonValue[] = [];
  const emitConfig = (pe: string) => {
    if (!done.has(pe)) out.push(mergeApplied(lItem.get(pe), rItem.get(pe)!, elem, resolver));
    done.add(pe);
    if (shared[nextShared] === pe) nextShared++;
  };

  let li = 0;
  let ri = 0;
  while (li < lPE.length || ri < rPE.length) {
    if (li < lPE.length && ri < rPE.length) {
      if (lPE[li] === rPE[ri]) {
        emitConfig(rPE[ri]!);
        li++;
        ri++;
        continue;
      }
      // A shared item that is not due yet: it is emitted when the configuration reaches it.
      if (rItem.has(lPE[li]!) && nextShared < shared.length && shared[nextShared] !== lPE[li]) {
        li++;
        continue;
      }
    }
    if (li < lPE.length) {
      const pe = lPE[li]!;
      if (!rItem.has(pe)) {
        if (!done.has(pe)) out.push(live[li]!);
        done.add(pe);
        li++;
        continue;
      }
      if (done.has(pe)) li++;
    }
    if (ri < rPE.length) emitConfig(rPE[ri++]!);
    else if (li < lPE.length) li++;
  }
  return out;
}

/**
 * Removes from `target` every member of `remove`, except where `keep` (other owners, the new
 * configuration) still holds the path or something below it. Key fields of list items stay.
 */
export function removeFields(target: JsonValue, remove: FieldNode, keep: FieldNode | undefined, schema: SchemaNode | undefined, resolver: SchemaResolver, keyFields: readonly string[] = []): void {
  if (!remove.children || target === null || typeof target !== 'object') return;
  const shape = shapeOf(schema, resolver);
  for (const [pe, rnode] of remove.children) {
    const knode = keep?.children?.get(pe);
    const keptBelow = knode !== undefined && !isEmpty(knode);
    if (pe.startsWith('f:')) {
      const name = pe.slice(2);
      if (!isObject(target) || !(name in target) || keyFields.includes(name)) continue;
      if (rnode.member && !keptBelow) delete target[name];
      else removeFields(target[name]!, rnode, knode, childSchema(schema, name, resolver), resolver);
    } else if (Array.isArray(target)) {
      const at = target.findIndex((v, i) => listItemElement(v, i, shape, resolver) === pe);
      if (at < 0) continue;
      if (rnode.member && !keptBelow) target.splice(at, 1);
      else removeFields(target[at]!, rnode, knode, (shape as { elem?: SchemaNode }).elem, resolver, shape.kind === 'keyed' ? shape.keys : []);
    }
  }
}

