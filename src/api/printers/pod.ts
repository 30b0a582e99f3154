// Pod rows: READY, the aggregated STATUS reason, RESTARTS with "(Xm ago)", and the wide columns,
// following upstream printPod's precedence rules.
import { AGE, NAME, col, columns } from './columns.js';
import { humanDuration, timestampMs, translateTimestampSince } from './duration.js';
import type { Obj, Printer, TableRowCondition } from './types.js';

const SUCCEEDED: readonly TableRowCondition[] = Object.freeze([
  Object.freeze({ type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' }),
]);
const FAILED: readonly TableRowCondition[] = Object.freeze([
  Object.freeze({ type: 'Completed', status: 'True', reason: 'Failed', message: 'The pod failed.' }),
]);

const EMPTY: readonly Obj[] = Object.freeze([]);
const arr = (v: unknown): readonly Obj[] => (Array.isArray(v) ? v : EMPTY);

function isRestartable(c: Obj): boolean {
  return c?.restartPolicy === 'Always';
}

function conditionTrue(conditions: readonly Obj[], type: string): boolean {
  for (const c of conditions) if (c?.type === type) return c.status === 'True';
  return false;
}

function hasPodReady(conditions: readonly Obj[]): boolean {
  for (const c of conditions) if (c?.type === 'Ready' && c.status === 'True') return true;
  return false;
}

/** READY, STATUS and RESTARTS of a pod, as upstream computes them. */
export function podSummary(pod: Obj, nowMs: number): { ready: string; reason: string; restarts: string } {
  const spec = pod?.spec ?? {};
  const status = pod?.status ?? {};
  const containers = arr(spec.containers);
  const initSpecs = arr(spec.initContainers);
  const conditions = arr(status.conditions);
  const phase: string = status.phase ?? '';

  let total = containers.length;
  let ready = 0;
  let restarts = 0;
  let sidecarRestarts = 0;
  let lastRestart = NaN;
  let lastSidecarRestart = NaN;

  let reason: string = status.reason ? status.reason : phase;
  for (const c of conditions) {
    if (c?.type === 'PodScheduled' && c.reason === 'SchedulingGated') reason = 'SchedulingGated';
  }

  let restartableByName: Map<string, boolean> | undefined;
  if (initSpecs.length > 0) {
    restartableByName = new Map();
    for (const c of initSpecs) {
      const r = isRestartable(c);
      restartableByName.set(c?.name, r);
      if (r) total++;
    }
  }

  let initializing = false;
  const initStatuses = arr(status.initContainerStatuses);
  for (let i = 0; i < initStatuses.length; i++) {
    const cs = initStatuses[i];
    const rc = cs?.restartCount ?? 0;
    restarts += rc;
    const lastTerm = timestampMs(cs?.lastState?.terminated?.finishedAt);
    if (!Number.isNaN(lastTerm) && !(lastTerm <= lastRestart)) lastRestart = lastTerm;
    const sidecar = restartableByName?.get(cs?.name) === true;
    if (sidecar) {
      sidecarRestarts += rc;
      if (!Number.isNaN(lastTerm) && !(lastTerm <= lastSidecarRestart)) lastSidecarRestart = lastTerm;
    }
    const term = cs?.state?.terminated;
    const waiting = cs?.state?.waiting;
    if (term && (term.exitCode ?? 0) === 0) continue;
    if (sidecar && cs?.started === true) {
      if (cs.ready) ready++;
      continue;
    }
    if (term) {
      if (!term.reason) {
        reason = term.signal ? `Init:Signal:${term.signal}` : `Init:ExitCode:${term.exitCode ?? 0}`;
      } else {
        reason = 'Init:' + term.reason;
      }
    } else if (waiting && waiting.reason && waiting.reason !== 'PodInitializing') {
      reason = 'Init:' + waiting.reason;
    } else {
      reason = `Init:${i}/${initSpecs.length}`;
    }
    initializing = true;
    break;
  }

  if (!initializing || conditionTrue(conditions, 'Initialized')) {
    restarts = sidecarRestarts;
    lastRestart = lastSidecarRestart;
    let hasRunning = false;
    const statuses = arr(status.containerStatuses);
    // Last to first, so the reason of the lowest-index container wins.
    for (let i = statuses.length - 1; i >= 0; i--) {
      const cs = statuses[i];
      restarts += cs?.restartCount ?? 0;
      const lastTerm = timestampMs(cs?.lastState?.terminated?.finishedAt);
      if (!Number.isNaN(lastTerm) && !(lastTerm <= lastRestart)) lastRestart = lastTerm;
      const waiting = cs?.state?.waiting;
      const term = cs?.state?.terminated;
      if (waiting && waiting.reason) {
        reason = waiting.reason;
      } else if (term && term.reason) {
        reason = term.reason;
      } else if (term) {
        reason = term.signal ? `Signal:${term.signal}` : `ExitCode:${term.exitCode ?? 0}`;
      } else if (cs?.ready && cs?.state?.running) {
        hasRunning = true;
        ready++;
      }
    }
    if (reason === 'Completed' && hasRunning) reason = hasPodReady(conditions) ? 'Running' : 'NotReady';
  }

  if (pod?.metadata?.deletionTimestamp) {
    if (status.reason === 'NodeLost') reason = 'Unknown';
    else if (phase !== 'Succeeded' && phase !== 'Failed') reason = 'Terminating';
  }

  let restartsStr = String(restarts);
  if (restarts !== 0 && !Number.isNaN(lastRestart)) {
    restartsStr = `${restarts} (${humanDuration(nowMs - lastRestart)} ago)`;
  }
  return { ready: `${ready}/${total}`, reason, restarts: restartsStr };
}

function readinessGates(pod: Obj): string {
  const gates = arr(pod?.spec?.readinessGates);
  if (gates.length === 0) return '<none>';
  const conditions = arr(pod?.status?.conditions);
  let trueCount = 0;
  for (const g of gates) {
    for (const c of conditions) {
      if (c?.type === g?.conditionType) {
        if (c.status === 'True') trueCount++;
        break;
      }
    }
  }
  return `${trueCount}/${gates.length}`;
}

export const podPrinter: Printer = {
  columns: columns(
    NAME,
    col('Ready', 'string', 'Ready containers out of all containers that count towards readiness.'),
    col('Status', 'string', 'Summary of the pod phase and container states.'),
    col('Restarts', 'string', 'Container restarts, and how long ago the last one happened.'),
    AGE,
    col('IP', 'string', 'Primary IP address of the pod.', 1),
    col('Node', 'string', 'Node the pod is bound to.', 1),
    col('Nominated Node', 'string', 'Node the scheduler nominated for preemption.', 1),
    col('Readiness Gates', 'string', 'Readiness gates whose condition is True, out of all gates.', 1),
  ),
  cells(pod, nowMs) {
    const s = podSummary(pod, nowMs);
    const ips = pod?.status?.podIPs;
    const ip = (Array.isArray(ips) && ips.length > 0 && ips[0]?.ip) || '<none>';
    return [
      pod?.metadata?.name ?? '',
      s.ready,
      s.reason,
      s.restarts,
      translateTimestampSince(pod?.metadata?.creationTimestamp, nowMs),
      ip,
      pod?.spec?.nodeName || '<none>',
      pod?.status?.nominatedNodeName || '<none>',
      readinessGates(pod),
    ];
  },
  conditions(pod) {
    const phase = pod?.status?.phase;
    return phase === 'Succeeded' ? SUCCEEDED : phase === 'Failed' ? FAILED : undefined;
  },
};
