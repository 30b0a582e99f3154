// Value validation against an OpenAPI v3 schema (what upstream checks for custom resources):
// types, required, enum, numeric and string bounds, patterns, list sizes and uniqueness, and the
// x-kubernetes-list-type rules. Returns 422 causes with field paths; never throws.
import type { StatusCause } from '../errors.js';
import type { SchemaNode, SchemaResolver } from './types.js';

const patternCache = new Map<string, RegExp | null>();

function compiled(p: string): RegExp | null {
  let re = patternCache.get(p);
  if (re === undefined) {
    try {
      re = new RegExp(p, 'u');
    } catch {
      re = null;
    }
    patternCache.set(p, re);
  }
  return re;
}

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

export function validateValue(schema: SchemaNode | undefined, value: unknown, path: string, resolver: SchemaResolver, out: StatusCause[] = [], depth = 0): StatusCause[] {
  const s = resolver.resolve(schema);
  if (!s || depth > 100) return out;
  const field = path || '<root>';
  if (value === null) {
    if (!s.nullable && s.type) out.push({ reason: 'FieldValueTypeInvalid', field, message: `Invalid value: "null": ${field} in body must be of type ${s.type}: "null"` });
    return out;
  }
  if (s['x-kubernetes-int-or-string']) {
    if (typeof value !== 'string' && !Number.isInteger(value)) out.push({ reason: 'FieldValueTypeInvalid', field, message: `Invalid value: "${typeOf(value)}": ${field} in body must be of type integer,string: "${typeOf(value)}"` });
    return out;
  }
  const t = typeOf(value);
  if (s.type) {
    const ok = s.type === t || (s.type === 'number' && t === 'integer');
    if (!ok) {
      out.push({ reason: 'FieldValueTypeInvalid', field, message: `Invalid value: "${t}": ${field} in body must be of type ${s.type}: "${t}"` });
      return out;
    }
  }
  if (s.enum && !s.enum.some((e) => e === value)) {
    out.push({ reason: 'FieldValueNotSupported', field, message: `Unsupported value: ${JSON.stringify(value)}: supported values: ${s.enum.map((e) => JSON.stringify(e)).join(', ')}` });
  }
  if (typeof value === 'number') {
    if (s.minimum !== undefined && value < s.minimum) out.push({ reason: 'FieldValueInvalid', field, message: `Invalid value: ${value}: ${field} in body should be greater than or equal to ${s.minimum}` });
    if (s.maximum !== undefined && value > s.maximum) out.push({ reason: 'FieldValueInvalid', field, message: `Invalid value: ${value}: ${field} in body should be less than or equal to ${s.maximum}` });
  } else if (typeof value === 'string') {
    const len = [...value].length;
    if (s.minLength !== undefined && len < s.minLength) out.push({ reason: 'FieldValueInvalid', field, message: `Invalid value: ${JSON.stringify(value)}: ${field} in body should be at least ${s.minLength} chars long` });
    if (s.maxLength !== undefined && len > s.maxLength) out.push({ reason: 'FieldValueTooLong', field, message: `Too long: may not be more than ${s.maxLength} bytes` });
    if (s.pattern) {
      const re = compiled(s.pattern);
      if (re && !re.test(value)) out.push({ reason: 'FieldValueInvalid', field, message: `Invalid value: ${JSON.stringify(value)}: ${field} in body should match '${s.pattern}'` });
    }
  } else if (Array.isArray(value)) {
    if (s.minItems !== undefined && value.length < s.minItems) out.push({ reason: 'FieldValueInvalid', field, message: `Invalid value: ${value.length}: ${field} in body should have at least ${s.minItems} items` });
    if (s.maxItems !== undefined && value.length > s.maxItems) out.push({ reason: 'FieldValueTooMany', field, message: `Too many: ${value.length}: must have at most ${s.maxItems} items` });
    const lt = s['x-kubernetes-list-type'];
    if (lt === 'set') {
      const seen = new Set<string>();
      value.forEach((v, i) => {
        const k = JSON.stringify(v);
        if (seen.has(k)) out.push({ reason: 'FieldValueDuplicate', field: `${field}[${i}]`, message: `Duplicate value: ${k}` });
        seen.add(k);
      });
    } else if (lt === 'map') {
      const keys = s['x-kubernetes-list-map-keys'] ?? [];
      const seen = new Set<string>();
      value.forEach((v, i) => {
        const k = JSON.stringify(keys.map((key) => (v as any)?.[key]));
        if (seen.has(k)) out.push({ reason: 'FieldValueDuplicate', field: `${field}[${i}]`, message: `Duplicate value: ${JSON.stringify(Object.fromEntries(keys.map((key) => [key, (v as any)?.[key]])))}` });
        seen.add(k);
      });
    }
    if (s.items) value.forEach((v, i) => validateValue(s.items, v, `${path}[${i}]`, resolver, out, depth + 1));
  } else if (t === 'object') {
    const obj = value as Record<string, unknown>;
    for (const req of s.required ?? []) {
      if (obj[req] === undefined) out.push({ reason: 'FieldValueRequired', field: path ? `${path}.${req}` : req, message: 'Required value' });
    }
    if (s['x-kubernetes-embedded-resource']) return out;
    for (const [k, v] of Object.entries(obj)) {
      const sub = s.properties?.[k] ?? (typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined);
      if (sub) validateValue(sub, v, path ? `${path}.${k}` : k, resolver, out, depth + 1);
    }
  }
  for (const sub of s.allOf ?? []) validateValue(sub, value, path, resolver, out, depth + 1);
  return out;
}
