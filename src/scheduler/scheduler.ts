// The scheduler: watches nodes and pods into the SchedulerCache and the SchedulingQueue, takes
// pods one at a time through the pure decision core (schedule-one.ts), assumes the chosen node in
// the cache, and binds through pods/binding in the background (DefaultBinder). Unschedulable pods
// get a FailedScheduling event and PodScheduled=False; preemption victims are deleted. It writes
// only bindings, pod status conditions, victim deletions and events; it never edits pod specs,
// nodes or any other object, and leaves pods of other schedulers (spec.schedulerName) alone.
import type { Logger } from 'pino';
import type { KubeObject } from '../api/object.js';
import type { Clock, EventRecorder, Informer, SharedInformerFactory } from '../client/informer-types.js';
import { R, objectKey } from '../client/resources.js';
import { isNotFound, type KubeClient } from '../client/types.js';
import type { Controller, ControllerDeps, ControllerDescriptor } from '../controllers/types.js';
import type { Node, Pod, PodCondition } from './api-types.js';
import { SchedulerCache } from './cache.js';
import { Framework, type CycleState, type Profile } from './framework.js';
import { PodInfo } from './node-info.js';
import { ownerSelectors } from './owner-selectors.js';
import { defaultProfile } from './profile.js';
import { SchedulingQueue, type QueuedPodInfo } from './queue.js';
import { schedulePod, type Unschedulable } from './schedule-one.js';

export interface SchedulerDeps extends ControllerDeps {
  profile?: Profile;
  /** Tie-breaking between equally scored nodes (default Math.random). */
  random?: () => number;
  /** Bindings allowed in flight at once. */
  maxInFlightBindings?: number;
}

const isTerminal = (p: Pod) => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';
const isAssigned = (p: Pod) => !!p.spec?.nodeName;

/** The PodScheduled=False condition for an unschedulable pod, or undefined when already set. */
export function unschedulableCondition(pod: Pod, message: string, now: Date): PodCondition[] | undefined {
  const conditions = pod.status?.conditions ?? [];
  const cur = conditions.find((c) => c.type === 'PodScheduled');
  if (cur && cur.status === 'False' && cur.reason === 'Unschedulable' && cur.message === message) return undefined;
  const next: PodCondition = {
    type: 'PodScheduled',
    status: 'False',
    reason: 'Unschedulable',
    message,
    lastProbeTime: null,
    lastTransitionTime: cur && cur.status === 'False' ? cur.lastTransitionTime : now.toISOString().replace(/\.\d+Z$/, 'Z'),
  };
  return [...conditions.filter((c) => c.type !== 'PodScheduled'), next];
}

/** Node changes that can make an unschedulable pod fit. */
function nodeSchedulingChanged(a: Node, b: Node): boolean {
  const pick = (n: Node) => JSON.stringify([n.metadata.labels, n.spec?.taints, n.spec?.unschedulable, n.status?.allocatable, n.status?.images?.length]);
  return pick(a) !== pick(b);
}

export class Scheduler implements Controller {
  readonly cache = new SchedulerCache();
  readonly queue: SchedulingQueue;
  readonly framework: Framework;
  private readonly client: KubeClient;
  private readonly informers: SharedInformerFactory;
  private readonly recorder: EventRecorder;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly random: () => number;
  private readonly maxInFlight: number;
  private readonly bindings = new Set<Promise<void>>();
  private nextStartNodeIndex = 0;
  private pods!: Informer<Pod>;
  private stopSignal: AbortSignal = new AbortController().signal;

  constructor(deps: SchedulerDeps) {
    this.client = deps.client;
    this.informers = deps.informers;
    this.recorder = deps.recorder;
    this.clock = deps.clock;
    this.log = deps.logger;
    this.random = deps.random ?? Math.random;
    this.maxInFlight = deps.maxInFlightBindings ?? 256;
    this.framework = new Framework(deps.profile ?? defaultProfile());
    this.queue = new SchedulingQueue({ now: () => this.clock.now().getTime() });
  }

  private get schedulerName(): string {
    return this.framework.profile.schedulerName;
  }

  private responsibleFor(p: Pod): boolean {
    return (p.spec?.schedulerName ?? 'default-scheduler') === this.schedulerName;
  }

  async run(signal: AbortSignal): Promise<void> {
    this.pods = this.informers.informerFor<Pod>(R.pods);
    const nodes = this.informers.informerFor<Node>(R.nodes);
    const namespaces = this.informers.informerFor(R.namespaces);
    const sources = {
      services: this.informers.informerFor(R.services).store,
      replicationControllers: this.informers.informerFor(R.replicationcontrollers).store,
      replicaSets: this.informers.informerFor(R.replicasets).store,
      statefulSets: this.informers.informerFor(R.statefulsets).store,
    };
    this.cache.setLookups({
      namespaceLabels: (ns) => namespaces.store.get(ns)?.metadata.labels,
      ownerSelectors: (pod) => ownerSelectors(sources, pod),
    });
    this.stopSignal = signal;
    // Plugins that read claims, volumes and classes get their informers before the factory starts.
    for (const pl of this.framework.plugins()) pl.setUp?.({ informers: this.informers, client: this.client, onClusterEvent: (e) => this.queue.moveAllToActiveOrBackoff(e) });
    nodes.addEventHandler({
      onAdd: (n) => {
        this.cache.addOrUpdateNode(n);
        this.queue.moveAllToActiveOrBackoff('NodeAdd');
      },
      onUpdate: (o, n) => {
        this.cache.addOrUpdateNode(n);
        if (nodeSchedulingChanged(o, n)) this.queue.moveAllToActiveOrBackoff('NodeUpdate');
      },
      onDelete: (n) => this.cache.removeNode(n.metadata.name!),
    });
    this.pods.addEventHandler({
      onAdd: (p) => this.onPod(undefined, p),
      onUpdate: (o, p) => this.onPod(o, p),
      onDelete: (p) => this.onPodDelete(p),
    });
    this.informers.start(signal);
    await this.informers.waitForSync(signal);
    if (signal.aborted) return;
    this.queue.run(signal);
    this.log.info({ nodes: this.cache.nodeCount }, 'scheduler started');
    for (;;) {
      const qpi = await this.queue.pop();
      if (!qpi || signal.aborted) break;
      try {
        this.scheduleOne(qpi);
      } catch (err) {
        this.log.error({ err, pod: qpi.key }, 'scheduling cycle failed');
        this.queue.addUnschedulable(qpi, this.queue.schedulingCycle, true);
      }
      while (this.bindings.size >= this.maxInFlight) await Promise.race(this.bindings);
      // Let informer events and binding responses in between cycles.
      if (this.queue.stats().active === 0 || this.queue.schedulingCycle % 32 === 0) await new Promise<void>((r) => setImmediate(r));
    }
    await Promise.allSettled([...this.bindings]);
  }

  private onPod(old: Pod | undefined, p: Pod): void {
    const key = objectKey(p);
    if (isAssigned(p)) {
      if (isTerminal(p)) {
        this.cache.removePod(key);
        this.queue.moveAllToActiveOrBackoff('AssignedPodDelete');
        return;
      }
      const wasAssigned = old !== undefined && isAssigned(old);
      if (!wasAssigned) this.queue.delete(p);
      this.cache.addOrUpdatePod(p);
      if (!wasAssigned) this.queue.moveAllToActiveOrBackoff('AssignedPodAdd');
      else if (JSON.stringify(old.metadata.labels) !== JSON.stringify(p.metadata.labels)) this.queue.moveAllToActiveOrBackoff('AssignedPodUpdate');
      return;
    }
    if (!this.responsibleFor(p) || isTerminal(p)) return;
    if (this.cache.isAssumed(key)) return; // binding in flight
    if (old) this.queue.update(old, p);
    else this.queue.add(p);
  }

  private onPodDelete(p: Pod): void {
    const key = objectKey(p);
    if (isAssigned(p) || this.cache.isAssumed(key)) {
      this.cache.removePod(key);
      this.queue.moveAllToActiveOrBackoff('AssignedPodDelete');
    }
    this.queue.delete(p);
  }

  /** One synchronous scheduling cycle; the binding continues in the background. */
  private scheduleOne(qpi: QueuedPodInfo): void {
    const cur = this.pods.store.get(qpi.key);
    if (!cur || isAssigned(cur) || cur.metadata.deletionTimestamp || !this.responsibleFor(cur) || this.cache.isAssumed(qpi.key)) {
      this.queue.done(qpi.key);
      return;
    }
    if (qpi.podInfo.pod !== cur) qpi.podInfo = new PodInfo(cur);
    const cycle = this.queue.schedulingCycle;
    const { result, nextStartNodeIndex } = schedulePod(this.framework, qpi.podInfo, this.cache, { nextStartNodeIndex: this.nextStartNodeIndex, random: this.random });
    this.nextStartNodeIndex = nextStartNodeIndex;
    if (result.kind === 'unschedulable') {
      this.handleUnschedulable(qpi, cur, result, cycle);
      return;
    }
    const assumed = new PodInfo({ ...cur, spec: { ...cur.spec, nodeName: result.node } });
    this.cache.assumePod(assumed, result.node);
    const reserve = this.framework.runReserve(result.state, assumed, result.node);
    if (reserve) {
      this.cache.forgetPod(qpi.key);
      this.queue.addUnschedulable(qpi, cycle, true);
      return;
    }
    this.queue.done(qpi.key);
    const p = this.bind(qpi, cur, result.node, cycle, result.state, assumed).finally(() => this.bindings.delete(p));
    this.bindings.add(p);
  }

  private async bind(qpi: QueuedPodInfo, pod: Pod, node: string, cycle: number, state: CycleState, assumed: PodInfo): Promise<void> {
    const { namespace, name } = pod.metadata;
    if (this.framework.profile.preBind?.length) {
      // PreBind (VolumeBinding) may wait for volumes to be provisioned and bound.
      const pre = await this.framework.runPreBind(state, assumed, node, this.stopSignal);
      if (pre) {
        this.framework.runUnreserve(state, assumed, node);
        this.cache.forgetPod(qpi.key);
        const message = `running PreBind plugin "${pre.plugin}": ${pre.reasons.join(', ')}`;
        this.log.warn({ pod: qpi.key, node, reason: message }, 'prebind failed');
        this.recorder.event(pod, 'Warning', 'FailedScheduling', message);
        const latest = this.pods.store.get(qpi.key);
        if (latest && !isAssigned(latest) && !this.stopSignal.aborted) this.queue.addUnschedulable(qpi, cycle, true);
        return;
      }
    }
    try {
      await this.client.createSubresource(R.pods, namespace!, name!, 'binding', {
        apiVersion: 'v1',
        kind: 'Binding',
        metadata: { name, namespace },
        target: { apiVersion: 'v1', kind: 'Node', name: node },
      });
      this.recorder.event(pod, 'Normal', 'Scheduled', `Successfully assigned ${namespace}/${name} to ${node}`);
    } catch (err) {
      this.cache.forgetPod(qpi.key);
      this.queue.moveAllToActiveOrBackoff('AssignedPodDelete');
      if (isNotFound(err)) return;
      this.log.warn({ err, pod: qpi.key, node }, 'binding failed');
      this.recorder.event(pod, 'Warning', 'FailedScheduling', `Binding rejected: ${(err as Error).message}`);
      const latest = this.pods.store.get(qpi.key);
      if (latest && !isAssigned(latest)) this.queue.addUnschedulable(qpi, cycle, true);
    }
  }

  private handleUnschedulable(qpi: QueuedPodInfo, pod: Pod, result: Unschedulable, cycle: number): void {
    qpi.unschedulablePlugins = result.diagnosis.unschedulablePlugins;
    this.queue.addUnschedulable(qpi, cycle);
    this.log.debug({ pod: qpi.key, reason: result.message }, 'unschedulable');
    this.recorder.event(pod, 'Warning', 'FailedScheduling', result.message);
    const post = result.postFilter;
    for (const v of post?.victims ?? []) void this.preempt(v, pod, post!.nominatedNodeName!);
    void this.writeCondition(pod, result.message, post?.nominatedNodeName);
  }

  private async preempt(victim: PodInfo, preemptor: Pod, node: string): Promise<void> {
    const { namespace, name } = victim.pod.metadata;
    try {
      await this.client.delete(R.pods, namespace!, name!);
      this.recorder.event(victim.pod, 'Normal', 'Preempted', `Preempted by pod ${preemptor.metadata.uid} on node ${node}`);
    } catch (err) {
      if (!isNotFound(err)) this.log.warn({ err, victim: victim.key }, 'preemption failed');
    }
  }

  private async writeCondition(pod: Pod, message: string, nominatedNodeName: string | undefined): Promise<void> {
    const conditions = unschedulableCondition(pod, message, this.clock.now());
    const nominatedChanged = nominatedNodeName !== undefined && (pod.status?.nominatedNodeName ?? '') !== nominatedNodeName;
    if (!conditions && !nominatedChanged) return;
    const status: Record<string, unknown> = { ...pod.status, conditions: conditions ?? pod.status?.conditions };
    if (nominatedNodeName !== undefined) {
      if (nominatedNodeName) status.nominatedNodeName = nominatedNodeName;
      else delete status.nominatedNodeName;
    }
    try {
      await this.client.update<KubeObject>(R.pods, pod.metadata.namespace!, { ...pod, status }, { subresource: 'status' });
    } catch (err) {
      if (!isNotFound(err)) this.log.debug({ err, pod: objectKey(pod) }, 'pod status update failed');
    }
  }
}

export const schedulerDescriptor: ControllerDescriptor = {
  name: 'scheduler',
  create: (deps) => new Scheduler(deps),
};
