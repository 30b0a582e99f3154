// Registers this kubelet's Node and keeps it alive: the Lease in kube-node-lease every 10 s
// (the cheap heartbeat the node lifecycle controller watches) and the node status every 10 s
// when it changed, at least every 60 s. It writes only its own Node and Lease.
import type { Logger } from 'pino';
import type { KubeObject } from '../../api/object.js';
import type { Clock } from '../../client/informer-types.js';
import { R } from '../../client/resources.js';
import { isAlreadyExists, isConflict, isNotFound, type KubeClient } from '../../client/types.js';
import { buildNodeLease, NODE_LEASE_NAMESPACE, renewedLease } from '../../sim/lease-object.js';
import { jsonEqual } from '../../sim/pod-status.js';
import type { CriPort } from '../pods/cri-port.js';
import { readMachineInfo, type MachineInfo } from './machine-info.js';
import { buildNode, nodeStatus, withoutHeartbeats, type NodeCondition, type NodeIdentity } from './node-object.js';
import { podCIDROf, withoutEmptyPodCIDR } from './pod-cidr.js';

export const LEASE_RENEW_MS = 10_000;
export const STATUS_CHECK_MS = 10_000;
export const STATUS_REPORT_MS = 60_000;
const REGISTER_RETRY_MS = 2_000;
const POD_CIDR_POLL_MS = 500;

export interface NodeStatusDeps {
  client: KubeClient;
  cri: CriPort;
  clock: Clock;
  logger: Logger;
  dataDir: string;
}

export type NodeIdentityInput = Omit<NodeIdentity, 'podCIDR'> & { podCIDR?: string; clusterCIDR?: string };

export class NodeStatusManager {
  private id?: NodeIdentity;
  private machine?: MachineInfo;
  private runtime = { name: 'containerd', version: '' };
  private nodeUid?: string;
  private lastReported?: Record<string, unknown>;
  private lastReportMs = 0;
  private runtimeReady = true;
  private runtimeMessage?: string;
  private signal?: AbortSignal;

  constructor(private readonly deps: NodeStatusDeps, private readonly input: NodeIdentityInput) {}

  /** The node as registered (after register()). */
  identity(): NodeIdentity {
    if (!this.id) throw new Error('node not registered yet');
    return this.id;
  }

  /** Allocatable resources as last reported (resourceFieldRef falls back to them). */
  allocatable(): Record<string, string> {
    return (this.lastReported?.allocatable as Record<string, string> | undefined) ?? {};
  }

  /** Marks the runtime (un)usable: the Ready condition follows at the next status check. */
  setRuntimeReady(ready: boolean, message?: string): void {
    this.runtimeReady = ready;
    this.runtimeMessage = message;
  }

  /** Registers (or adopts) the Node, retrying until it succeeds or signal aborts. */
  async register(signal: AbortSignal): Promise<NodeIdentity> {
    this.signal = signal;
    for (;;) {
      try {
        return await this.tryRegister();
      } catch (err) {
        if (signal.aborted) throw err;
        this.deps.logger.warn({ err }, 'node registration failed; retrying');
        await new Promise((r) => setTimeout(r, REGISTER_RETRY_MS));
      }
    }
  }

  private async tryRegister(): Promise<NodeIdentity> {
    const { client } = this.deps;
    const v = await this.deps.cri.runtime.version({ version: 'v1' });
    this.runtime = { name: v.runtime_name || 'containerd', version: v.runtime_version };
    this.machine = await readMachineInfo(this.deps.dataDir);
    // With --pod-cidr the kubelet sets its own range; otherwise the node IPAM controller assigns one.
    const podCIDR = this.input.podCIDR ?? '';
    const id: NodeIdentity = { ...this.input, podCIDR };
    let node: KubeObject;
    try {
      node = await client.create(R.nodes, '', withoutEmptyPodCIDR(buildNode(id, this.machine)));
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      const wanted = buildNode(id, this.machine);
      const existing = await client.get(R.nodes, '', id.nodeName);
      const spec = (existing.spec ?? {}) as { podCIDR?: string };
      // The pod range is immutable once set: adopt the one the Node already has.
      if (spec.podCIDR) id.podCIDR = spec.podCIDR;
      node = await client.patch(R.nodes, '', id.nodeName, 'merge', {
        metadata: { labels: wanted.metadata.labels },
        ...(spec.podCIDR || !podCIDR ? {} : { spec: { podCIDR: podCIDR, podCIDRs: [podCIDR] } }),
      });
    }
    this.nodeUid = node.metadata.uid;
    if (!id.podCIDR) id.podCIDR = await this.waitForPodCIDR(node);
    this.id = id;
    await this.syncStatus(true);
    await this.renewLease();
    this.deps.logger.info({ node: id.nodeName, podCIDR: id.podCIDR }, 'node registered');
    return id;
  }

  /**
   * Waits until the node IPAM controller gave the Node a pod range (the CNI config needs it).
   * The Node has no status or Lease until then; the controller usually answers within a second.
   */
  private async waitForPodCIDR(node: KubeObject): Promise<string> {
    const started = this.deps.clock.now().getTime();
    let warned = started;
    for (let current = node; ; ) {
      const cidr = podCIDROf(current);
      if (cidr) return cidr;
      if (this.signal?.aborted) throw new Error('stopped while waiting for a pod CIDR');
      const now = this.deps.clock.now().getTime();
      if (now - warned >= 10_000) {
        warned = now;
        this.deps.logger.warn({ node: current.metadata.name, waitedMs: now - started }, 'waiting for the node IPAM controller to assign spec.podCIDR');
      }
      await new Promise((r) => setTimeout(r, POD_CIDR_POLL_MS));
      current = await this.deps.client.get(R.nodes, '', current.metadata.name!);
    }
  }

  /** Heartbeats until signal aborts. */
  async run(signal: AbortSignal): Promise<void> {
    const lease = setInterval(() => void this.renewLease().catch((err: unknown) => this.deps.logger.warn({ err }, 'lease renewal failed')), LEASE_RENEW_MS);
    const status = setInterval(() => void this.syncStatus(false).catch((err: unknown) => this.deps.logger.warn({ err }, 'node status update failed')), STATUS_CHECK_MS);
    await new Promise<void>((resolve) => {
      if (signal.aborted) return resolve();
      signal.addEventListener('abort', () => resolve(), { once: true });
    });
    clearInterval(lease);
    clearInterval(status);
  }

  async renewLease(): Promise<void> {
    const { client, clock } = this.deps;
    const name = this.identity().nodeName;
    const now = clock.now().getTime();
    try {
      const lease = await client.get(R.leases, NODE_LEASE_NAMESPACE, name);
      await client.update(R.leases, NODE_LEASE_NAMESPACE, renewedLease(lease, now));
    } catch (err) {
      if (!isNotFound(err)) throw err;
      await client.create(R.leases, NODE_LEASE_NAMESPACE, buildNodeLease(name, this.nodeUid, now)).catch((e: unknown) => {
        if (!isAlreadyExists(e)) throw e;
      });
    }
  }

  /** Asks the runtime whether it and its pod network are ready (upstream's runtime state check). */
  async checkRuntime(): Promise<boolean> {
    try {
      const r = await this.deps.cri.runtime.status({}, 5_000);
      const conds = r.status?.conditions ?? [];
      const bad = conds.filter((c) => (c.type === 'RuntimeReady' || c.type === 'NetworkReady') && !c.status);
      if (!bad.length) this.setRuntimeReady(true);
      else {
        const c = bad[0]!;
        const what = c.type === 'NetworkReady' ? 'container runtime network not ready' : 'container runtime not ready';
        this.setRuntimeReady(false, `${what}: ${c.type}=false reason:${c.reason} message:${c.message}`);
      }
    } catch (err) {
      this.setRuntimeReady(false, `container runtime is down: ${(err as Error).message}`);
    }
    return this.runtimeReady;
  }

  /** Writes the node status when it changed or the report is due (force: always). */
  async syncStatus(force: boolean): Promise<void> {
    const { client, clock } = this.deps;
    const id = this.identity();
    await this.checkRuntime();
    this.machine = await readMachineInfo(this.deps.dataDir);
    const images = await this.deps.cri.image.listImages({}).then((r) => r.images ?? [], () => []);
    const nowMs = clock.now().getTime();
    for (let attempt = 0; attempt < 3; attempt++) {
      const node = await client.get(R.nodes, '', id.nodeName);
      const prev = (node.status ?? {}) as { conditions?: NodeCondition[] };
      const status = nodeStatus(id, {
        machine: this.machine,
        runtime: this.runtime,
        images,
        nowIso: new Date(nowMs).toISOString().slice(0, 19) + 'Z',
        prev,
        runtimeReady: this.runtimeReady,
        runtimeMessage: this.runtimeMessage,
      });
      const changed = !this.lastReported || !jsonEqual(withoutHeartbeats(status), withoutHeartbeats(this.lastReported)) || !jsonEqual(withoutHeartbeats(status), withoutHeartbeats(prev as Record<string, unknown>));
      if (!force && !changed && nowMs - this.lastReportMs < STATUS_REPORT_MS) return;
      try {
        await client.update(R.nodes, '', { ...node, status: { ...(node.status as object), ...status } }, { subresource: 'status' });
        this.lastReported = status;
        this.lastReportMs = nowMs;
        return;
      } catch (err) {
        if (!isConflict(err)) throw err;
      }
    }
  }
}
