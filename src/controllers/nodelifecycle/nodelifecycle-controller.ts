// NodeLifecycleController: upstream's "node-lifecycle" controller with its taint eviction
// manager and the orphan part of PodGC. Every monitor period it
// - marks nodes whose Lease and status heartbeats went silent as Ready=Unknown,
// - keeps the node.kubernetes.io/{not-ready,unreachable,unschedulable,*-pressure} taints in line
//   with the conditions, and marks pods of unreachable nodes not Ready,
// - deletes (gracefully) pods on NoExecute-tainted nodes once their tolerations run out,
// - force-deletes pods bound to nodes that no longer exist, after a quarantine.
// It writes node conditions and managed taints and pod Ready conditions, and deletes pods;
// nothing else. It never force-deletes a pod whose node still exists.
import type { KubeObject } from '../../api/object.js';
import { R, objectKey } from '../../client/resources.js';
import { isConflict, isNotFound } from '../../client/types.js';
import type { Controller, ControllerDeps, ControllerDescriptor } from '../types.js';
import { observeHealth, readyCondition, unknownConditions, type NodeHealth } from './node-health.js';
import { isTerminal, notReadyConditions, orphanedPods } from './pods.js';
import { evictionTime, reconcileTaints, taintsOf } from './taints.js';

const BY_NODE = 'nodelifecycle/node-name';
const NODE_LEASE_NAMESPACE = 'kube-node-lease';

export interface NodeLifecycleOptions {
  /** How often node health is checked (upstream --node-monitor-period, 5 s). */
  monitorPeriodMs?: number;
  /** Silence before a node is Unknown (upstream --node-monitor-grace-period, 40 s). */
  monitorGraceMs?: number;
  /** Silence allowed to a node that never posted status (upstream 60 s). */
  startupGraceMs?: number;
  /** How long a pod bound to a missing node waits before force deletion (upstream PodGC 40 s). */
  orphanQuarantineMs?: number;
}

/** Waits ms, or less if signal aborts; leaves no listener behind either way. */
function sleepUnlessAborted(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

const isoSeconds = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

export class NodeLifecycleController implements Controller {
  private readonly health = new Map<string, NodeHealth>();
  private orphanSeen = new Map<string, number>();
  private readonly evicted = new Set<string>();
  private readonly o: Required<NodeLifecycleOptions>;

  constructor(private readonly deps: ControllerDeps, opts: NodeLifecycleOptions = {}) {
    this.o = {
      monitorPeriodMs: opts.monitorPeriodMs ?? 5_000,
      monitorGraceMs: opts.monitorGraceMs ?? 40_000,
      startupGraceMs: opts.startupGraceMs ?? 60_000,
      orphanQuarantineMs: opts.orphanQuarantineMs ?? 40_000,
    };
  }

  async run(signal: AbortSignal): Promise<void> {
    const { informers } = this.deps;
    informers.informerFor(R.nodes);
    informers.informerFor(R.leases, { namespace: NODE_LEASE_NAMESPACE });
    informers.informerFor(R.pods).addIndexers({ [BY_NODE]: (p) => ((p as any).spec?.nodeName ? [(p as any).spec.nodeName] : []) });
    await informers.waitForSync(signal);
    while (!signal.aborted) {
      try {
        await this.monitor();
      } catch (err) {
        this.deps.logger.warn({ err }, 'node lifecycle pass failed');
      }
      await sleepUnlessAborted(this.o.monitorPeriodMs, signal);
    }
  }

  /** One level-triggered pass over every node and the pods bound to them. */
  async monitor(): Promise<void> {
    const { informers, clock } = this.deps;
    const nodes = informers.informerFor(R.nodes).store;
    const leases = informers.informerFor(R.leases, { namespace: NODE_LEASE_NAMESPACE }).store;
    const pods = informers.informerFor(R.pods).store;
    const seen = new Set<string>();
    for (const node of nodes.list()) {
      const name = node.metadata.name!;
      seen.add(name);
      const now = clock.now().getTime();
      const health = observeHealth(this.health.get(name), node, leases.get(`${NODE_LEASE_NAMESPACE}/${name}`), now);
      this.health.set(name, health);
      try {
        await this.syncNode(node, health, now, pods.byIndex(BY_NODE, name));
      } catch (err) {
        if (!isConflict(err) && !isNotFound(err)) this.deps.logger.warn({ err, node: name }, 'node lifecycle sync failed');
      }
    }
    for (const name of this.health.keys()) if (!seen.has(name)) this.health.delete(name);
    await this.collectOrphans(pods.list(), (n) => !!nodes.get(n));
  }

  private async syncNode(cached: KubeObject, health: NodeHealth, now: number, pods: KubeObject[]): Promise<void> {
    const { client, recorder } = this.deps;
    let node = cached;
    const conditions = unknownConditions(node, health, now, { monitorGraceMs: this.o.monitorGraceMs, startupGraceMs: this.o.startupGraceMs });
    if (conditions) {
      node = await client.patch(R.nodes, '', node.metadata.name!, 'merge', { metadata: { resourceVersion: node.metadata.resourceVersion }, status: { conditions } }, { subresource: 'status' });
      recorder.event(node, 'Normal', 'NodeNotReady', `Node ${node.metadata.name} status is now: NodeNotReady`);
    }
    const taints = reconcileTaints(node, isoSeconds(now));
    if (taints) {
      node = await client.patch(R.nodes, '', node.metadata.name!, 'merge', { metadata: { resourceVersion: node.metadata.resourceVersion }, spec: { taints: taints.length ? taints : null } });
    }
    if (readyCondition(node)?.status === 'Unknown') {
      const nowIso = isoSeconds(now);
      for (const pod of pods) {
        const conds = notReadyConditions(pod, nowIso);
        if (!conds) continue;
        try {
          await client.patch(R.pods, pod.metadata.namespace!, pod.metadata.name!, 'merge', { status: { conditions: conds } }, { subresource: 'status' });
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
      }
    }
    await this.evictIntolerant(taintsOf(node), pods, now);
  }

  private async evictIntolerant(taints: ReturnType<typeof taintsOf>, pods: KubeObject[], now: number): Promise<void> {
    if (!taints.some((t) => t.effect === 'NoExecute')) return;
    for (const pod of pods) {
      if (pod.metadata.deletionTimestamp || isTerminal(pod)) continue;
      const at = evictionTime(pod, taints, now);
      if (at === undefined || (at !== 'now' && at > now)) continue;
      const uid = pod.metadata.uid!;
      if (this.evicted.has(uid)) continue;
      try {
        await this.deps.client.delete(R.pods, pod.metadata.namespace!, pod.metadata.name!, { preconditions: { uid } });
        this.evicted.add(uid);
        if (this.evicted.size > 100_000) this.evicted.clear();
        this.deps.recorder.event(pod, 'Normal', 'TaintManagerEviction', `Marking for deletion Pod ${objectKey(pod)}`);
      } catch (err) {
        if (!isNotFound(err) && !isConflict(err)) throw err;
      }
    }
  }

  private async collectOrphans(pods: KubeObject[], nodeExists: (n: string) => boolean): Promise<void> {
    const { seen, due } = orphanedPods(pods, nodeExists, this.orphanSeen, this.deps.clock.now().getTime(), this.o.orphanQuarantineMs);
    this.orphanSeen = seen;
    for (const pod of due) {
      const nodeName = (pod as any).spec.nodeName as string;
      try {
        // The cache may lag behind a node that was just created: confirm it is really gone.
        await this.deps.client.get(R.nodes, '', nodeName);
        continue;
      } catch (err) {
        if (!isNotFound(err)) continue;
      }
      try {
        await this.deps.client.delete(R.pods, pod.metadata.namespace!, pod.metadata.name!, { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid } });
        this.deps.logger.info({ pod: objectKey(pod), node: nodeName }, 'force-deleted pod bound to a missing node');
      } catch (err) {
        if (!isNotFound(err) && !isConflict(err)) this.deps.logger.warn({ err, pod: objectKey(pod) }, 'deleting orphaned pod failed');
      }
    }
  }
}

export const nodeLifecycleControllerDescriptor: ControllerDescriptor = nodeLifecycleDescriptorWith({});

/** The descriptor with options (shorter grace periods for tests and demos). */
export function nodeLifecycleDescriptorWith(opts: NodeLifecycleOptions): ControllerDescriptor {
  return { name: 'node-lifecycle', create: (deps) => new NodeLifecycleController(deps, opts) };
}
