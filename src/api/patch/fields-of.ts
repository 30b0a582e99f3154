// Typed walks from objects to field sets: which paths an object sets (structured-merge-diff's
// ToFieldSet), how two versions of an object differ (Compare), and how to find a list item from its
// path element. Walks follow the schema where it exists and fall back to the deduced shape otherwise.

import type { JsonObject, JsonValue } from '../object.js';
import type { SchemaNode, SchemaResolver } from '../schema/types.js';
import { descend, difference, emptySet, type FieldNode, intersection, pathElement, toFieldsV1 } from './field-set.js';
import { deepEqual, isObject } from './json-value.js';
import { childSchema, type Shape, shapeOf } from './schema-shape.js';

/** The path element naming one item of a set or keyed list. */
export function listItemElement(item: JsonValue, index: number, shape: Shape, resolver: SchemaResolver): string {
  if (shape.kind === 'set') return pathElement.value(item);
  if (shape.kind === 'keyed' && isObject(item) && shape.keys.length > 0) {
    const fields: Record<string, unknown> = {};
    let found = 0;
    for (const k of shape.keys) {
      let v: unknown = item[k];
      if (v === undefined) v = resolver.resolve(childSchema(shape.elem, k, resolver))?.default;
      if (v !== undefined) {
        fields[k] = v;
        found++;
      }
    }
    if (found > 0) return pathElement.key(fields);
  }
  return pathElement.index(index);
}

/** Maps each item of a granular list to its path element (first occurrence wins on duplicates). */
export function indexListItems(list: JsonValue[], shape: Shape, resolver: SchemaResolver): Map<string, JsonValue> {
  const m = new Map<string, JsonValue>();
  for (let i = 0; i < list.length; i++) {
    const pe = listItemElement(list[i]!, i, shape, resolver);
    if (!m.has(pe)) m.set(pe, list[i]!);
  }
  return m;
}

function isGranularList(shape: Shape): boolean {
  return shape.kind === 'set' || shape.kind === 'keyed';
}

/** The field set of `value` as upstream's ToFieldSet computes it. */
export function fieldSetOf(value: JsonValue, schema: SchemaNode | undefined, resolver: SchemaResolver): FieldNode {
  const root = emptySet();
  visit(value, schema, resolver, root);
  return root;
}

/** FieldsV1 JSON of the fields an object sets, e.g. {"f:spec":{"f:replicas":{}}}. */
export function fieldsOf(obj: JsonValue, schema: SchemaNode | undefined, resolver: SchemaResolver): JsonObject {
  return toFieldsV1(fieldSetOf(obj, schema, resolver));
}

function visit(value: JsonValue, schema: SchemaNode | undefined, resolver: SchemaResolver, node: FieldNode): void {
  if (value === null) return;
  if (typeof value !== 'object') {
    node.member = true;
    return;
  }
  const shape = shapeOf(schema, resolver);
  if (shape.kind === 'atomic') {
    node.member = true;
    return;
  }
  if (Array.isArray(value)) {
    if (!isGranularList(shape)) {
      node.member = true;
      return;
    }
    const elem = (shape as { elem: SchemaNode | undefined }).elem;
    for (let i = 0; i < value.length; i++) {
      const c = descend(node, listItemElement(value[i]!, i, shape, resolver));
      visit(value[i]!, elem, resolver, c);
      c.member = true;
    }
    return;
  }
  for (const key of Object.keys(value)) {
    const v = value[key]!;
    const declared = shape.kind === 'struct' ? shape.node.properties?.[key] : undefined;
    const sub = declared ?? (shape.kind === 'struct' || shape.kind === 'map' ? childSchema(schema, key, resolver) : undefined);
    const c = descend(node, pathElement.field(key));
    visit(v, sub, resolver, c);
    if (!declared || v === null || (isObject(v) && Object.keys(v).length === 0)) c.member = true;
  }
}

export interface Comparison {
  added: FieldNode;
  modified: FieldNode;
  removed: FieldNode;
}

/** How `newer` differs from `older`, path by path (upstream TypedValue.Compare). */
export function compareObjects(older: JsonValue, newer: JsonValue, schema: SchemaNode | undefined, resolver: SchemaResolver): Comparison {
  const a = fieldSetOf(older, schema, resolver);
  const b = fieldSetOf(newer, schema, resolver);
  const modified = emptySet();
  collectModified(older, newer, schema, resolver, intersection(a, b), a, b, modified);
  return { added: difference(b, a), removed: difference(a, b), modified };
}

function collectModified(
  va: JsonValue | undefined,
  vb: JsonValue | undefined,
  schema: SchemaNode | undefined,
  resolver: SchemaResolver,
  both: FieldNode,
  na: FieldNode | undefined,
  nb: FieldNode | undefined,
  out: FieldNode,
): void {
  if (!both.children) return;
  const shape = shapeOf(schema, resolver);
  const listA = Array.isArray(va) && isGranularList(shape) ? indexListItems(va, shape, resolver) : undefined;
  const listB = Array.isArray(vb) && isGranularList(shape) ? indexListItems(vb, shape, resolver) : undefined;
  for (const [pe, bothChild] of both.children) {
    let ca: JsonValue | undefined;
    let cb: JsonValue | undefined;
    let sub: SchemaNode | undefined;
    if (pe.startsWith('f:')) {
      const name = pe.slice(2);
      ca = isObject(va) ? va[name] : undefined;
      cb = isObject(vb) ? vb[name] : undefined;
      sub = childSchema(schema, name, resolver);
    } else {
      ca = listA?.get(pe);
      cb = listB?.get(pe);
      sub = (shape as { elem?: SchemaNode }).elem;
    }
    const childA = na?.children?.get(pe);
    const childB = nb?.children?.get(pe);
    const leafLike = !childA?.children?.size || !childB?.children?.size;
    if (bothChild.member && leafLike && !deepEqual(ca, cb)) descend(out, pe).member = true;
    if (bothChild.children) {
      const before = out.children?.get(pe);
      const target = before ?? { member: false, children: undefined };
      collectModified(ca, cb, sub, resolver, bothChild, childA, childB, target);
      if (!before && target.children?.size) (out.children ??= new Map()).set(pe, target);
    }
  }
}
