// Tiny helpers for defaulting untyped JSON: get-or-create nested objects and set-if-absent.
export type Obj = Record<string, unknown>;

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The object at o[k], created when missing. */
export function ensure(o: Obj, k: string): Obj {
  const v = o[k];
  if (isObj(v)) return v;
  const created: Obj = {};
  o[k] = created;
  return created;
}

/** Sets o[k] = v when the field is absent (undefined or null), as Go defaulters do for nil. */
export function setDefault(o: Obj, k: string, v: unknown): void {
  if (o[k] === undefined || o[k] === null) o[k] = v;
}

/** Like setDefault, but also replaces the empty string (Go's zero value for string enums). */
export function setDefaultString(o: Obj, k: string, v: string): void {
  if (o[k] === undefined || o[k] === null || o[k] === '') o[k] = v;
}

export function list(v: unknown): Obj[] {
  return Array.isArray(v) ? v.filter(isObj) : [];
}
