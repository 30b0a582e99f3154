// Server-side apply (application/apply-patch+yaml): merge an applied configuration into the live
// object, give the applier ownership of exactly the fields it sent, drop fields it applied before and
// omits now (unless someone else owns them), and report conflicts with other managers whose fields
// would change. The HTTP layer turns conflicts into a 409 with applyConflictError.

import { StatusError, errors, type StatusCause } from '../errors.js';
import type { JsonObject } from '../object.js';
import type { SchemaNode, SchemaResolver } from '../schema/types.js';
import { mergeApplied, removeFields } from './apply-merge.js';
import { difference, emptySet, intersection, isEmpty, memberPaths, pathString, union } from './field-set.js';
import { compareObjects, fieldSetOf } from './fields-of.js';
import { deepClone, deepEqual, isObject } from './json-value.js';
import { decodeManagedFields, encodeManagedFields, managerIdentity, type ManagerSet, rfc3339, trackedFields, withManagedFields, withoutManagedFields } from './managed-fields.js';

export interface ApplyOptions {
  manager: string;
  force?: boolean;
  /** The API version of the applied configuration, e.g. "apps/v1". */
  apiVersion: string;
  schema: SchemaNode | undefined;
  resolver: SchemaResolver;
  subresource?: string;
  now?: Date;
}

export interface ApplyConflict {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  subresource?: string;
  /** Upstream path form, e.g. ".spec.replicas". */
  field: string;
}

export interface ApplyResult {
  /** The object to store (with managedFields); the live object itself when there are conflicts. */
  object: JsonObject;
  /** Non-empty only when force is false and other managers own fields whose values would change. */
  conflicts: ApplyConflict[];
}

/**
 * Applies `applied` to `live` (null on create). Inputs are not modified. When the result equals
 * `live` the write is a no-op and the caller may skip storing it.
 */
export function serverSideApply(live: JsonObject | null, applied: unknown, opts: ApplyOptions): ApplyResult {
  if (!opts.manager) throw errors.badRequest('fieldManager is required for apply requests');
  if (!isObject(applied)) throw errors.badRequest('error decoding YAML: the applied configuration must be an object');
  if (isObject(applied.metadata) && applied.metadata.managedFields != null) throw errors.badRequest('metadata.managedFields must be nil');

  const { schema, resolver } = opts;
  const liveBase = live ? withoutManagedFields(live) : {};
  const managers = decodeManagedFields(live && isObject(live.metadata) ? live.metadata.managedFields : undefined);
  const self: ManagerSet = { manager: opts.manager, operation: 'Apply', apiVersion: opts.apiVersion, set: trackedFields(fieldSetOf(applied, schema, resolver), opts.subresource) };
  if (opts.subresource) self.subresource = opts.subresource;
  const selfId = managerIdentity(self);
  const previous = managers.find((m) => managerIdentity(m) === selfId);
  const others = managers.filter((m) => m !== previous);

  const merged = mergeApplied(deepClone(liveBase), applied, schema, resolver) as JsonObject;
  if (previous) {
    const givenUp = difference(previous.set, self.set);
    const keep = others.reduce((acc, m) => union(acc, m.set), self.set);
    removeFields(merged, givenUp, keep, schema, resolver);
  }

  const cmp = compareObjects(liveBase, merged, schema, resolver);
  const changed = trackedFields(union(cmp.added, cmp.modified), opts.subresource);
  const removed = trackedFields(cmp.removed, opts.subresource);

  const conflicts: ApplyConflict[] = [];
  const lost = new Map<ManagerSet, ReturnType<typeof emptySet>>();
  for (const m of others) {
    const clash = intersection(m.set, changed);
    if (isEmpty(clash)) continue;
    lost.set(m, clash);
    for (const path of memberPaths(clash)) {
      const c: ApplyConflict = { manager: m.manager, operation: m.operation, apiVersion: m.apiVersion, field: pathString(path) };
      if (m.subresource) c.subresource = m.subresource;
      conflicts.push(c);
    }
  }
  if (conflicts.length > 0 && !opts.force) return { object: live ?? {}, conflicts };

  const result: ManagerSet[] = others.map((m) => {
    const clash = lost.get(m);
    return { ...m, set: difference(clash ? difference(m.set, clash) : m.set, removed) };
  });
  const objectChanged = !deepEqual(liveBase, merged);
  self.time = objectChanged || !previous?.time ? rfc3339(opts.now) : previous.time;
  result.push(self);
  const encoded = encodeManagedFields(result);
  if (live && !objectChanged && deepEqual(encoded, isObject(live.metadata) ? live.metadata.managedFields : undefined)) {
    return { object: live, conflicts: [] };
  }
  return { object: withManagedFields(merged, encoded), conflicts: [] };
}

function describeManager(c: Pick<ApplyConflict, 'manager' | 'operation' | 'apiVersion' | 'subresource'>): string {
  let s = JSON.stringify(c.manager);
  if (c.subresource) s += ` with subresource ${JSON.stringify(c.subresource)}`;
  if (c.operation === 'Update') s += ` using ${c.apiVersion}`;
  return s;
}

/** The 409 upstream answers to a conflicting apply, message and causes in upstream's wording. */
export function applyConflictError(conflicts: ApplyConflict[]): StatusError {
  const causes: StatusCause[] = conflicts.map((c) => ({ reason: 'FieldManagerConflict', message: `conflict with ${describeManager(c)}`, field: c.field }));
  let message: string;
  if (conflicts.length === 1) {
    message = `Apply failed with 1 conflict: conflict with ${describeManager(conflicts[0]!)}: ${conflicts[0]!.field}`;
  } else {
    const byManager = new Map<string, ApplyConflict[]>();
    for (const c of conflicts) {
      const id = managerIdentity(c);
      byManager.set(id, [...(byManager.get(id) ?? []), c]);
    }
    const lines: string[] = [];
    for (const id of [...byManager.keys()].sort()) {
      const group = byManager.get(id)!;
      lines.push(`conflicts with ${describeManager(group[0]!)}:`);
      for (const c of group) lines.push(`- ${c.field}`);
    }
    message = `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
  }
  return new StatusError(409, 'Conflict', message, { causes });
}
