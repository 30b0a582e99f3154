// Serialised JSON of cached objects, computed once per object. Objects handed out by the watch
// cache are never mutated (writers clone first), so identity is a safe cache key; the WeakMap lets
// the garbage collector drop entries with their objects.
const encoded = new WeakMap<object, string>();

export function toJson(obj: object): string {
  let s = encoded.get(obj);
  if (s === undefined) {
    s = JSON.stringify(obj);
    encoded.set(obj, s);
  }
  return s;
}
