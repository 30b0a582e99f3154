// The kubelet: registers this node and heartbeats it, watches the pods bound to it (and the
// static pods in <data-dir>/manifests/), and runs each through CRI with one serialized worker
// per pod UID; container state changes it did not cause come from runtime events (pleg/), with
// a slow relist as a safety net. It writes only its own Node and Lease, the status of its pods,
// mirror pods, and the final deletion of its pods; it never changes a pod's spec nor touches
// other nodes.
// Network set-up (CNI config, routes), volumes, probes and the streaming server belong to their
// own modules and are handed in.
import path from 'node:path';
import type { Logger } from 'pino';
import type { Clock, EventRecorder, Informer, SharedInformerFactory } from '../client/informer-types.js';
import { objectKey, R } from '../client/resources.js';
import { isConflict, isNotFound, type KubeClient } from '../client/types.js';
import { NodeStatusManager } from './node/node-status-manager.js';
import type { NodeIdentity } from './node/node-object.js';
import type { CriPort } from './pods/cri-port.js';
import type { TaskEvent } from './pleg/containerd-events.js';
import { PLEG } from './pleg/pleg.js';
import { graceOf, PodSyncer, type ProbeHost, type VolumeHost } from './pods/pod-sync.js';
import { PodWorkers } from './pods/pod-workers.js';
import { CONFIG_HASH_ANNOTATION, CONFIG_MIRROR_ANNOTATION, isMirrorPod, mirrorPodFor, mirrors, readStaticPods } from './pods/static-pods.js';
import type { Obj, Pod } from './pods/types.js';

export interface KubeletOptions {
  nodeName: string;
  nodeIP: string;
  dataDir: string;
  /** The node's pod range; default: the Node's, else the lowest free 10.42.<n>.0/24. */
  podCIDR?: string;
  /** The cluster's pod range the node's /24 comes from (default 10.42.0.0/16). */
  clusterCIDR?: string;
  clusterDNS: string;
  clusterDomain: string;
  kubeletPort: number;
  cniBinDir: string;
  cniConfDir: string;
  maxPods?: number;
  nodeLabels?: Record<string, string>;
  /** Static pod manifests; default <dataDir>/manifests. */
  manifestsDir?: string;
  /** Runs once the Node is registered (pod CIDR known) and before any pod starts: network set-up. */
  beforePods?(node: NodeIdentity): Promise<void>;
}

export interface KubeletDeps {
  client: KubeClient;
  informers: SharedInformerFactory;
  cri: CriPort;
  recorder: EventRecorder;
  clock: Clock;
  logger: Logger;
  volumes?: VolumeHost;
  probes?: ProbeHost;
  /** containerd's task events (src/kubelet/pleg/containerd-events.ts); without them the PLEG relists every second */
  containerdEvents?: { subscribe(signal: AbortSignal): AsyncIterable<TaskEvent> };
}

const STATIC_POD_RESCAN_MS = 20_000;
const MAX_PODS = 110;
const NETWORK_READY_WAIT_MS = 10_000;
/** How long shut-down waits for pod syncs in progress (a pod's grace period may be longer). */
const SHUTDOWN_DRAIN_MS = 5_000;

export class Kubelet {
  readonly nodes: NodeStatusManager;
  readonly syncer: PodSyncer;
  private readonly workers: PodWorkers;
  readonly pleg: PLEG;
  private readonly apiPods = new Map<string, Pod>();
  private readonly staticPods = new Map<string, Pod>();
  /** Pods gone from the API (or the manifests dir) whose runtime pieces are still to be removed. */
  private readonly gone = new Map<string, Pod>();
  /** UIDs whose deletion this kubelet already confirmed. */
  private readonly finished = new Set<string>();
  private podInformer?: Informer<Pod>;
  private serviceInformer?: Informer;
  private synced = false;
  private registered?: (id: NodeIdentity) => void;
  private registrationFailed?: (err: unknown) => void;
  /** Resolves with the Node as registered (pod CIDR decided). */
  readonly registration: Promise<NodeIdentity>;

  constructor(private readonly deps: KubeletDeps, private readonly opts: KubeletOptions) {
    this.registration = new Promise((resolve, reject) => {
      this.registered = resolve;
      this.registrationFailed = reject;
    });
    // Nobody has to wait for it: a failed registration must not be an unhandled rejection.
    this.registration.catch(() => undefined);
    this.nodes = new NodeStatusManager(
      { client: deps.client, cri: deps.cri, clock: deps.clock, logger: deps.logger, dataDir: opts.dataDir },
      { nodeName: opts.nodeName, nodeIP: opts.nodeIP, podCIDR: opts.podCIDR, clusterCIDR: opts.clusterCIDR, kubeletPort: opts.kubeletPort, maxPods: opts.maxPods ?? MAX_PODS, labels: opts.nodeLabels },
    );
    this.syncer = new PodSyncer({
      client: deps.client,
      cri: deps.cri,
      recorder: deps.recorder,
      clock: deps.clock,
      logger: deps.logger,
      volumes: deps.volumes,
      probes: deps.probes,
      nodeName: opts.nodeName,
      hostIP: opts.nodeIP,
      dataDir: opts.dataDir,
      clusterDNS: opts.clusterDNS ? [opts.clusterDNS] : [],
      clusterDomain: opts.clusterDomain,
      services: () => (this.serviceInformer?.store.list() ?? []) as Obj[],
      nodeAllocatable: () => this.nodes.allocatable(),
      statusTarget: (pod) => this.statusTarget(pod),
    });
    this.workers = new PodWorkers((uid) => this.syncUID(uid), deps.logger);
    this.pleg = new PLEG({ runtime: deps.cri.runtime, containerdEvents: deps.containerdEvents, onChange: (uid) => this.workers.enqueue(uid), logger: deps.logger });
  }

  async run(signal: AbortSignal): Promise<void> {
    const { informers, logger } = this.deps;
    let node: NodeIdentity;
    try {
      node = await this.nodes.register(signal);
    } catch (err) {
      this.registrationFailed?.(err);
      throw err;
    }
    this.registered?.(node);
    if (signal.aborted) return;
    await this.opts.beforePods?.(node);
    await this.reportReadyOnceNetworkIsUp(signal);

    this.podInformer = informers.informerFor<Pod>(R.pods, { fieldSelector: `spec.nodeName=${this.opts.nodeName}` });
    this.serviceInformer = informers.informerFor(R.services);
    this.podInformer.addEventHandler({
      onAdd: (p) => this.observe(p),
      onUpdate: (_o, p) => this.observe(p),
      onDelete: (p) => this.forgetApiPod(p),
    });
    this.deps.probes?.onChange?.((uid) => this.workers.enqueue(uid));
    this.deps.probes?.onLivenessFailure?.((uid, name, type) => this.restartContainer(uid, name, type));
    this.deps.probes?.onUnhealthy?.((uid, _name, _type, message) => {
      const pod = this.podByUID(uid);
      if (pod) this.deps.recorder.event(pod, 'Warning', 'Unhealthy', message);
    });
    informers.start(signal);
    await informers.waitForSync(signal);
    if (signal.aborted) return;
    await this.rescanStaticPods();
    this.synced = true;
    for (const uid of [...this.apiPods.keys(), ...this.staticPods.keys()]) this.workers.enqueue(uid);

    const staticTimer = setInterval(() => void this.rescanStaticPods().catch((err: unknown) => logger.warn({ err }, 'static pod scan failed')), STATIC_POD_RESCAN_MS);
    logger.info({ node: node.nodeName }, 'kubelet running');
    await Promise.all([this.pleg.run(signal), this.nodes.run(signal)]);
    clearInterval(staticTimer);
    this.workers.stop();
    await this.workers.drain(SHUTDOWN_DRAIN_MS);
  }

  /**
   * The Node registered before its pod network existed (the CNI config needs the pod range), so
   * it may have said NotReady: report again as soon as the runtime sees the network.
   */
  private async reportReadyOnceNetworkIsUp(signal: AbortSignal): Promise<void> {
    const deadline = Date.now() + NETWORK_READY_WAIT_MS;
    while (!signal.aborted && Date.now() < deadline) {
      if (await this.nodes.checkRuntime()) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    await this.nodes.syncStatus(false).catch((err: unknown) => this.deps.logger.warn({ err }, 'node status update failed'));
  }

  /** The liveness callback of the probe manager: kill the container; it restarts as its policy says. */
  restartContainer(podUID: string, containerName: string, probeType = 'liveness'): void {
    this.syncer.requestKill(podUID, containerName, `Container ${containerName} failed ${probeType} probe, will be restarted`);
    this.workers.enqueue(podUID);
  }

  /** Reads the manifests dir now rather than at the next periodic scan (the agent just wrote a manifest). */
  refreshStaticPods(): void {
    // Before the first scan (after the informers synced) there is nothing to hurry.
    if (this.synced) void this.rescanStaticPods().catch((err: unknown) => this.deps.logger.warn({ err }, 'static pod scan failed'));
  }

  /** Pods this kubelet runs (API pods and static pods), for the streaming server and stats. */
  pods(): Pod[] {
    const out = [...this.apiPods.values()];
    // A static pod's status lives on its mirror: the streaming server finds its containers there.
    for (const s of this.staticPods.values()) {
      const m = this.mirrorOf(s);
      out.push(m && mirrors(m, s) ? { ...s, status: m.status } : s);
    }
    return out;
  }

  podByUID(uid: string): Pod | undefined {
    return this.apiPods.get(uid) ?? this.staticPods.get(uid);
  }

  // ---- pod sources ----

  private observe(p: Pod): void {
    if (isMirrorPod(p)) {
      // A mirror pod changed: its static pod writes its status there, or recreates it.
      const hash = p.metadata.annotations?.[CONFIG_MIRROR_ANNOTATION];
      for (const s of this.staticPods.values()) if (s.metadata.annotations?.[CONFIG_HASH_ANNOTATION] === hash || objectKey(s) === objectKey(p)) this.workers.enqueue(s.metadata.uid!);
      return;
    }
    const uid = p.metadata.uid!;
    if (this.finished.has(uid)) return;
    this.apiPods.set(uid, p);
    this.workers.enqueue(uid);
  }

  private forgetApiPod(p: Pod): void {
    if (isMirrorPod(p)) return this.observe(p);
    const uid = p.metadata.uid!;
    this.apiPods.delete(uid);
    if (this.finished.delete(uid)) {
      this.workers.forget(uid);
      return;
    }
    // Deleted without us (force delete): stop it anyway.
    this.gone.set(uid, p);
    this.workers.enqueue(uid);
  }

  private async rescanStaticPods(): Promise<void> {
    const dir = this.opts.manifestsDir ?? path.join(this.opts.dataDir, 'manifests');
    const seen = this.deps.clock.now().toISOString();
    const found = await readStaticPods(dir, this.opts.nodeName, seen, (file, err) => this.deps.logger.warn({ err, file }, 'bad static pod manifest'));
    const next = new Map(found.map((p) => [p.metadata.uid!, p]));
    for (const [uid, p] of this.staticPods) {
      if (next.has(uid)) continue;
      this.staticPods.delete(uid);
      this.gone.set(uid, p);
      this.workers.enqueue(uid);
    }
    for (const [uid, p] of next) {
      if (this.staticPods.has(uid)) continue;
      this.staticPods.set(uid, p);
      this.workers.enqueue(uid);
    }
  }

  // ---- the per-pod sync ----

  private async syncUID(uid: string): Promise<number | undefined> {
    const apiPod = this.apiPods.get(uid);
    const staticPod = this.staticPods.get(uid);
    const pod = apiPod ?? staticPod;
    if (!pod) {
      const gone = this.gone.get(uid);
      if (gone) {
        await this.syncer.terminate(gone, graceOf(gone));
        if (isStatic(gone)) await this.deleteMirror(gone);
        this.gone.delete(uid);
        this.workers.forget(uid);
      } else if (this.synced) {
        // Runtime leftovers no pod claims (a pod deleted while the kubelet was down).
        await this.syncer.removeOrphan(uid);
        this.workers.forget(uid);
      }
      return undefined;
    }
    if (apiPod?.metadata.deletionTimestamp) {
      await this.syncer.terminate(apiPod, graceOf(apiPod));
      this.finished.add(uid);
      try {
        await this.deps.client.delete(R.pods, apiPod.metadata.namespace!, apiPod.metadata.name!, { gracePeriodSeconds: 0, preconditions: { uid } });
      } catch (err) {
        if (!isNotFound(err) && !isConflict(err)) {
          this.finished.delete(uid);
          throw err;
        }
      }
      return undefined;
    }
    if (staticPod) {
      // A static pod runs whether or not the API takes its mirror (the API server may be down).
      await this.ensureMirror(staticPod).catch((err: unknown) => this.deps.logger.warn({ err, pod: objectKey(staticPod) }, 'could not create the mirror pod'));
      // The API's view of its status is the mirror's; the syncer keeps the computed one itself.
      const mirror = this.mirrorOf(staticPod);
      return this.syncer.sync({ ...staticPod, status: mirror && mirrors(mirror, staticPod) ? (mirror.status as Obj | undefined) : undefined });
    }
    return this.syncer.sync(pod);
  }

  // ---- mirror pods ----

  private mirrorOf(pod: Pod): Pod | undefined {
    return this.podInformer?.store.get(objectKey(pod));
  }

  private statusTarget(pod: Pod): { namespace: string; name: string; uid?: string } | undefined {
    if (!isStatic(pod)) return { namespace: pod.metadata.namespace!, name: pod.metadata.name!, uid: pod.metadata.uid };
    const m = this.mirrorOf(pod);
    return m && mirrors(m, pod) && !m.metadata.deletionTimestamp ? { namespace: m.metadata.namespace!, name: m.metadata.name!, uid: m.metadata.uid } : undefined;
  }

  private async ensureMirror(pod: Pod): Promise<void> {
    const { client } = this.deps;
    const existing = this.mirrorOf(pod);
    if (existing && mirrors(existing, pod) && !existing.metadata.deletionTimestamp) return;
    if (existing) {
      if (!isMirrorPod(existing)) {
        this.deps.logger.warn({ pod: objectKey(pod) }, 'a non-mirror pod holds the static pod name');
        return;
      }
      await client.delete(R.pods, existing.metadata.namespace!, existing.metadata.name!, { gracePeriodSeconds: 0, preconditions: { uid: existing.metadata.uid! } }).catch(ignoreGone);
    }
    let nodeUid: string | undefined;
    try {
      nodeUid = (await client.get(R.nodes, '', this.opts.nodeName)).metadata.uid;
    } catch {
      nodeUid = undefined;
    }
    await client.create(R.pods, pod.metadata.namespace!, mirrorPodFor(pod, { name: this.opts.nodeName, uid: nodeUid })).catch((err: unknown) => {
      if ((err as { code?: number }).code !== 409) throw err;
    });
  }

  private async deleteMirror(pod: Pod): Promise<void> {
    const m = this.mirrorOf(pod);
    if (!m || !isMirrorPod(m)) return;
    await this.deps.client.delete(R.pods, m.metadata.namespace!, m.metadata.name!, { gracePeriodSeconds: 0, preconditions: { uid: m.metadata.uid! } }).catch(ignoreGone);
  }
}

function isStatic(pod: Pod): boolean {
  return pod.metadata.annotations?.['kubernetes.io/config.source'] === 'file';
}

function ignoreGone(err: unknown): void {
  if (isNotFound(err) || isConflict(err)) return;
  throw err;
}
