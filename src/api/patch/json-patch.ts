// RFC 6902 JSON Patch (application/json-patch+json), as `kubectl patch --type=json` and Deployment
// `rollout undo` send it. Errors follow the upstream apiserver: a body that is not a list of
// operations is a 400, an operation that cannot be carried out is a 422 whose message is the fixed
// generic text (upstream drops the detail; we keep it on `cause` for logs).

import { StatusError, errors } from '../errors.js';
import { deepClone, deepEqual, isObject, type JsonValue } from './json-value.js';

/** Upstream refuses longer JSON patches with 413. */
export const MAX_JSON_PATCH_OPERATIONS = 10000;

export interface JsonPatchOperation {
  op: string;
  path: string;
  from?: string;
  value?: JsonValue;
}

class OperationFailed extends Error {}

/** The 422 upstream answers when an operation fails (generic server response, reason Invalid). */
export function jsonPatchFailed(detail: string): StatusError {
  const err = new StatusError(422, 'Invalid', 'the server rejected our request due to an error in our request', {});
  (err as Error).cause = detail;
  return err;
}

/** Applies `ops` to a copy of `doc`; the inputs are left untouched. */
export function applyJsonPatch<T = JsonValue>(doc: T, ops: unknown): T {
  const operations = decodeOperations(ops);
  let root = deepClone(doc) as JsonValue;
  try {
    for (const op of operations) root = applyOne(root, op);
  } catch (e) {
    if (e instanceof OperationFailed) throw jsonPatchFailed(e.message);
    throw e;
  }
  return root as T;
}

function decodeOperations(ops: unknown): JsonPatchOperation[] {
  if (!Array.isArray(ops)) throw errors.badRequest(`json: cannot unmarshal ${jsonKind(ops)} into Go value of type jsonpatch.Patch`);
  for (const op of ops) {
    if (!isObject(op)) throw errors.badRequest(`json: cannot unmarshal ${jsonKind(op)} into Go value of type jsonpatch.Operation`);
  }
  if (ops.length > MAX_JSON_PATCH_OPERATIONS) {
    throw errors.tooLarge(`Request entity too large: The allowed maximum operations in a JSON patch is ${MAX_JSON_PATCH_OPERATIONS}, got ${ops.length}`);
  }
  return ops as unknown as JsonPatchOperation[];
}

function jsonKind(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (v === null) return 'null';
  return typeof v === 'object' ? 'object' : typeof v;
}

function applyOne(root: JsonValue, op: JsonPatchOperation): JsonValue {
  const kind = op.op;
  if (typeof op.path !== 'string') throw new OperationFailed(`operation ${kind} is missing path`);
  switch (kind) {
    case 'add':
      requireValue(op);
      return add(root, parsePointer(op.path), deepClone(op.value as JsonValue));
    case 'remove':
      return remove(root, parsePointer(op.path)).root;
    case 'replace':
      requireValue(op);
      return replace(root, parsePointer(op.path), deepClone(op.value as JsonValue));
    case 'move': {
      const from = parsePointer(requireFrom(op));
      const to = parsePointer(op.path);
      if (to.length > from.length && from.every((t, i) => t === to[i])) throw new OperationFailed('cannot move a value into one of its children');
      const taken = remove(root, from);
      return add(taken.root, to, taken.value);
    }
    case 'copy': {
      const value = get(root, parsePointer(requireFrom(op)));
      return add(root, parsePointer(op.path), deepClone(value));
    }
    case 'test': {
      const tokens = parsePointer(op.path);
      const actual = tryGet(root, tokens);
      const expected = op.value === undefined ? null : op.value;
      if (actual === undefined ? expected !== null : !deepEqual(actual, expected)) {
        throw new OperationFailed(`testing value ${op.path} failed: test failed`);
      }
      return root;
    }
    default:
      throw new OperationFailed(`Unexpected kind: ${String(kind)}`);
  }
}

function requireValue(op: JsonPatchOperation): void {
  if (!Object.prototype.hasOwnProperty.call(op, 'value')) throw new OperationFailed(`operation ${op.op} is missing value`);
}

function requireFrom(op: JsonPatchOperation): string {
  if (typeof op.from !== 'string') throw new OperationFailed(`operation ${op.op} is missing from`);
  return op.from;
}

/** RFC 6901: "" is the whole document; each token unescapes ~1 to "/" and ~0 to "~". */
export function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (pointer[0] !== '/') throw new OperationFailed(`invalid JSON pointer ${JSON.stringify(pointer)}`);
  return pointer
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function arrayIndex(token: string, length: number, allowEnd: boolean): number {
  if (allowEnd && token === '-') return length;
  if (!/^(0|[1-9][0-9]*)$/.test(token)) throw new OperationFailed(`invalid array index ${JSON.stringify(token)}`);
  const i = Number(token);
  if (i > length || (!allowEnd && i === length)) throw new OperationFailed(`array index ${i} out of bounds`);
  return i;
}

function tryGet(root: JsonValue, tokens: string[]): JsonValue | undefined {
  let cur: JsonValue | undefined = root;
  for (const t of tokens) {
    if (Array.isArray(cur)) {
      if (!/^(0|[1-9][0-9]*)$/.test(t) || Number(t) >= cur.length) return undefined;
      cur = cur[Number(t)];
    } else if (isObject(cur)) {
      if (!Object.prototype.hasOwnProperty.call(cur, t)) return undefined;
      cur = cur[t];
    } else {
      return undefined;
    }
  }
  return cur;
}

function get(root: JsonValue, tokens: string[]): JsonValue {
  const v = tryGet(root, tokens);
  if (v === undefined) throw new OperationFailed(`missing value at ${formatPointer(tokens)}`);
  return v;
}

function parentOf(root: JsonValue, tokens: string[]): JsonValue {
  const parent = tryGet(root, tokens.slice(0, -1));
  if (parent === undefined || (!Array.isArray(parent) && !isObject(parent))) {
    throw new OperationFailed(`missing parent of ${formatPointer(tokens)}`);
  }
  return parent;
}

function add(root: JsonValue, tokens: string[], value: JsonValue): JsonValue {
  if (tokens.length === 0) return value;
  const parent = parentOf(root, tokens);
  const last = tokens[tokens.length - 1]!;
  if (Array.isArray(parent)) parent.splice(arrayIndex(last, parent.length, true), 0, value);
  else (parent as Record<string, JsonValue>)[last] = value;
  return root;
}

function replace(root: JsonValue, tokens: string[], value: JsonValue): JsonValue {
  if (tokens.length === 0) return value;
  const parent = parentOf(root, tokens);
  const last = tokens[tokens.length - 1]!;
  if (Array.isArray(parent)) {
    parent[arrayIndex(last, parent.length, false)] = value;
  } else {
    if (!Object.prototype.hasOwnProperty.call(parent, last)) throw new OperationFailed(`replace operation does not apply: doc is missing key: ${formatPointer(tokens)}`);
    (parent as Record<string, JsonValue>)[last] = value;
  }
  return root;
}

function remove(root: JsonValue, tokens: string[]): { root: JsonValue; value: JsonValue } {
  if (tokens.length === 0) throw new OperationFailed('cannot remove the whole document');
  const parent = parentOf(root, tokens);
  const last = tokens[tokens.length - 1]!;
  if (Array.isArray(parent)) {
    const i = arrayIndex(last, parent.length, false);
    const [value] = parent.splice(i, 1);
    return { root, value: value as JsonValue };
  }
  const obj = parent as Record<string, JsonValue>;
  if (!Object.prototype.hasOwnProperty.call(obj, last)) throw new OperationFailed(`remove operation does not apply: doc is missing path: ${formatPointer(tokens)}`);
  const value = obj[last]!;
  delete obj[last];
  return { root, value };
}

function formatPointer(tokens: string[]): string {
  return tokens.map((t) => '/' + t.replace(/~/g, '~0').replace(/\//g, '~1')).join('');
}
