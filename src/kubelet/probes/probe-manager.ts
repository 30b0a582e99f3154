// The kubelet's prober: one worker per (pod, container, probe type) running startup, readiness
// and liveness probes on their schedules, keeping the verdicts the pod status is built from
// (isReady, isStarted) and reporting liveness/startup failures so the caller restarts the
// container. It never talks to the API server or changes containers itself.
import type { Logger } from 'pino';
import type { Clock } from '../../client/informer-types.js';
import { accountResult, firstProbeDelayMs, freshState, probeTiming, shouldProbe, type AccountingState, type ProbeTiming } from './accounting.js';
import { runProbe } from './prober.js';
import type { ExecRuntime, Probe, ProbedContainer, ProbedPod, ProbeOutcome, ProbeType } from './types.js';

export type { ProbeType, ProbeResult } from './types.js';

export interface ProbeManagerDeps {
  cri: ExecRuntime;
  clock: Clock;
  logger: Logger;
}

type FailureListener = (podUID: string, containerName: string, probeType: ProbeType, output: string) => void;

interface Worker {
  type: ProbeType;
  probe: Probe;
  timing: ProbeTiming;
  container: ProbedContainer;
  containerId: string;
  state: AccountingState;
  timer?: NodeJS.Timeout;
  running: boolean;
  stopped: boolean;
}

interface PodProbes {
  pod: ProbedPod;
  podIP: string;
  containerIds: Record<string, string>;
  workers: Map<string, Worker>;
}

const PROBE_FIELDS: [ProbeType, 'startupProbe' | 'readinessProbe' | 'livenessProbe'][] = [
  ['startup', 'startupProbe'],
  ['readiness', 'readinessProbe'],
  ['liveness', 'livenessProbe'],
];

/** Containers that get probed: app containers and restartable init containers (sidecars). */
function probedContainers(pod: ProbedPod): ProbedContainer[] {
  return [...(pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === 'Always'), ...(pod.spec?.containers ?? [])];
}

/** name → CRI id of each running container in the pod's status ("containerd://<id>" → "<id>"). */
export function runningContainerIds(pod: ProbedPod): Record<string, string> {
  const out: Record<string, string> = {};
  for (const st of [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])]) {
    if (!st.state?.running || !st.containerID) continue;
    const i = st.containerID.indexOf('://');
    out[st.name] = i < 0 ? st.containerID : st.containerID.slice(i + 3);
  }
  return out;
}

function startedAtMs(pod: ProbedPod, name: string, containerId: string): number | undefined {
  const all = [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? [])];
  const st = all.find((s) => s.name === name);
  if (!st?.containerID || !st.containerID.endsWith(containerId)) return undefined;
  const t = st.state?.running?.startedAt;
  return t ? Date.parse(t) : undefined;
}

export class ProbeManager {
  private readonly pods = new Map<string, PodProbes>();
  private readonly changeListeners: ((podUID: string) => void)[] = [];
  private readonly livenessListeners: FailureListener[] = [];
  private readonly unhealthyListeners: FailureListener[] = [];

  constructor(private readonly deps: ProbeManagerDeps) {}

  /** Called when a readiness or startup verdict of the pod changes. */
  onChange(cb: (podUID: string) => void): void {
    this.changeListeners.push(cb);
  }

  /** Called when a liveness (or startup) probe crossed its failure threshold: restart the container. */
  onLivenessFailure(cb: FailureListener): void {
    this.livenessListeners.push(cb);
  }

  /** Called on every failed probe attempt, for upstream's "Unhealthy" warning events. */
  onUnhealthy(cb: FailureListener): void {
    this.unhealthyListeners.push(cb);
  }

  /**
   * Starts or updates probing of a pod; idempotent, so it can be called on every sync.
   * containerIds holds the running containers (name → CRI id); a new id for a name means the
   * container was replaced and its workers start over; a name missing from it has no running
   * container (not ready). Without podIP and containerIds they come from pod.status (podIP,
   * running containerStatuses).
   */
  add(pod: ProbedPod, podIP?: string, containerIds?: Record<string, string>): void {
    const uid = pod.metadata.uid ?? '';
    // Called with the pod alone, the pod's status says where it runs and what is running.
    podIP ??= pod.status?.podIP ?? '';
    containerIds ??= runningContainerIds(pod);
    let entry = this.pods.get(uid);
    if (!entry) {
      entry = { pod, podIP, containerIds, workers: new Map() };
      this.pods.set(uid, entry);
    }
    entry.pod = pod;
    entry.podIP = podIP;
    let changed = false;
    for (const [name, id] of Object.entries(entry.containerIds)) if (containerIds[name] !== id) changed = true;
    for (const [name, id] of Object.entries(containerIds)) if (entry.containerIds[name] !== id) changed = true;
    entry.containerIds = containerIds;
    for (const c of probedContainers(pod)) {
      for (const [type, field] of PROBE_FIELDS) {
        const probe = c[field];
        if (!probe) continue;
        const key = `${c.name}/${type}`;
        const id = containerIds[c.name] ?? '';
        let w = entry.workers.get(key);
        if (w && w.containerId === id) {
          w.container = c;
          continue;
        }
        if (w) this.stopWorker(w);
        changed = true;
        w = { type, probe, timing: probeTiming(probe), container: c, containerId: id, state: freshState(type), running: false, stopped: false };
        entry.workers.set(key, w);
        if (id) {
          const now = this.deps.clock.now().getTime();
          this.schedule(uid, w, firstProbeDelayMs(startedAtMs(pod, c.name, id) ?? now, now, w.timing));
        }
      }
    }
    // A new, replaced or stopped container resets readiness; tell the status writer (only then,
    // so a caller that re-adds on every sync does not loop through onChange).
    if (changed) this.emitChange(uid);
  }

  remove(podUID: string): void {
    const entry = this.pods.get(podUID);
    if (!entry) return;
    for (const w of entry.workers.values()) this.stopWorker(w);
    this.pods.delete(podUID);
  }

  /** Stops every worker (agent shutdown). */
  stop(): void {
    for (const uid of [...this.pods.keys()]) this.remove(uid);
  }

  isStarted(podUID: string, containerName: string): boolean {
    const entry = this.pods.get(podUID);
    if (!entry || !entry.containerIds[containerName]) return false;
    const w = entry.workers.get(`${containerName}/startup`);
    return !w || w.state.result === 'Success';
  }

  /** Readiness verdict; a running, started container without a readiness probe is ready. */
  isReady(podUID: string, containerName: string): boolean {
    const entry = this.pods.get(podUID);
    if (!entry || !entry.containerIds[containerName]) return false;
    const w = entry.workers.get(`${containerName}/readiness`);
    if (w) return w.state.result === 'Success';
    return this.isStarted(podUID, containerName);
  }

  private stopWorker(w: Worker): void {
    w.stopped = true;
    if (w.timer) clearTimeout(w.timer);
    w.timer = undefined;
  }

  private schedule(uid: string, w: Worker, delayMs: number): void {
    if (w.stopped) return;
    if (w.timer) clearTimeout(w.timer);
    w.timer = setTimeout(() => void this.tick(uid, w), delayMs);
    w.timer.unref();
  }

  private async tick(uid: string, w: Worker): Promise<void> {
    w.timer = undefined;
    const entry = this.pods.get(uid);
    if (!entry || w.stopped || w.running) return;
    const ctx = { started: this.isStarted(uid, w.container.name), terminating: !!entry.pod.metadata.deletionTimestamp };
    if (shouldProbe(w.type, w.state, ctx)) {
      w.running = true;
      let outcome: ProbeOutcome;
      try {
        outcome = await runProbe(this.deps.cri, w.probe, w.container, w.containerId, entry.podIP, w.timing.timeoutSeconds);
      } finally {
        w.running = false;
      }
      if (w.stopped) return;
      this.record(uid, w, outcome);
    }
    if (!w.state.onHold && !(w.type === 'startup' && w.state.result === 'Success')) this.schedule(uid, w, w.timing.periodSeconds * 1000);
  }

  private record(uid: string, w: Worker, outcome: ProbeOutcome): void {
    const { state, changed, failed } = accountResult(w.state, outcome.result, w.type, w.timing);
    w.state = state;
    const name = w.container.name;
    if (outcome.result === 'Failure') {
      const label = w.type === 'startup' ? 'Startup' : w.type === 'readiness' ? 'Readiness' : 'Liveness';
      for (const cb of this.unhealthyListeners) this.safe(() => cb(uid, name, w.type, `${label} probe failed: ${outcome.output}`));
    }
    if (changed && w.type !== 'liveness') {
      this.emitChange(uid);
      // Startup just succeeded: run the probes it was gating now rather than a period later.
      if (w.type === 'startup' && state.result === 'Success') {
        const entry = this.pods.get(uid);
        for (const other of entry?.workers.values() ?? []) {
          if (other !== w && other.container.name === name && !other.stopped && !other.running) this.schedule(uid, other, 0);
        }
      }
    }
    if (failed) {
      this.deps.logger.info({ podUID: uid, container: name, probe: w.type, output: outcome.output }, 'probe failed; container will be restarted');
      for (const cb of this.livenessListeners) this.safe(() => cb(uid, name, w.type, outcome.output));
    }
  }

  private emitChange(uid: string): void {
    for (const cb of this.changeListeners) this.safe(() => cb(uid));
  }

  private safe(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.deps.logger.error({ err: (e as Error).message }, 'probe listener threw');
    }
  }
}
