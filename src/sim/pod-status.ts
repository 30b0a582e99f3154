// What a kubelet would report for a pod on a simulated node, as a pure function of the pod, the
// node's addresses and the time: containers start at once, become ready (after a readiness
// probe's initial delay, unless held back), and run-to-completion pods finish after a set time.
// Timestamps already reported are kept, so computing twice gives the same status (level-triggered).
import { createHash } from 'node:crypto';
import type { KubeObject } from '../api/object.js';
import { rfc3339 } from './timestamps.js';

/** How long a Never/OnFailure pod's containers run, in ms (default: the pool's completeAfterMs). */
export const DURATION_ANNOTATION = 'k8ts.io/sim-duration-ms';
/** Exit code the containers of a run-to-completion pod end with (default 0). */
export const EXIT_CODE_ANNOTATION = 'k8ts.io/sim-exit-code';
/** "false" keeps every container unready (a rollout that never becomes available). */
export const READY_ANNOTATION = 'k8ts.io/sim-ready';

export interface PodEnv {
  nowMs: number;
  hostIP: string;
  /** Allocated address; ignored for hostNetwork pods (they use hostIP). */
  podIP?: string;
  completeAfterMs: number;
}

export interface SimulatedStatus {
  status: Record<string, unknown>;
  /** False when status equals what the pod already reports: nothing to write. */
  changed: boolean;
  /** When the status will change by itself next (a probe delay ends, a container exits), in ms. */
  recheckAtMs?: number;
}

type Obj = Record<string, any>;

const KUBELET_CONDITIONS = new Set(['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled']);

export function isTerminal(pod: KubeObject): boolean {
  const phase = (pod.status as Obj | undefined)?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

export function simulatePodStatus(pod: KubeObject, env: PodEnv): SimulatedStatus {
  const prev: Obj = (pod.status as Obj | undefined) ?? {};
  if (prev.phase === 'Succeeded' || prev.phase === 'Failed') return { status: prev, changed: false };
  const spec: Obj = (pod.spec as Obj | undefined) ?? {};
  const annotations = pod.metadata.annotations ?? {};
  const now = env.nowMs;
  const startTime: string = prev.startTime ?? rfc3339(now);
  const startMs = Date.parse(startTime);
  const elapsed = now - startMs;
  let recheckAtMs: number | undefined;
  const recheckAt = (t: number) => {
    if (t > now && (recheckAtMs === undefined || t < recheckAtMs)) recheckAtMs = t;
  };

  const restartPolicy: string = spec.restartPolicy ?? 'Always';
  const runsToCompletion = restartPolicy === 'Never' || restartPolicy === 'OnFailure';
  const durationMs = nonNegativeInt(annotations[DURATION_ANNOTATION]) ?? env.completeAfterMs;
  const exitCode = nonNegativeInt(annotations[EXIT_CODE_ANNOTATION]) ?? 0;
  const heldUnready = annotations[READY_ANNOTATION] === 'false';

  // Run-to-completion: exited for good, or (OnFailure, non-zero) restarted once per duration.
  let finished = false;
  let restarts = 0;
  if (runsToCompletion) {
    if (elapsed >= durationMs) {
      if (exitCode === 0 || restartPolicy === 'Never') finished = true;
      else {
        restarts = durationMs > 0 ? Math.floor(elapsed / durationMs) : 1;
        recheckAt(startMs + (restarts + 1) * durationMs);
      }
    } else recheckAt(startMs + durationMs);
  }
  const phase = finished ? (exitCode === 0 ? 'Succeeded' : 'Failed') : 'Running';
  const runStartMs = startMs + restarts * durationMs;
  const prevStatuses: Obj[] = prev.containerStatuses ?? [];
  const uid = pod.metadata.uid ?? pod.metadata.name ?? '';

  const containerStatuses = (spec.containers as Obj[] | undefined ?? []).map((c) => {
    const old = prevStatuses.find((s) => s.name === c.name);
    const base = {
      containerID: containerIdOf(old, uid, c.name, restarts),
      image: c.image,
      imageID: imageIdOf(c.image),
    };
    if (finished) {
      return {
        ...base,
        lastState: {},
        name: c.name,
        ready: false,
        restartCount: 0,
        started: false,
        state: { terminated: terminated(base.containerID, exitCode, startTime, rfc3339(startMs + durationMs)) },
      };
    }
    const delayMs = (nonNegativeInt(c.readinessProbe?.initialDelaySeconds) ?? 0) * 1000;
    const readyAt = runStartMs + delayMs;
    if (!heldUnready) recheckAt(readyAt);
    return {
      ...base,
      lastState: restarts > 0 ? { terminated: terminated(containerIdOf(undefined, uid, c.name, restarts - 1), exitCode, rfc3339(runStartMs - durationMs), rfc3339(runStartMs)) } : {},
      name: c.name,
      ready: !heldUnready && now >= readyAt,
      restartCount: restarts,
      started: true,
      state: { running: { startedAt: rfc3339(runStartMs) } },
    };
  });

  const prevInit: Obj[] = prev.initContainerStatuses ?? [];
  const initContainerStatuses = (spec.initContainers as Obj[] | undefined ?? []).map((c) => {
    const old = prevInit.find((s) => s.name === c.name);
    const base = { containerID: containerIdOf(old, uid, c.name, 0), image: c.image, imageID: imageIdOf(c.image) };
    // A restartable init container is a sidecar: it runs beside the main containers.
    if (c.restartPolicy === 'Always' && !finished) {
      return { ...base, lastState: {}, name: c.name, ready: !heldUnready, restartCount: 0, started: true, state: { running: { startedAt: startTime } } };
    }
    return { ...base, lastState: {}, name: c.name, ready: !finished || c.restartPolicy !== 'Always', restartCount: 0, started: false, state: { terminated: terminated(base.containerID, 0, startTime, startTime) } };
  });

  const conditions = podConditions(pod, prev, phase, containerStatuses, initContainerStatuses, now);
  const hostIP = env.hostIP;
  const podIP = spec.hostNetwork ? hostIP : env.podIP;
  const status: Obj = {
    ...prev,
    phase,
    conditions,
    hostIP,
    hostIPs: [{ ip: hostIP }],
    startTime,
    containerStatuses,
  };
  if (podIP) {
    status.podIP = podIP;
    status.podIPs = [{ ip: podIP }];
  }
  if (initContainerStatuses.length) status.initContainerStatuses = initContainerStatuses;
  else delete status.initContainerStatuses;
  return { status, changed: !jsonEqual(prev, status), recheckAtMs };
}

function podConditions(pod: KubeObject, prev: Obj, phase: string, containers: Obj[], inits: Obj[], now: number): Obj[] {
  const prevConds: Obj[] = prev.conditions ?? [];
  const terminalReason = phase === 'Succeeded' ? 'PodCompleted' : phase === 'Failed' ? 'PodFailed' : undefined;
  const unready = [...inits.filter((s) => s.state.running), ...containers].filter((s) => !s.ready).map((s) => s.name);

  let containersReady: Obj;
  if (terminalReason) containersReady = { status: 'False', reason: terminalReason };
  else if (unready.length) containersReady = { status: 'False', reason: 'ContainersNotReady', message: `containers with unready status: [${unready.join(' ')}]` };
  else containersReady = { status: 'True' };

  let ready: Obj = containersReady;
  if (containersReady.status === 'True') {
    const gateMessages: string[] = [];
    for (const gate of ((pod.spec as Obj | undefined)?.readinessGates as Obj[] | undefined) ?? []) {
      const c = prevConds.find((x) => x.type === gate.conditionType);
      if (!c) gateMessages.push(`corresponding condition of pod readiness gate "${gate.conditionType}" does not exist.`);
      else if (c.status !== 'True') gateMessages.push(`the status of pod readiness gate "${gate.conditionType}" is not "True", but ${c.status}`);
    }
    if (gateMessages.length) ready = { status: 'False', reason: 'ReadinessGatesNotReady', message: gateMessages.join(', ') };
  }

  const initialized = phase === 'Succeeded' ? { status: 'True', reason: 'PodCompleted' } : { status: 'True' };
  const sandbox = { status: terminalReason ? 'False' : 'True' };
  const scheduledPrev = prevConds.find((c) => c.type === 'PodScheduled');
  const owned: [string, Obj][] = [
    ['PodReadyToStartContainers', sandbox],
    ['Initialized', initialized],
    ['Ready', ready],
    ['ContainersReady', containersReady],
  ];
  const out: Obj[] = owned.map(([type, c]) => condition(type, c, prevConds, now));
  out.push(scheduledPrev?.status === 'True' ? scheduledPrev : condition('PodScheduled', { status: 'True' }, prevConds, now));
  // Conditions others own (readiness gates, DisruptionTarget) are kept as they are.
  for (const c of prevConds) if (!KUBELET_CONDITIONS.has(c.type)) out.push(c);
  return out;
}

function condition(type: string, c: Obj, prevConds: Obj[], now: number): Obj {
  const old = prevConds.find((x) => x.type === type);
  const out: Obj = {
    type,
    status: c.status,
    lastProbeTime: null,
    lastTransitionTime: old && old.status === c.status ? old.lastTransitionTime : rfc3339(now),
  };
  if (c.reason) out.reason = c.reason;
  if (c.message) out.message = c.message;
  return out;
}

function terminated(containerID: string, exitCode: number, startedAt: string, finishedAt: string): Obj {
  return { containerID, exitCode, finishedAt, reason: exitCode === 0 ? 'Completed' : 'Error', startedAt };
}

function nonNegativeInt(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isInteger(n) && n >= 0 ? n : undefined;
}

function containerIdOf(old: Obj | undefined, uid: string, name: string, restarts: number): string {
  if (old?.containerID && (old.restartCount ?? 0) === restarts) return old.containerID;
  return 'sim://' + createHash('sha256').update(`${uid}/${name}/${restarts}`).digest('hex');
}

const imageIds = new Map<string, string>();

function imageIdOf(image: unknown): string {
  const name = typeof image === 'string' ? image : '';
  let id = imageIds.get(name);
  if (!id) {
    if (imageIds.size > 10_000) imageIds.clear();
    id = `sim://sha256:${createHash('sha256').update(name).digest('hex')}`;
    imageIds.set(name, id);
  }
  return id;
}

/**
 * Structural equality of JSON data, ignoring key order; a null or undefined field counts as
 * absent, so a server that drops nulls does not make every status look changed (a write loop).
 */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    if (a.length !== bb.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], bb[i])) return false;
    return true;
  }
  const ao = a as Obj;
  const bo = b as Obj;
  let na = 0;
  for (const k in ao) {
    if (ao[k] === undefined || ao[k] === null) continue;
    na++;
    if (!jsonEqual(ao[k], bo[k])) return false;
  }
  let nb = 0;
  for (const k in bo) if (bo[k] !== undefined && bo[k] !== null) nb++;
  return na === nb;
}
