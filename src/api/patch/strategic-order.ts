// Ordering of merged strategic-merge-patch lists. The patch (or its `$setElementOrder`) fixes the
// order of the items it names; items only the server has keep their live order; the two sequences
// are interleaved using the live order wherever both items are known to it.

import type { JsonValue } from '../object.js';
import { isObject } from './json-value.js';

export type ListKind = 'map' | 'scalar';

function identity(v: JsonValue, mergeKey: string, kind: ListKind): unknown {
  if (kind === 'scalar') return v;
  return isObject(v) ? v[mergeKey] : undefined;
}

function positions(list: readonly JsonValue[], mergeKey: string, kind: ListKind): Map<unknown, number> {
  const m = new Map<unknown, number>();
  for (let i = 0; i < list.length; i++) {
    const id = identity(list[i]!, mergeKey, kind);
    if (!m.has(id)) m.set(id, i);
  }
  return m;
}

function sortBy(items: JsonValue[], order: Map<unknown, number>, mergeKey: string, kind: ListKind): JsonValue[] {
  const at = (v: JsonValue) => order.get(identity(v, mergeKey, kind)) ?? Number.POSITIVE_INFINITY;
  return items
    .map((v, i) => ({ v, i, p: at(v) }))
    .sort((a, b) => (a.p === b.p ? a.i - b.i : a.p < b.p ? -1 : 1))
    .map((e) => e.v);
}

/** Orders `merged`: items named by `patchOrder` in that order, the rest placed by `serverOrder`. */
export function orderMergedList(merged: JsonValue[], patchOrder: readonly JsonValue[], serverOrder: readonly JsonValue[], mergeKey: string, kind: ListKind): JsonValue[] {
  const patchPos = positions(patchOrder, mergeKey, kind);
  const serverPos = positions(serverOrder, mergeKey, kind);
  const fromPatch: JsonValue[] = [];
  const serverOnly: JsonValue[] = [];
  for (const v of merged) (patchPos.has(identity(v, mergeKey, kind)) ? fromPatch : serverOnly).push(v);
  const right = sortBy(fromPatch, patchPos, mergeKey, kind);
  const left = sortBy(serverOnly, serverPos, mergeKey, kind);

  const out: JsonValue[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (i >= left.length) out.push(right[j++]!);
    else if (j >= right.length) out.push(left[i++]!);
    else {
      const li = serverPos.get(identity(left[i]!, mergeKey, kind));
      const ri = serverPos.get(identity(right[j]!, mergeKey, kind));
      if (li !== undefined && ri !== undefined && li < ri) out.push(left[i++]!);
      else out.push(right[j++]!);
    }
  }
  return out;
}
