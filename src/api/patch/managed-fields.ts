// metadata.managedFields: decoding and encoding entries, which paths are tracked at all, and the
// bookkeeping after a non-apply write (create, update, JSON/merge/strategic patch). A simplified but
// consistent model of upstream's structured-merge-diff field manager: a writer gains the fields it
// changed, and those fields (and every removed field) leave all other managers.

import type { JsonObject, JsonValue, ManagedFieldsEntry } from '../object.js';
import type { SchemaNode, SchemaResolver } from '../schema/types.js';
import { compareObjects } from './fields-of.js';
import { difference, type FieldNode, fromFieldsV1, isEmpty, onlySubtrees, toFieldsV1, union, withoutSubtrees } from './field-set.js';
import { isObject } from './json-value.js';

export interface ManagerSet {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time?: string;
  subresource?: string;
  set: FieldNode;
}

/** Who a managedFields entry is: Apply entries ignore apiVersion, Update entries include it. */
export function managerIdentity(m: Pick<ManagerSet, 'manager' | 'operation' | 'apiVersion' | 'subresource'>): string {
  return JSON.stringify([m.manager, m.operation, m.operation === 'Apply' ? '' : m.apiVersion, m.subresource ?? '']);
}

export function decodeManagedFields(entries: unknown): ManagerSet[] {
  if (!Array.isArray(entries)) return [];
  const out: ManagerSet[] = [];
  for (const e of entries) {
    if (!isObject(e)) continue;
    const m: ManagerSet = {
      manager: typeof e.manager === 'string' ? e.manager : '',
      operation: e.operation === 'Apply' ? 'Apply' : 'Update',
      apiVersion: typeof e.apiVersion === 'string' ? e.apiVersion : '',
      set: fromFieldsV1(e.fieldsV1),
    };
    if (typeof e.time === 'string') m.time = e.time;
    if (typeof e.subresource === 'string' && e.subresource) m.subresource = e.subresource;
    out.push(m);
  }
  return out;
}

/** Upstream order: Apply before Update, then by time, manager, apiVersion, subresource. Empty sets vanish. */
export function encodeManagedFields(managers: ManagerSet[]): ManagedFieldsEntry[] {
  const kept = managers.filter((m) => !isEmpty(m.set));
  kept.sort((p, q) => {
    if (p.operation !== q.operation) return p.operation < q.operation ? -1 : 1;
    const pt = p.time ?? '';
    const qt = q.time ?? '';
    if (pt !== qt) return pt < qt ? -1 : 1;
    if (p.manager !== q.manager) return p.manager < q.manager ? -1 : 1;
    if (p.apiVersion !== q.apiVersion) return p.apiVersion < q.apiVersion ? -1 : 1;
    return (p.subresource ?? '') < (q.subresource ?? '') ? -1 : (p.subresource ?? '') > (q.subresource ?? '') ? 1 : 0;
  });
  return kept.map((m) => {
    const e: ManagedFieldsEntry = { manager: m.manager, operation: m.operation, apiVersion: m.apiVersion };
    if (m.time) e.time = m.time;
    e.fieldsType = 'FieldsV1';
    e.fieldsV1 = toFieldsV1(m.set);
    if (m.subresource) e.subresource = m.subresource;
    return e;
  });
}

/** RFC 3339 with whole seconds, as metav1.Time serialises. */
export function rfc3339(now: Date = new Date()): string {
  return now.toISOString().replace(/\.\d+Z$/, 'Z');
}

/** Paths no manager ever owns: identity and system-maintained metadata. */
const STRIPPED = fromFieldsV1({
  'f:apiVersion': {},
  'f:kind': {},
  'f:metadata': {
    'f:name': {},
    'f:namespace': {},
    'f:creationTimestamp': {},
    'f:selfLink': {},
    'f:uid': {},
    'f:generation': {},
    'f:managedFields': {},
    'f:resourceVersion': {},
  },
});
/** metadata itself is stripped too, only the node: its other fields (labels, ...) stay tracked. */
const METADATA_NODE = fromFieldsV1({ 'f:metadata': {} });
const STATUS = fromFieldsV1({ 'f:status': {} });

/**
 * Restricts a field set to what a write to `subresource` may own: the main resource owns all but
 * status, the status subresource owns only status.
 */
export function trackedFields(set: FieldNode, subresource?: string): FieldNode {
  const base = difference(withoutSubtrees(set, STRIPPED), METADATA_NODE);
  return subresource === 'status' ? onlySubtrees(base, STATUS) : withoutSubtrees(base, STATUS);
}

/** The object without metadata.managedFields (shallow copies; the input is untouched). */
export function withoutManagedFields(obj: JsonObject): JsonObject {
  const meta = obj.metadata;
  if (!isObject(meta) || !('managedFields' in meta)) return obj;
  const { managedFields: _drop, ...rest } = meta;
  return { ...obj, metadata: rest };
}

/** A shallow copy of `obj` whose metadata.managedFields is `entries` (removed when empty). */
export function withManagedFields(obj: JsonObject, entries: ManagedFieldsEntry[]): JsonObject {
  const meta: JsonObject = isObject(obj.metadata) ? { ...obj.metadata } : {};
  if (entries.length > 0) meta.managedFields = entries as unknown as JsonValue;
  else delete meta.managedFields;
  return { ...obj, metadata: meta };
}

function isResetRequest(entries: unknown): boolean {
  return Array.isArray(entries) && entries.length === 1 && isObject(entries[0]) && Object.keys(entries[0]).length === 0;
}

/**
 * The managers a write starts from: the writer's own managedFields when it sent a non-empty list
 * (`[{}]` clears them all, as upstream), otherwise the stored object's.
 */
export function baseManagers(oldObj: JsonObject | null, newObj: JsonObject): ManagerSet[] {
  const sent = isObject(newObj.metadata) ? newObj.metadata.managedFields : undefined;
  if (isResetRequest(sent)) return [];
  if (Array.isArray(sent) && sent.length > 0) return decodeManagedFields(sent);
  return decodeManagedFields(oldObj && isObject(oldObj.metadata) ? oldObj.metadata.managedFields : undefined);
}

export interface TrackUpdateOptions {
  manager: string;
  /** The API version the writer used, e.g. "apps/v1". */
  apiVersion: string;
  schema: SchemaNode | undefined;
  resolver: SchemaResolver;
  operation?: 'Update';
  subresource?: string;
  now?: Date;
}

/**
 * Recomputes metadata.managedFields after a create (oldObj null), update or non-apply patch and
 * returns a shallow copy of `newObj` carrying them.
 */
export function trackUpdate(oldObj: JsonObject | null, newObj: JsonObject, opts: TrackUpdateOptions): JsonObject {
  const managers = baseManagers(oldObj, newObj);
  const cmp = compareObjects(oldObj ? withoutManagedFields(oldObj) : {}, withoutManagedFields(newObj), opts.schema, opts.resolver);
  const changed = trackedFields(union(cmp.added, cmp.modified), opts.subresource);
  const removed = trackedFields(cmp.removed, opts.subresource);

  const self: ManagerSet = { manager: opts.manager, operation: 'Update', apiVersion: opts.apiVersion, set: changed };
  if (opts.subresource) self.subresource = opts.subresource;
  const selfId = managerIdentity(self);

  let previous: ManagerSet | undefined;
  const others: ManagerSet[] = [];
  for (const m of managers) {
    if (managerIdentity(m) === selfId) previous = m;
    else others.push({ ...m, set: difference(difference(m.set, changed), removed) });
  }
  const result = others;
  if (!isEmpty(changed)) {
    self.set = previous ? union(difference(previous.set, removed), changed) : changed;
    self.time = rfc3339(opts.now);
    result.push(self);
  } else if (previous) {
    result.push({ ...previous, set: difference(previous.set, removed) });
  }
  return withManagedFields(newObj, encodeManagedFields(result));
}
