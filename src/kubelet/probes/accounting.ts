// Pure decisions of a probe worker, with upstream's semantics: thresholds count consecutive equal
// results; readiness starts as Failure, liveness as Success, startup as Unknown; startup gates
// the other probes; a failed liveness or startup probe holds the worker until a new container.
import type { Probe, ProbeResult, ProbeType } from './types.js';

export interface ProbeTiming {
  initialDelaySeconds: number;
  timeoutSeconds: number;
  periodSeconds: number;
  successThreshold: number;
  failureThreshold: number;
}

/** Upstream API defaults: period 10 s, timeout 1 s, success 1, failure 3. */
export function probeTiming(p: Probe): ProbeTiming {
  const pos = (v: number | undefined, d: number) => (v !== undefined && v > 0 ? v : d);
  return {
    initialDelaySeconds: Math.max(0, p.initialDelaySeconds ?? 0),
    timeoutSeconds: pos(p.timeoutSeconds, 1),
    periodSeconds: pos(p.periodSeconds, 10),
    successThreshold: pos(p.successThreshold, 1),
    failureThreshold: pos(p.failureThreshold, 3),
  };
}

export function initialResult(type: ProbeType): ProbeResult {
  return type === 'readiness' ? 'Failure' : type === 'liveness' ? 'Success' : 'Unknown';
}

export interface AccountingState {
  /** The verdict others see. */
  result: ProbeResult;
  /** Result of the last probe attempt, and how many attempts in a row returned it. */
  lastResult: ProbeResult;
  resultRun: number;
  /** Liveness/startup failed: stop probing until the container is replaced. */
  onHold: boolean;
}

export function freshState(type: ProbeType): AccountingState {
  return { result: initialResult(type), lastResult: 'Unknown', resultRun: 0, onHold: false };
}

/**
 * Folds one probe attempt into the state. `changed` says the visible verdict changed;
 * `failed` says a liveness/startup probe crossed its failure threshold (restart the container).
 */
export function accountResult(s: AccountingState, attempt: ProbeResult, type: ProbeType, t: ProbeTiming): { state: AccountingState; changed: boolean; failed: boolean } {
  if (attempt === 'Unknown') return { state: s, changed: false, failed: false };
  const resultRun = s.lastResult === attempt ? s.resultRun + 1 : 1;
  const next: AccountingState = { ...s, lastResult: attempt, resultRun };
  if ((attempt === 'Failure' && resultRun < t.failureThreshold) || (attempt === 'Success' && resultRun < t.successThreshold)) {
    return { state: next, changed: false, failed: false };
  }
  const changed = next.result !== attempt;
  next.result = attempt;
  let failed = false;
  if (attempt === 'Failure' && (type === 'liveness' || type === 'startup')) {
    next.onHold = true;
    next.resultRun = 0;
    failed = true;
  }
  return { state: next, changed, failed };
}

/** Whether a worker should run its probe now. */
export function shouldProbe(type: ProbeType, s: AccountingState, ctx: { started: boolean; terminating: boolean }): boolean {
  if (s.onHold) return false;
  if (ctx.terminating && type !== 'readiness') return false;
  // Startup stops once it has succeeded; the others wait for it.
  return type === 'startup' ? !ctx.started : ctx.started;
}

/** Milliseconds until the first probe: initialDelaySeconds after the container started. */
export function firstProbeDelayMs(startedAtMs: number, nowMs: number, t: ProbeTiming): number {
  return Math.max(0, startedAtMs + t.initialDelaySeconds * 1000 - nowMs);
}

/** Success for HTTP status codes 200-399, as upstream. */
export function httpStatusResult(code: number): ProbeResult {
  return code >= 200 && code < 400 ? 'Success' : 'Failure';
}
