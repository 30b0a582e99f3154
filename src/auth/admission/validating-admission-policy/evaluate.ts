// Evaluates one ValidatingAdmissionPolicy for one request (and one param object): variables in
// order, matchConditions (all must hold), then every validation; failed validations and
// expression errors become failures in upstream's wording. Pure apart from CEL evaluation.
import { celString, compile, type CelActivation } from './cel.js';

export interface Validation {
  expression: string;
  message?: string;
  messageExpression?: string;
  reason?: string;
}

export interface PolicySpec {
  paramKind?: { apiVersion?: string; kind?: string };
  matchConstraints?: import('./matching.js').MatchResources;
  validations?: Validation[];
  failurePolicy?: 'Fail' | 'Ignore';
  matchConditions?: { name: string; expression: string }[];
  variables?: { name: string; expression: string }[];
  auditAnnotations?: { key: string; valueExpression: string }[];
}

export interface PolicyFailure {
  message: string;
  /** Status reason (Invalid unless the validation names one). */
  reason: string;
  /** Index of the validation, when a validation (not an error or a misconfiguration) failed. */
  expressionIndex?: number;
}

export type PolicyOutcome =
  | { matched: false }
  | { matched: true; failures: PolicyFailure[]; auditAnnotations: Record<string, string> };

const MAX_MESSAGE = 5000;

class ExpressionError extends Error {}

function run(expression: string, activation: CelActivation, brokenVariables: Map<string, string>): unknown {
  for (const [name, err] of brokenVariables) {
    if (expression.includes(`variables.${name}`)) throw new ExpressionError(`composited variable "${name}" fails to compile: ${err}`);
  }
  const c = compile(expression);
  if (c instanceof Error) throw new ExpressionError(`compilation failed: ${c.message.split('\n')[0]}`);
  return c(activation);
}

const errorText = (err: unknown) => (err instanceof Error ? err.message.split('\n')[0] : String(err));

/**
 * The outcome for one activation. Expression errors count as failures only under
 * failurePolicy Fail (the default), as upstream; under Ignore they are dropped.
 */
export function evaluatePolicy(spec: PolicySpec, activation: CelActivation): PolicyOutcome {
  const fail = spec.failurePolicy !== 'Ignore';
  const failures: PolicyFailure[] = [];
  const broken = new Map<string, string>();
  const variables: Record<string, unknown> = {};
  activation.variables = variables;
  for (const v of spec.variables ?? []) {
    try {
      variables[v.name] = run(v.expression, activation, broken);
    } catch (err) {
      broken.set(v.name, errorText(err));
    }
  }
  for (const mc of spec.matchConditions ?? []) {
    let v: unknown;
    try {
      v = run(mc.expression, activation, broken);
    } catch (err) {
      if (fail) return { matched: true, failures: [{ message: `failed to evaluate matchCondition "${mc.name}": ${errorText(err)}`, reason: 'Invalid' }], auditAnnotations: {} };
      return { matched: false };
    }
    if (v !== true) {
      if (typeof v !== 'boolean' && fail) return { matched: true, failures: [{ message: `matchCondition "${mc.name}" must evaluate to bool`, reason: 'Invalid' }], auditAnnotations: {} };
      return { matched: false };
    }
  }
  (spec.validations ?? []).forEach((val, i) => {
    let v: unknown;
    try {
      v = run(val.expression, activation, broken);
      if (typeof v !== 'boolean') throw new ExpressionError(`expression must evaluate to bool, got ${celString(v)}`);
    } catch (err) {
      if (fail) failures.push({ message: `expression '${val.expression}' resulted in error: ${errorText(err)}`, reason: 'Invalid' });
      return;
    }
    if (v) return;
    failures.push({ message: messageFor(val, activation, broken), reason: val.reason || 'Invalid', expressionIndex: i });
  });
  const auditAnnotations: Record<string, string> = {};
  for (const an of spec.auditAnnotations ?? []) {
    try {
      const v = run(an.valueExpression, activation, broken);
      if (typeof v === 'string' && v) auditAnnotations[an.key] = v;
    } catch {
      // An audit annotation never decides the request.
    }
  }
  return { matched: true, failures, auditAnnotations };
}

/** messageExpression when it yields a usable string, else message, else upstream's default. */
function messageFor(val: Validation, activation: CelActivation, broken: Map<string, string>): string {
  if (val.messageExpression) {
    try {
      const m = run(val.messageExpression, activation, broken);
      if (typeof m === 'string' && m.trim() && !m.includes('\n') && m.length <= MAX_MESSAGE) return m;
    } catch {
      // Falls back to message, as upstream does.
    }
  }
  if (val.message) return val.message;
  return `failed expression: ${val.expression.trim()}`;
}
