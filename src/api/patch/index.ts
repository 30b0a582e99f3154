// Patches and server-side apply. This component owns the four PATCH semantics the API server
// accepts (JSON patch, merge patch, strategic merge patch, apply) and metadata.managedFields
// bookkeeping, as pure functions over plain JSON objects. It never touches storage, HTTP, admission,
// defaulting or validation, and reads schemas only through SchemaNode/SchemaResolver.

import { errors } from '../errors.js';
import type { JsonObject } from '../object.js';
import type { SchemaNode, SchemaResolver } from '../schema/types.js';
import { applyJsonPatch } from './json-patch.js';
import { applyMergePatchToObject } from './merge-patch.js';
import { applyStrategicMergePatch } from './strategic.js';

export { applyJsonPatch, MAX_JSON_PATCH_OPERATIONS, jsonPatchFailed, type JsonPatchOperation } from './json-patch.js';
export { applyMergePatch, applyMergePatchToObject } from './merge-patch.js';
export { applyStrategicMergePatch, strategicMergePatchUnsupported, CUSTOM_RESOURCE_PATCH_TYPES } from './strategic.js';
export { fieldsOf, fieldSetOf, compareObjects } from './fields-of.js';
export { trackUpdate, trackedFields, decodeManagedFields, encodeManagedFields, type TrackUpdateOptions, type ManagerSet } from './managed-fields.js';
export { serverSideApply, applyConflictError, type ApplyOptions, type ApplyConflict, type ApplyResult } from './apply.js';

export const PATCH_CONTENT_TYPES = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
} as const;

export type PatchType = keyof typeof PATCH_CONTENT_TYPES;

/** The patch type of a Content-Type header (parameters ignored), or undefined when unsupported. */
export function patchTypeOf(contentType: string | undefined): PatchType | undefined {
  const media = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  for (const [k, v] of Object.entries(PATCH_CONTENT_TYPES)) if (v === media) return k as PatchType;
  return undefined;
}

/**
 * Applies a JSON, merge or strategic patch body (already parsed from JSON) to the live object.
 * Apply patches go through serverSideApply instead, since they also decide ownership.
 */
export function applyPatch(type: Exclude<PatchType, 'apply'>, live: JsonObject, patch: unknown, schema: SchemaNode | undefined, resolver: SchemaResolver): JsonObject {
  switch (type) {
    case 'json': {
      const out = applyJsonPatch(live, patch);
      if (out === null || typeof out !== 'object' || Array.isArray(out)) throw errors.badRequest('the patched document is not an object');
      return out;
    }
    case 'merge':
      return applyMergePatchToObject(live, patch);
    case 'strategic':
      return applyStrategicMergePatch(live, patch, schema, resolver);
  }
}
