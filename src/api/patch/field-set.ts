// Sets of field paths, the unit of ownership in server-side apply, kept as a trie keyed by
// upstream FieldsV1 path elements: "f:<field>", "k:<json key object>", "v:<json value>", "i:<index>".
// A node is a member when the path itself is in the set; FieldsV1 writes that as "." when the
// node also has children.

import type { JsonObject } from '../object.js';
import { isObject } from './json-value.js';

export interface FieldNode {
  member: boolean;
  children: Map<string, FieldNode> | undefined;
}

export function emptySet(): FieldNode {
  return { member: false, children: undefined };
}

export function isEmpty(set: FieldNode): boolean {
  return !set.member && (!set.children || set.children.size === 0);
}

export function child(set: FieldNode | undefined, key: string): FieldNode | undefined {
  return set?.children?.get(key);
}

/** Returns the child node for `key`, creating it; `set` is being built by the caller. */
export function descend(set: FieldNode, key: string): FieldNode {
  if (!set.children) set.children = new Map();
  let c = set.children.get(key);
  if (!c) {
    c = emptySet();
    set.children.set(key, c);
  }
  return c;
}

export function insertPath(set: FieldNode, path: readonly string[]): void {
  let cur = set;
  for (const k of path) cur = descend(cur, k);
  cur.member = true;
}

export function hasPath(set: FieldNode, path: readonly string[]): boolean {
  let cur: FieldNode | undefined = set;
  for (const k of path) {
    cur = cur.children?.get(k);
    if (!cur) return false;
  }
  return cur.member;
}

function build(member: boolean, children: Map<string, FieldNode> | undefined): FieldNode | undefined {
  if (!member && (!children || children.size === 0)) return undefined;
  return { member, children: children && children.size > 0 ? children : undefined };
}

export function union(a: FieldNode, b: FieldNode): FieldNode {
  return unionNode(a, b) ?? emptySet();
}

function unionNode(a: FieldNode | undefined, b: FieldNode | undefined): FieldNode | undefined {
  if (!a) return b ? copy(b) : undefined;
  if (!b) return copy(a);
  let children: Map<string, FieldNode> | undefined;
  const keys = new Set([...(a.children?.keys() ?? []), ...(b.children?.keys() ?? [])]);
  for (const k of keys) {
    const c = unionNode(a.children?.get(k), b.children?.get(k));
    if (c) (children ??= new Map()).set(k, c);
  }
  return build(a.member || b.member, children);
}

/** Members of `a` that are not members of `b` (membership is per path, not per subtree). */
export function difference(a: FieldNode, b: FieldNode): FieldNode {
  return differenceNode(a, b) ?? emptySet();
}

function differenceNode(a: FieldNode, b: FieldNode | undefined): FieldNode | undefined {
  if (!b) return copy(a);
  let children: Map<string, FieldNode> | undefined;
  if (a.children) {
    for (const [k, ac] of a.children) {
      const c = differenceNode(ac, b.children?.get(k));
      if (c) (children ??= new Map()).set(k, c);
    }
  }
  return build(a.member && !b.member, children);
}

export function intersection(a: FieldNode, b: FieldNode): FieldNode {
  return intersectionNode(a, b) ?? emptySet();
}

function intersectionNode(a: FieldNode, b: FieldNode): FieldNode | undefined {
  let children: Map<string, FieldNode> | undefined;
  if (a.children && b.children) {
    for (const [k, ac] of a.children) {
      const bc = b.children.get(k);
      if (!bc) continue;
      const c = intersectionNode(ac, bc);
      if (c) (children ??= new Map()).set(k, c);
    }
  }
  return build(a.member && b.member, children);
}

/** Drops every path at or below a member of `prefixes` (how ignored/reset fields are filtered out). */
export function withoutSubtrees(set: FieldNode, prefixes: FieldNode): FieldNode {
  return withoutNode(set, prefixes) ?? emptySet();
}

function withoutNode(set: FieldNode, prefixes: FieldNode | undefined): FieldNode | undefined {
  if (!prefixes) return set;
  if (prefixes.member) return undefined;
  let children: Map<string, FieldNode> | undefined;
  if (set.children) {
    for (const [k, c] of set.children) {
      const kept = withoutNode(c, prefixes.children?.get(k));
      if (kept) (children ??= new Map()).set(k, kept);
    }
  }
  return build(set.member, children);
}

/** Keeps only paths at or below a member of `prefixes`. */
export function onlySubtrees(set: FieldNode, prefixes: FieldNode): FieldNode {
  return onlyNode(set, prefixes) ?? emptySet();
}

function onlyNode(set: FieldNode, prefixes: FieldNode): FieldNode | undefined {
  if (prefixes.member) return set;
  let children: Map<string, FieldNode> | undefined;
  if (set.children && prefixes.children) {
    for (const [k, p] of prefixes.children) {
      const c = set.children.get(k);
      const kept = c && onlyNode(c, p);
      if (kept) (children ??= new Map()).set(k, kept);
    }
  }
  return build(false, children);
}

function copy(n: FieldNode): FieldNode {
  let children: Map<string, FieldNode> | undefined;
  if (n.children) {
    children = new Map();
    for (const [k, c] of n.children) children.set(k, copy(c));
  }
  return { member: n.member, children };
}

const RANK: Record<string, number> = { f: 0, k: 1, v: 2, i: 3 };

/** Upstream orders path elements: field names, then keys, then values, then indexes. */
function compareElements(a: string, b: string): number {
  const ra = RANK[a[0]!] ?? 4;
  const rb = RANK[b[0]!] ?? 4;
  if (ra !== rb) return ra - rb;
  if (ra === 3) return Number(a.slice(2)) - Number(b.slice(2));
  return a < b ? -1 : a > b ? 1 : 0;
}

function sortedKeys(n: FieldNode): string[] {
  return n.children ? [...n.children.keys()].sort(compareElements) : [];
}

export function toFieldsV1(set: FieldNode): JsonObject {
  const out: JsonObject = {};
  for (const k of sortedKeys(set)) out[k] = toFieldsV1Node(set.children!.get(k)!);
  return out;
}

function toFieldsV1Node(n: FieldNode): JsonObject {
  const out: JsonObject = {};
  if (n.member && n.children && n.children.size > 0) out['.'] = {};
  for (const k of sortedKeys(n)) out[k] = toFieldsV1Node(n.children!.get(k)!);
  return out;
}

export function fromFieldsV1(json: unknown): FieldNode {
  const root = emptySet();
  if (isObject(json)) readFieldsV1(root, json);
  return root;
}

function readFieldsV1(node: FieldNode, json: JsonObject): void {
  for (const k of Object.keys(json)) {
    if (k === '.') {
      node.member = true;
      continue;
    }
    const c = descend(node, k);
    const v = json[k];
    if (isObject(v) && Object.keys(v).length > 0) readFieldsV1(c, v);
    else c.member = true;
  }
}

/** Every member path, in upstream order. */
export function memberPaths(set: FieldNode): string[][] {
  const out: string[][] = [];
  const walk = (n: FieldNode, path: string[]) => {
    if (n.member && path.length > 0) out.push(path.slice());
    for (const k of sortedKeys(n)) {
      path.push(k);
      walk(n.children!.get(k)!, path);
      path.pop();
    }
  };
  walk(set, []);
  return out;
}

/** Upstream's human form of a path: .spec.containers[name="nginx"].image, .metadata.finalizers[="x"]. */
export function pathString(path: readonly string[]): string {
  let s = '';
  for (const el of path) {
    const body = el.slice(2);
    switch (el[0]) {
      case 'f':
        s += '.' + body;
        break;
      case 'k': {
        let key: unknown;
        try {
          key = JSON.parse(body);
        } catch {
          key = undefined;
        }
        s += isObject(key) ? '[' + Object.keys(key).map((n) => `${n}=${JSON.stringify(key[n])}`).join(',') + ']' : `[${body}]`;
        break;
      }
      case 'v':
        s += `[=${body}]`;
        break;
      case 'i':
        s += `[${body}]`;
        break;
      default:
        s += el;
    }
  }
  return s;
}

export const pathElement = {
  field: (name: string) => 'f:' + name,
  key: (fields: Record<string, unknown>) => {
    const names = Object.keys(fields).sort();
    return 'k:' + JSON.stringify(Object.fromEntries(names.map((n) => [n, fields[n]])));
  },
  value: (v: unknown) => 'v:' + JSON.stringify(v),
  index: (i: number) => 'i:' + i,
};
