// The API status of a pod from what the runtime reports (pure), as upstream's kubelet computes
// it: phase, the kubelet-owned conditions, container and init container statuses (state,
// lastState, ready, started, restartCount, image, imageID, containerID), pod and host IPs,
// startTime and qosClass. Timestamps already reported are kept so the result is stable.
import { parseQuantity } from '../../api/quantity.js';
import type { CriContainerState } from './cri-port.js';
import { isRestartableInit, type Obj, type Pod } from './types.js';

/** One container attempt as the runtime knows it; times in ms since the epoch (0 = not yet). */
export interface RuntimeContainer {
  id: string;
  name: string;
  attempt: number;
  state: CriContainerState;
  createdAtMs: number;
  startedAtMs: number;
  finishedAtMs: number;
  exitCode: number;
  reason: string;
  message: string;
  image: string;
  imageRef: string;
}

export interface RuntimePod {
  sandbox?: { id: string; ready: boolean; ips: string[] };
  /** Container name → its attempts, newest first. */
  containers: Map<string, RuntimeContainer[]>;
}

export interface StatusInputs {
  nowMs: number;
  hostIP: string;
  /** Why a container is not running, as the last sync found (ErrImagePull, CrashLoopBackOff, ...). */
  waiting: Map<string, { reason: string; message: string }>;
  /** Readiness and startup from the probe manager (asked only for containers with that probe). */
  isReady(containerName: string): boolean;
  isStarted(containerName: string): boolean;
}

const KUBELET_CONDITIONS = new Set(['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady']);

export function rfc3339(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19) + 'Z';
}

/** Whether a container that stopped with exitCode is started again under restartPolicy. */
export function shouldRestart(restartPolicy: string, exitCode: number): boolean {
  return restartPolicy === 'Always' || (restartPolicy === 'OnFailure' && exitCode !== 0);
}

function latest(rt: RuntimePod, name: string): RuntimeContainer | undefined {
  return rt.containers.get(name)?.[0];
}

/** True when every regular init container succeeded and every sidecar has started. */
export function initDone(pod: Pod, rt: RuntimePod, isStarted: (n: string) => boolean): boolean {
  for (const c of (pod.spec.initContainers as Obj[] | undefined) ?? []) {
    const l = latest(rt, c.name);
    if (isRestartableInit(c)) {
      if (!l || l.state !== 'CONTAINER_RUNNING' || (c.startupProbe && !isStarted(c.name))) {
        // A sidecar that ran once counts as started even while it restarts (upstream).
        if (!(rt.containers.get(c.name)?.some((x) => x.startedAtMs > 0) ?? false)) return false;
      }
    } else if (!(rt.containers.get(c.name)?.some((x) => x.state === 'CONTAINER_EXITED' && x.exitCode === 0) ?? false)) return false;
  }
  return true;
}

/** Upstream's getPhase over the runtime's view of the pod. */
export function podPhase(pod: Pod, rt: RuntimePod, isStarted: (n: string) => boolean): 'Pending' | 'Running' | 'Succeeded' | 'Failed' {
  const restartPolicy: string = pod.spec.restartPolicy ?? 'Always';
  const inits: Obj[] = pod.spec.initContainers ?? [];
  if (!initDone(pod, rt, isStarted)) {
    // A regular init container that failed for good fails the pod.
    if (restartPolicy === 'Never') {
      for (const c of inits) {
        if (isRestartableInit(c)) continue;
        const l = latest(rt, c.name);
        if (l?.state === 'CONTAINER_EXITED' && l.exitCode !== 0) return 'Failed';
      }
    }
    return 'Pending';
  }
  let running = 0, waiting = 0, stopped = 0, succeeded = 0;
  for (const c of (pod.spec.containers as Obj[] | undefined) ?? []) {
    const l = latest(rt, c.name);
    if (!l || l.state === 'CONTAINER_CREATED' || l.state === 'CONTAINER_UNKNOWN') {
      // Waiting to (re)start after an earlier run counts as stopped, as upstream's lastTerminationState.
      const prior = rt.containers.get(c.name)?.find((x) => x.state === 'CONTAINER_EXITED');
      if (prior) {
        stopped++;
        if (prior.exitCode === 0) succeeded++;
      } else waiting++;
    } else if (l.state === 'CONTAINER_RUNNING') running++;
    else {
      stopped++;
      if (l.exitCode === 0) succeeded++;
    }
  }
  if (waiting > 0) return 'Pending';
  if (running > 0) return 'Running';
  if (stopped > 0) {
    if (restartPolicy === 'Always') return 'Running';
    if (stopped === succeeded) return 'Succeeded';
    if (restartPolicy === 'Never') return 'Failed';
    return 'Running';
  }
  return 'Pending';
}

export function computePodStatus(pod: Pod, rt: RuntimePod, inp: StatusInputs): Obj {
  const prev: Obj = pod.status ?? {};
  // A terminal pod stays terminal (upstream never leaves Succeeded or Failed).
  const computed = podPhase(pod, rt, inp.isStarted);
  const phase = prev.phase === 'Succeeded' || prev.phase === 'Failed' ? prev.phase : computed;
  const inits: Obj[] = pod.spec.initContainers ?? [];
  const hasInits = inits.length > 0;
  const initialized = initDone(pod, rt, inp.isStarted);
  const restartPolicy: string = pod.spec.restartPolicy ?? 'Always';

  const initContainerStatuses = inits.map((c) =>
    containerStatus(c, rt, inp, prev.initContainerStatuses, 'PodInitializing', isRestartableInit(c) ? 'Always' : restartPolicy === 'Always' ? 'OnFailure' : restartPolicy, true),
  );
  const containerStatuses = ((pod.spec.containers as Obj[] | undefined) ?? []).map((c) =>
    containerStatus(c, rt, inp, prev.containerStatuses, hasInits && !initialized ? 'PodInitializing' : 'ContainerCreating', restartPolicy, false),
  );

  const status: Obj = {};
  for (const k of Object.keys(prev)) status[k] = prev[k];
  status.phase = phase;
  status.conditions = podConditions(pod, prev, phase, rt, initialized, containerStatuses, initContainerStatuses, inits, inp.nowMs);
  status.hostIP = inp.hostIP;
  status.hostIPs = [{ ip: inp.hostIP }];
  const ips = pod.spec.hostNetwork ? [inp.hostIP] : rt.sandbox?.ips ?? [];
  if (ips.length) {
    status.podIP = ips[0];
    status.podIPs = ips.map((ip) => ({ ip }));
  } else if (!prev.podIP) {
    delete status.podIP;
    delete status.podIPs;
  }
  status.startTime = prev.startTime ?? rfc3339(inp.nowMs);
  status.containerStatuses = containerStatuses;
  if (initContainerStatuses.length) status.initContainerStatuses = initContainerStatuses;
  else delete status.initContainerStatuses;
  status.qosClass = prev.qosClass ?? qosClass(pod);
  return status;
}

function containerStatus(c: Obj, rt: RuntimePod, inp: StatusInputs, prevList: Obj[] | undefined, defaultWaiting: string, restartPolicy: string, isInit: boolean): Obj {
  const attempts = rt.containers.get(c.name) ?? [];
  const l = attempts[0];
  const prevStatus = prevList?.find((s) => s.name === c.name);
  const out: Obj = { name: c.name, image: c.image, imageID: '', ready: false, restartCount: l?.attempt ?? prevStatus?.restartCount ?? 0, started: false, state: {}, lastState: {} };
  const waitingReason = inp.waiting.get(c.name);
  if (!l) {
    out.state = { waiting: waitingReason ? { reason: waitingReason.reason, message: waitingReason.message } : { reason: defaultWaiting } };
    return out;
  }
  out.image = l.image || c.image;
  out.imageID = l.imageRef;
  out.containerID = `containerd://${l.id}`;
  const previous = attempts[1];
  if (previous && previous.state === 'CONTAINER_EXITED') out.lastState = { terminated: terminatedOf(previous) };
  if (l.state === 'CONTAINER_RUNNING') {
    out.state = { running: { startedAt: rfc3339(l.startedAtMs) } };
    out.started = c.startupProbe ? inp.isStarted(c.name) : true;
    // Regular init containers are never "ready" while they run; sidecars and app containers are by probe.
    const readable = !isInit || isRestartableInit(c);
    out.ready = readable && out.started && (c.readinessProbe ? inp.isReady(c.name) : true);
  } else if (l.state === 'CONTAINER_EXITED') {
    const willRestart = shouldRestart(restartPolicy, l.exitCode) && waitingReason !== undefined;
    if (willRestart) {
      out.state = { waiting: { reason: waitingReason.reason, message: waitingReason.message } };
      out.lastState = { terminated: terminatedOf(l) };
    } else {
      out.state = { terminated: terminatedOf(l) };
      // A finished regular init container counts as ready (upstream).
      out.ready = isInit && !isRestartableInit(c) && l.exitCode === 0;
    }
  } else {
    out.state = { waiting: waitingReason ? { reason: waitingReason.reason, message: waitingReason.message } : { reason: 'ContainerCreating' } };
  }
  return out;
}

function terminatedOf(r: RuntimeContainer): Obj {
  const t: Obj = {
    exitCode: r.exitCode,
    reason: r.reason || (r.exitCode === 0 ? 'Completed' : 'Error'),
    startedAt: r.startedAtMs ? rfc3339(r.startedAtMs) : null,
    finishedAt: r.finishedAtMs ? rfc3339(r.finishedAtMs) : null,
    containerID: `containerd://${r.id}`,
  };
  if (r.message) t.message = r.message;
  return t;
}

function podConditions(pod: Pod, prev: Obj, phase: string, rt: RuntimePod, initialized: boolean, containers: Obj[], inits: Obj[], initSpecs: Obj[], now: number): Obj[] {
  const prevConds: Obj[] = prev.conditions ?? [];
  const terminal = phase === 'Succeeded' || phase === 'Failed';
  const terminalReason = phase === 'Succeeded' ? 'PodCompleted' : phase === 'Failed' ? 'PodFailed' : undefined;

  const sandboxReady = !terminal && rt.sandbox?.ready === true && (pod.spec.hostNetwork === true || rt.sandbox.ips.length > 0);
  const incomplete = initSpecs.filter((c, i) => {
    const s = inits[i]!;
    return isRestartableInit(c) ? !s.started : !(s.state.terminated && s.state.terminated.exitCode === 0);
  }).map((c) => c.name);
  const initCond: Obj = initialized || phase === 'Succeeded' || incomplete.length === 0
    ? { status: 'True', ...(phase === 'Succeeded' && initSpecs.length ? { reason: 'PodCompleted' } : {}) }
    : { status: 'False', reason: 'ContainersNotInitialized', message: `containers with incomplete status: [${incomplete.join(' ')}]` };

  const sidecars = inits.filter((_s, i) => isRestartableInit(initSpecs[i]!));
  const unready = [...sidecars, ...containers].filter((s) => !s.ready).map((s) => s.name);
  let containersReady: Obj;
  if (terminalReason) containersReady = { status: 'False', reason: terminalReason };
  else if (!initialized) containersReady = { status: 'False', reason: 'ContainersNotReady', message: `containers with unready status: [${unready.join(' ')}]` };
  else if (unready.length) containersReady = { status: 'False', reason: 'ContainersNotReady', message: `containers with unready status: [${unready.join(' ')}]` };
  else containersReady = { status: 'True' };

  let ready: Obj = containersReady;
  if (containersReady.status === 'True') {
    const gateMessages: string[] = [];
    for (const gate of (pod.spec.readinessGates as Obj[] | undefined) ?? []) {
      const c = prevConds.find((x) => x.type === gate.conditionType);
      if (!c) gateMessages.push(`corresponding condition of pod readiness gate "${gate.conditionType}" does not exist.`);
      else if (c.status !== 'True') gateMessages.push(`the status of pod readiness gate "${gate.conditionType}" is not "True", but ${c.status}`);
    }
    if (gateMessages.length) ready = { status: 'False', reason: 'ReadinessGatesNotReady', message: gateMessages.join(', ') };
  }
  const out: Obj[] = [
    condition('PodReadyToStartContainers', { status: sandboxReady ? 'True' : 'False' }, prevConds, now),
    condition('Initialized', initCond, prevConds, now),
    condition('Ready', ready, prevConds, now),
    condition('ContainersReady', containersReady, prevConds, now),
  ];
  const scheduled = prevConds.find((c) => c.type === 'PodScheduled');
  out.push(scheduled ?? condition('PodScheduled', { status: 'True' }, prevConds, now));
  for (const c of prevConds) if (!KUBELET_CONDITIONS.has(c.type) && c.type !== 'PodScheduled') out.push(c);
  return out;
}

function condition(type: string, c: Obj, prevConds: Obj[], now: number): Obj {
  const old = prevConds.find((x) => x.type === type);
  const out: Obj = { type, status: c.status, lastProbeTime: null, lastTransitionTime: old && old.status === c.status ? old.lastTransitionTime : rfc3339(now) };
  if (c.reason) out.reason = c.reason;
  if (c.message) out.message = c.message;
  return out;
}

/** Upstream's QoS class: Guaranteed when every container's cpu and memory limits equal requests, BestEffort with none. */
export function qosClass(pod: Pod): 'Guaranteed' | 'Burstable' | 'BestEffort' {
  const all: Obj[] = [...((pod.spec.containers as Obj[] | undefined) ?? []), ...((pod.spec.initContainers as Obj[] | undefined) ?? [])];
  let any = false;
  let guaranteed = true;
  for (const c of all) {
    const req: Obj = c.resources?.requests ?? {};
    const lim: Obj = c.resources?.limits ?? {};
    for (const r of ['cpu', 'memory']) {
      const q = parseQuantity(req[r] ?? lim[r]);
      const l = parseQuantity(lim[r]);
      if ((q && q.nano > 0n) || (l && l.nano > 0n)) any = true;
      if (!l || !q || l.nano !== q.nano) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}
