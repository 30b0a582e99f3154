// RFC 7386 JSON Merge Patch (application/merge-patch+json): objects merge recursively, null
// deletes, anything else (arrays included) replaces. Sent by `kubectl scale`, `label`, `annotate`,
// `patch --type=merge` and client-side apply of kinds without a schema.

import { errors } from '../errors.js';
import { deepClone, isObject, type JsonValue } from './json-value.js';

/** Pure RFC 7386: returns a new document sharing nothing with either input. */
export function applyMergePatch(doc: JsonValue | undefined, patch: JsonValue): JsonValue {
  return mergeInto(deepClone(doc), patch);
}

/** Merges into `target`, which the caller owns. */
function mergeInto(target: JsonValue | undefined, patch: JsonValue): JsonValue {
  if (!isObject(patch)) return deepClone(patch);
  const out: Record<string, JsonValue> = isObject(target) ? target : {};
  for (const key of Object.keys(patch)) {
    const value = patch[key]!;
    if (value === null) delete out[key];
    else out[key] = mergeInto(out[key], value);
  }
  return out;
}

/** The API server form: a patch to an object must itself be an object (upstream answers 400). */
export function applyMergePatchToObject<T extends object>(doc: T, patch: unknown): T {
  if (!isObject(patch)) throw errors.badRequest('Invalid JSON Patch');
  return applyMergePatch(doc as unknown as JsonValue, patch) as unknown as T;
}
