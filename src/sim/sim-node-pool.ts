// Simulated nodes (kwok-style): a pool registers N Node objects, heartbeats their Leases and
// statuses, and plays the kubelet for pods bound to them — status only, no containers. It owns
// its Nodes, their Leases in kube-node-lease and the status of pods on its nodes (plus deleting
// pods marked for deletion there, the kubelet's last word). It never touches pod specs, other
// nodes, scheduling or any other object.
//
// Scale: every deadline (lease renewals, node status, pods finishing) lives in one timer wheel;
// heartbeats are spread evenly over the period and use small merge patches, so 5,000 nodes cost
// 500 tiny requests a second and no per-node timers or cached Lease objects.
import type { Logger } from 'pino';
import type { KubeObject } from '../api/object.js';
import type { Clock, Informer, SharedInformerFactory } from '../client/informer-types.js';
import { R, objectKey } from '../client/resources.js';
import { isAlreadyExists, isConflict, isNotFound, type KubeClient } from '../client/types.js';
import { WorkQueue } from '../client/workqueue.js';
import { buildNodeLease, NODE_LEASE_NAMESPACE } from './lease-object.js';
import { internalIPFor, podCIDRFor, prefixOf24 } from './node-addressing.js';
import { buildNode, nodeStatus, type NodeCondition, type SimNodeSpec } from './node-object.js';
import { PodIPPool } from './pod-ip-pool.js';
import { isTerminal, simulatePodStatus } from './pod-status.js';
import { Limiter } from './limiter.js';
import { TimerWheel } from './timer-wheel.js';
import { microTime } from './timestamps.js';
import { sleep } from '../util/sleep.js';

export interface SimNodePoolDeps {
  client: KubeClient;
  informers: SharedInformerFactory;
  clock: Clock;
  logger: Logger;
}

export interface SimNodePoolOptions {
  count: number;
  namePrefix?: string;
  /** Index of the first node (several pools against one cluster use disjoint ranges). */
  startIndex?: number;
  cpu?: string;
  memory?: string;
  pods?: number;
  ephemeralStorage?: string;
  /** First two octets of the pod range; node i gets <base>.<i>.0/24 (pools over 256 nodes: 10.128.0.0/9). */
  podCIDRBase?: string;
  /** Lease renewal period (upstream: a quarter of the 40 s lease). */
  heartbeatSeconds?: number;
  /** Node status (condition heartbeat) period. */
  nodeStatusSeconds?: number;
  labels?: Record<string, string>;
  /** How long containers of restartPolicy Never/OnFailure pods run. */
  completeAfterMs?: number;
  /** Concurrent pod status writers. */
  workers?: number;
}

interface SimNode {
  spec: SimNodeSpec;
  /** Position in the pool, used to spread heartbeats over the period. */
  slot: number;
  uid?: string;
  registered: boolean;
  stopped: boolean;
  /** Bumped by stop/start so a heartbeat scheduled before a stop does not run after a restart. */
  epoch: number;
  leaseInFlight: boolean;
  statusInFlight: boolean;
  nextStatusAtMs: number;
  conditions?: NodeCondition[];
  ips: PodIPPool;
}

interface Heartbeat {
  node: SimNode;
  epoch: number;
}

const NODE_INDEX = 'k8ts.io/sim-node';
const REGISTER_CONCURRENCY = 32;
const HEARTBEAT_CONCURRENCY = 64;
const FIELD_MANAGER = 'k8ts-sim';

export class SimNodePool {
  private readonly nodes = new Map<string, SimNode>();
  private readonly wheel: TimerWheel<Heartbeat | string>;
  private readonly queue = new WorkQueue(50, 30_000);
  private readonly rechecks = new Map<string, number>();
  private readonly heartbeats = new Limiter(HEARTBEAT_CONCURRENCY);
  private readonly log: Logger;
  private readonly heartbeatMs: number;
  private readonly nodeStatusMs: number;
  private readonly completeAfterMs: number;
  private readonly workers: number;
  private podInformer: Informer | undefined;
  private registeredResolve!: () => void;
  private signal: AbortSignal | undefined;
  /** Resolves once every node is registered (Node, status and Lease written). */
  readonly registered: Promise<void>;

  constructor(private readonly deps: SimNodePoolDeps, opts: SimNodePoolOptions) {
    this.log = deps.logger.child({ component: 'sim-nodes' });
    this.heartbeatMs = (opts.heartbeatSeconds ?? 10) * 1000;
    this.nodeStatusMs = (opts.nodeStatusSeconds ?? 60) * 1000;
    this.completeAfterMs = opts.completeAfterMs ?? 1000;
    this.workers = opts.workers ?? 16;
    this.registered = new Promise((r) => (this.registeredResolve = r));
    this.wheel = new TimerWheel((item) => this.onTimer(item), 100, () => deps.clock.now().getTime());
    const prefix = opts.namePrefix ?? 'sim-node-';
    const start = opts.startIndex ?? 0;
    const total = start + opts.count;
    for (let i = start; i < total; i++) {
      const name = `${prefix}${i}`;
      const podCIDR = podCIDRFor(i, total, opts.podCIDRBase ?? '10.42');
      const spec: SimNodeSpec = {
        name,
        podCIDR,
        internalIP: internalIPFor(i),
        cpu: opts.cpu ?? '32',
        memory: opts.memory ?? '256Gi',
        pods: opts.pods ?? 110,
        ephemeralStorage: opts.ephemeralStorage ?? '100Gi',
        labels: opts.labels ?? {},
      };
      this.nodes.set(name, {
        spec,
        slot: i - start,
        registered: false,
        stopped: false,
        epoch: 0,
        leaseInFlight: false,
        statusInFlight: false,
        nextStatusAtMs: 0,
        ips: new PodIPPool(prefixOf24(podCIDR)),
      });
    }
  }

  get nodeNames(): string[] {
    return [...this.nodes.keys()];
  }

  /** The node's stop state; undefined for names not in this pool. */
  isStopped(name: string): boolean | undefined {
    return this.nodes.get(name)?.stopped;
  }

  async run(signal: AbortSignal): Promise<void> {
    this.signal = signal;
    const pods = this.deps.informers.informerFor(R.pods, { fieldSelector: 'spec.nodeName!=' });
    this.podInformer = pods;
    pods.addIndexers({ [NODE_INDEX]: (p) => [nodeNameOf(p)] });
    pods.addEventHandler({
      onAdd: (p) => this.enqueueIfOurs(p),
      onUpdate: (_old, p) => this.enqueueIfOurs(p),
      onDelete: (p) => this.forgetPod(p),
    });
    signal.addEventListener('abort', () => this.queue.shutdown(), { once: true });
    this.wheel.start(signal);
    this.deps.informers.start(signal);

    await this.registerAll(signal);
    if (signal.aborted) return;
    this.registeredResolve();
    this.log.info({ nodes: this.nodes.size }, 'simulated nodes registered');
    await this.deps.informers.waitForSync(signal);
    if (signal.aborted) return;
    await Promise.all(Array.from({ length: this.workers }, () => this.worker()));
  }

  /** Simulates a node failure: heartbeats end, and its pods are left as they are. */
  stopNode(name: string): void {
    const node = this.mustGet(name);
    if (node.stopped) return;
    node.stopped = true;
    node.epoch++;
    this.log.info({ node: name }, 'simulated node stopped');
  }

  /** Brings a stopped node back: status and Lease are posted at once, then heartbeats resume. */
  async startNode(name: string): Promise<void> {
    const node = this.mustGet(name);
    if (!node.stopped) return;
    node.stopped = false;
    const epoch = ++node.epoch;
    // The node lifecycle controller has likely marked it Unknown meanwhile: transition from that.
    try {
      const live = await this.deps.client.get(R.nodes, '', name);
      node.conditions = ((live.status as { conditions?: NodeCondition[] } | undefined)?.conditions) ?? node.conditions;
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    await this.postStatus(node, true);
    await this.renewLease(node);
    if (node.epoch !== epoch) return;
    this.scheduleHeartbeat(node, this.now() + this.heartbeatMs);
    for (const p of this.podInformer?.store.byIndex(NODE_INDEX, name) ?? []) this.queue.add(objectKey(p));
    this.log.info({ node: name }, 'simulated node started');
  }

  // ---- registration and heartbeats ----

  private async registerAll(signal: AbortSignal): Promise<void> {
    const pending = [...this.nodes.values()];
    const next = async (): Promise<void> => {
      for (let node = pending.shift(); node && !signal.aborted; node = pending.shift()) {
        for (let attempt = 0; !signal.aborted; attempt++) {
          try {
            await this.register(node);
            break;
          } catch (err) {
            this.log.warn({ node: node.spec.name, err: String(err) }, 'registering simulated node failed; retrying');
            await sleep(Math.min(5000, 200 * 2 ** attempt), signal);
          }
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(REGISTER_CONCURRENCY, pending.length) }, next));
  }

  private async register(node: SimNode): Promise<void> {
    const { client } = this.deps;
    let created: KubeObject;
    try {
      created = await client.create(R.nodes, '', buildNode(node.spec), { fieldManager: FIELD_MANAGER });
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      created = await client.get(R.nodes, '', node.spec.name); // a restarted sim adopts its node
      node.conditions = (created.status as { conditions?: NodeCondition[] } | undefined)?.conditions;
    }
    node.uid = created.metadata.uid;
    await this.postStatus(node, true);
    await this.renewLease(node);
    node.registered = true;
    // Spread both heartbeats evenly over their periods by the node's position in the pool.
    const now = this.now();
    const frac = node.slot / this.nodes.size;
    node.nextStatusAtMs = now + Math.floor(this.nodeStatusMs * frac) + this.nodeStatusMs;
    if (!node.stopped) this.scheduleHeartbeat(node, now + Math.floor(this.heartbeatMs * frac));
  }

  private scheduleHeartbeat(node: SimNode, atMs: number): void {
    this.wheel.schedule(atMs, { node, epoch: node.epoch });
  }

  private onTimer(item: Heartbeat | string): void {
    if (typeof item === 'string') {
      this.rechecks.delete(item);
      this.queue.add(item);
      return;
    }
    const { node, epoch } = item;
    if (node.stopped || node.epoch !== epoch || this.signal?.aborted) return;
    const now = this.now();
    this.scheduleHeartbeat(node, now + this.heartbeatMs);
    if (!node.leaseInFlight) {
      node.leaseInFlight = true; // set before queueing, so a node never waits in the limiter twice
      void this.heartbeats.run(() => this.renewLease(node)).catch((err) => this.heartbeatFailed(node, 'lease renewal', err));
    }
    if (now >= node.nextStatusAtMs && !node.statusInFlight) {
      node.nextStatusAtMs = now + this.nodeStatusMs;
      node.statusInFlight = true;
      void this.heartbeats.run(() => this.postStatus(node, false)).catch((err) => this.heartbeatFailed(node, 'node status update', err));
    }
  }

  private heartbeatFailed(node: SimNode, what: string, err: unknown): void {
    // A failed heartbeat is retried by the next one; after shutdown failures are expected.
    if (!this.signal?.aborted) this.log.warn({ node: node.spec.name, err: String(err) }, `${what} failed`);
  }

  /** Renews (or recreates) the node's Lease with a merge patch: no cached object, no conflicts. */
  private async renewLease(node: SimNode): Promise<void> {
    const { client } = this.deps;
    const name = node.spec.name;
    node.leaseInFlight = true;
    try {
      const renewTime = microTime(this.now());
      try {
        await client.patch(R.leases, NODE_LEASE_NAMESPACE, name, 'merge', { spec: { holderIdentity: name, renewTime } }, { fieldManager: FIELD_MANAGER });
      } catch (err) {
        if (!isNotFound(err)) throw err;
        try {
          await client.create(R.leases, NODE_LEASE_NAMESPACE, buildNodeLease(name, node.uid, this.now()), { fieldManager: FIELD_MANAGER });
        } catch (e) {
          if (!isAlreadyExists(e)) throw e;
        }
      }
    } finally {
      node.leaseInFlight = false;
    }
  }

  /** Posts node status: in full at registration and restart, otherwise only the conditions. */
  private async postStatus(node: SimNode, full: boolean): Promise<void> {
    node.statusInFlight = true;
    try {
      const status = nodeStatus(node.spec, this.now(), { conditions: node.conditions });
      node.conditions = status.conditions as NodeCondition[];
      const body = full ? { status } : { status: { conditions: status.conditions } };
      await this.deps.client.patch(R.nodes, '', node.spec.name, 'merge', body, { subresource: 'status', fieldManager: FIELD_MANAGER });
    } finally {
      node.statusInFlight = false;
    }
  }

  // ---- pods ----

  private enqueueIfOurs(pod: KubeObject): void {
    const node = this.nodes.get(nodeNameOf(pod));
    if (node && !node.stopped) this.queue.add(objectKey(pod));
  }

  private forgetPod(pod: KubeObject): void {
    const node = this.nodes.get(nodeNameOf(pod));
    if (!node) return;
    node.ips.release(pod.metadata.uid ?? '');
    this.rechecks.delete(objectKey(pod));
  }

  private async worker(): Promise<void> {
    for (let key = await this.queue.get(); key !== undefined; key = await this.queue.get()) {
      try {
        await this.syncPod(key);
        this.queue.forget(key);
      } catch (err) {
        if (!isConflict(err)) this.log.debug({ pod: key, err: String(err) }, 'pod sync failed; retrying');
        this.queue.addRateLimited(key);
      } finally {
        this.queue.done(key);
      }
    }
  }

  /** Level-triggered: brings one pod's reported status in line with what its node would say. */
  private async syncPod(key: string): Promise<void> {
    const pod = this.podInformer?.store.get(key);
    if (!pod) return;
    const node = this.nodes.get(nodeNameOf(pod));
    if (!node || node.stopped || !node.registered) return;
    const { client } = this.deps;
    const ns = pod.metadata.namespace ?? '';
    const uid = pod.metadata.uid ?? '';

    if (pod.metadata.deletionTimestamp) {
      // The kubelet has "stopped the containers": finish the deletion it was waiting for.
      try {
        await client.delete(R.pods, ns, pod.metadata.name!, { gracePeriodSeconds: 0, preconditions: { uid } });
      } catch (err) {
        if (!isNotFound(err) && !isConflict(err)) throw err;
      }
      node.ips.release(uid);
      return;
    }
    if (isTerminal(pod)) {
      node.ips.release(uid); // the sandbox is gone; the status keeps reporting its address
      return;
    }

    let podIP: string | undefined;
    const spec = pod.spec as { hostNetwork?: boolean } | undefined;
    if (!spec?.hostNetwork) {
      const reported = (pod.status as { podIP?: string } | undefined)?.podIP;
      podIP = reported && node.ips.reserve(uid, reported) ? reported : node.ips.allocate(uid);
      if (!podIP) {
        this.log.warn({ pod: key, node: node.spec.name }, 'pod address range exhausted');
        this.queue.addAfter(key, 5000);
        return;
      }
    }
    const now = this.now();
    const result = simulatePodStatus(pod, { nowMs: now, hostIP: node.spec.internalIP, podIP, completeAfterMs: this.completeAfterMs });
    if (result.changed) {
      await client.update(R.pods, ns, { ...pod, status: result.status }, { subresource: 'status', fieldManager: FIELD_MANAGER });
      if (isTerminalPhase(result.status.phase)) node.ips.release(uid);
    }
    if (result.recheckAtMs !== undefined && this.rechecks.get(key) !== result.recheckAtMs) {
      this.rechecks.set(key, result.recheckAtMs);
      this.wheel.schedule(result.recheckAtMs, key);
    }
  }

  private now(): number {
    return this.deps.clock.now().getTime();
  }

  private mustGet(name: string): SimNode {
    const node = this.nodes.get(name);
    if (!node) throw new Error(`no simulated node named "${name}" in this pool`);
    return node;
  }
}

function nodeNameOf(pod: KubeObject): string {
  return ((pod.spec as { nodeName?: string } | undefined)?.nodeName) ?? '';
}

function isTerminalPhase(phase: unknown): boolean {
  return phase === 'Succeeded' || phase === 'Failed';
}

