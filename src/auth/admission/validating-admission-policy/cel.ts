// CEL for ValidatingAdmissionPolicy: one environment with the variables upstream declares
// (object, oldObject, request, params, namespaceObject, variables), a cache of compiled
// expressions, and the conversion of JSON values into CEL values (JSON integers are CEL ints).
import { Environment } from '@marcbachmann/cel-js';

/** The evaluation context of one request (and one param object). */
export interface CelActivation {
  object: unknown;
  oldObject: unknown;
  request: unknown;
  params: unknown;
  namespaceObject: unknown;
  variables: Record<string, unknown>;
}

export type CompiledExpression = (activation: CelActivation) => unknown;

const env = new Environment({ unlistedVariablesAreDyn: false, homogeneousAggregateLiterals: false, enableOptionalTypes: true })
  .registerVariable('object', 'dyn')
  .registerVariable('oldObject', 'dyn')
  .registerVariable('request', 'dyn')
  .registerVariable('params', 'dyn')
  .registerVariable('namespaceObject', 'dyn')
  .registerVariable('variables', 'dyn');

// Policies are few and their expressions fixed, so compiled forms are kept; the cap only bounds
// memory if expressions churn (policies edited over and over).
const MAX_CACHED = 2000;
const cache = new Map<string, CompiledExpression | Error>();

/** Compiles once per distinct expression; a syntax error is returned (and cached), not thrown. */
export function compile(expression: string): CompiledExpression | Error {
  let c = cache.get(expression);
  if (c) return c;
  try {
    const parsed = env.parse(expression);
    c = (activation) => parsed(activation as unknown as Record<string, unknown>);
  } catch (err) {
    c = err instanceof Error ? err : new Error(String(err));
  }
  if (cache.size >= MAX_CACHED) cache.clear();
  cache.set(expression, c);
  return c;
}

/**
 * JSON → CEL: integral numbers become BigInt (CEL int), so `object.spec.replicas + 1` and
 * `string(object.spec.replicas)` behave as upstream; other values are shared, not copied.
 */
export function toCel(v: unknown): unknown {
  if (typeof v === 'number') return Number.isInteger(v) ? BigInt(v) : v;
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < v.length; i++) {
      const c = toCel(v[i]);
      if (c !== v[i]) (out ??= v.slice())[i] = c;
    }
    return out ?? v;
  }
  let out: Record<string, unknown> | undefined;
  for (const [k, val] of Object.entries(v as Record<string, unknown>)) {
    const c = toCel(val);
    if (c !== val) (out ??= { ...(v as Record<string, unknown>) })[k] = c;
  }
  return out ?? v;
}

/** A CEL value as text for messages (BigInt has no JSON form). */
export function celString(v: unknown): string {
  if (typeof v === 'string') return v;
  return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? Number(x) : x)) ?? String(v);
}
