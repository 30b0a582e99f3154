// The pod sync: drives the container runtime toward one pod's spec, as upstream's SyncPod /
// SyncTerminatingPod. It ensures the sandbox, pulls images, runs init containers in order
// (sidecars stay), starts and restarts app containers with back-off, runs hooks, writes the pod
// status, and on deletion stops everything with the grace period, removes the sandbox and the
// volumes, and confirms the deletion. Decisions live in status.ts, runtime-config.ts, env.ts.
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import type { Clock, EventRecorder } from '../../client/informer-types.js';
import { R } from '../../client/resources.js';
import { isNotFound, type KubeClient } from '../../client/types.js';
import { jsonEqual } from '../../sim/pod-status.js';
import { Backoff } from './backoff.js';
import { RuntimeGate } from './runtime-gate.js';
import { ANNOTATION_TERMINATION_MESSAGE_PATH, ANNOTATION_TERMINATION_MESSAGE_POLICY, LABEL_POD_UID, type CriContainerStatus, type CriMount, type CriPort, type PodSandboxConfig } from './cri-port.js';
import { podDNSConfig, parseResolvConf, type DnsSettings } from './dns.js';
import { ETC_HOSTS, ensureHostsFile } from './etc-hosts.js';
import { buildEnv, expandCommand, referencedObjects } from './env.js';
import { runHook } from './hooks.js';
import { authsFor, pullPolicyOf } from './image-auth.js';
import { containerConfig, sandboxConfig, terminationMessagePath } from './runtime-config.js';
import { computePodStatus, podPhase, shouldRestart, type RuntimeContainer, type RuntimePod } from './status.js';
import { isRestartableInit, podDirName, type Obj, type Pod } from './types.js';

/** The volume manager's contract (src/kubelet/volumes/volume-manager.ts). */
export interface VolumeHost {
  setUp(pod: Pod): Promise<void>;
  mountsFor(pod: Pod, container: Obj): CriMount[];
  tearDown(pod: Pod): Promise<void>;
}

/**
 * The probe manager's contract (src/kubelet/probes/probe-manager.ts). add is called on every
 * sync with the running containers (name → CRI id), so it must be idempotent.
 */
export interface ProbeHost {
  add(pod: Pod, podIP: string, containerIds: Record<string, string>): void;
  remove(podUID: string): void;
  isReady(podUID: string, containerName: string): boolean;
  isStarted(podUID: string, containerName: string): boolean;
  /** Called with a pod UID whenever one of its containers' readiness or startup changes. */
  onChange?(cb: (podUID: string) => void): void;
  /** Called when a liveness or startup probe gave up on a container: restart it. */
  onLivenessFailure?(cb: (podUID: string, containerName: string, probeType: string, output: string) => void): void;
  /** Called on every failed probe attempt with upstream's message ("Liveness probe failed: ..."). */
  onUnhealthy?(cb: (podUID: string, containerName: string, probeType: string, message: string) => void): void;
}

export interface PodSyncDeps {
  client: KubeClient;
  cri: CriPort;
  recorder: EventRecorder;
  clock: Clock;
  logger: Logger;
  volumes?: VolumeHost;
  probes?: ProbeHost;
  nodeName: string;
  hostIP: string;
  dataDir: string;
  clusterDNS: string[];
  clusterDomain: string;
  /** Services (all namespaces, or at least the pod's and default) for service env variables. */
  services(): Obj[];
  nodeAllocatable(): Record<string, string>;
  /** Where the status of pod goes (a static pod's mirror pod); undefined: nowhere. */
  statusTarget?(pod: Pod): { namespace: string; name: string; uid?: string } | undefined;
}

/** What one pod's syncs remember between runs. */
interface PodState {
  waiting: Map<string, { reason: string; message: string }>;
  kill: Map<string, string>;
  /** The status the last sync computed (the basis of the next: timestamps stay put). */
  lastStatus?: Obj;
  /** The status last written, and to which object (a static pod's mirror may be replaced). */
  lastWritten?: { uid: string | undefined; status: Obj };
  sandboxStopped?: string;
  volumesReady: boolean;
  /** When the kubelet first saw the pod: its place in the runtime gate. */
  order: number;
}

const CONFIG_ERROR_RETRY_MS = 2_000;
/** How long a failed pull shows as ErrImagePull before back-off shows as ImagePullBackOff (upstream's pod worker back-off). */
const ERR_IMAGE_PULL_SHOWN_MS = 10_000;
const DEFAULT_GRACE_S = 30;
const POST_START_TIMEOUT_MS = 30_000;
const NS_PER_MS = 1e6;

export class PodSyncer {
  private readonly states = new Map<string, PodState>();
  private readonly exitedStatus = new Map<string, CriContainerStatus>();
  private readonly sandboxIPs = new Map<string, string[]>();
  readonly crashBackoff = new Backoff();
  readonly pullBackoff = new Backoff();
  /** Sandbox creation and container create/start, a few at a time, the oldest pods first. */
  readonly gate = new RuntimeGate();
  private nextOrder = 0;
  private hostDNS?: Promise<DnsSettings['host']>;

  constructor(private readonly deps: PodSyncDeps) {}

  /** The state a sync left (waiting reasons), for tests and the status of deleted pods. */
  stateOf(uid: string): PodState {
    let s = this.states.get(uid);
    if (!s) this.states.set(uid, (s = { waiting: new Map(), kill: new Map(), volumesReady: false, order: this.nextOrder++ }));
    return s;
  }

  /** The status the last sync computed (static pods keep theirs here). */
  lastStatus(uid: string): Obj | undefined {
    return this.states.get(uid)?.lastStatus;
  }

  /** Asks the next sync to kill a running container (liveness failure); it restarts per policy. */
  requestKill(uid: string, containerName: string, message: string): void {
    this.stateOf(uid).kill.set(containerName, message);
  }

  // ---- runtime view ----

  /** Everything the runtime has for a pod UID: newest sandbox and every container attempt. */
  async inspect(uid: string): Promise<RuntimePod & { sandboxes: string[]; all: RuntimeContainer[]; sandboxAttempt: number }> {
    const { runtime } = this.deps.cri;
    const filter = { label_selector: { [LABEL_POD_UID]: uid } };
    const [sb, cs] = await Promise.all([runtime.listPodSandbox({ filter }), runtime.listContainers({ filter })]);
    const sandboxes = [...(sb.items ?? [])].sort((a, b) => b.created_at - a.created_at);
    let sandbox: RuntimePod['sandbox'];
    const newest = sandboxes[0];
    if (newest) {
      let ips: string[] = [];
      if (newest.state === 'SANDBOX_READY') {
        // A sandbox keeps its addresses for life; asking again costs containerd a shim round trip per sync.
        const known = this.sandboxIPs.get(newest.id);
        if (known) ips = known;
        else {
          const st = await runtime.podSandboxStatus({ pod_sandbox_id: newest.id }).catch(() => ({ status: undefined }));
          const net = st.status?.network;
          if (net?.ip) ips = [net.ip, ...(net.additional_ips ?? []).map((x) => x.ip)];
          if (st.status) this.sandboxIPs.set(newest.id, ips);
        }
      }
      sandbox = { id: newest.id, ready: newest.state === 'SANDBOX_READY', ips };
    }
    const all: RuntimeContainer[] = [];
    await Promise.all(
      (cs.containers ?? []).map(async (c) => {
        let st = this.exitedStatus.get(c.id);
        if (!st) {
          const r = await runtime.containerStatus({ container_id: c.id }).catch((err: unknown) => {
            this.deps.logger.debug({ err, containerId: c.id }, 'container status failed');
            return { status: undefined };
          });
          if (!r.status) return;
          st = r.status;
          if (st.state === 'CONTAINER_EXITED') {
            st = { ...st, message: (await terminationMessage(st)) || st.message };
            this.exitedStatus.set(c.id, st);
          }
        }
        all.push(toRuntimeContainer(st));
      }),
    );
    const containers = new Map<string, RuntimeContainer[]>();
    for (const c of all) {
      let list = containers.get(c.name);
      if (!list) containers.set(c.name, (list = []));
      list.push(c);
    }
    for (const list of containers.values()) list.sort((a, b) => b.attempt - a.attempt || b.createdAtMs - a.createdAtMs);
    return { sandbox, containers, sandboxes: sandboxes.map((s) => s.id), all, sandboxAttempt: newest?.metadata?.attempt ?? 0 };
  }

  // ---- the sync ----

  /** Syncs a pod that should be running; returns ms until it must be looked at again. */
  async sync(pod: Pod): Promise<number | undefined> {
    const uid = pod.metadata.uid!;
    const st = this.stateOf(uid);
    const now = this.deps.clock.now().getTime();
    let rt = await this.inspect(uid);
    const started = (n: string): boolean => this.deps.probes?.isStarted(uid, n) ?? true;

    // A pod that finished stays finished: stop what still runs (sidecars) and release the sandbox.
    const prevPhase = (st.lastStatus ?? pod.status)?.phase;
    if (prevPhase === 'Succeeded' || prevPhase === 'Failed') {
      await this.finish(pod, rt, st);
      return undefined;
    }

    // spec.activeDeadlineSeconds: past it, the kubelet kills the pod and fails it (upstream).
    const deadlineLeft = activeDeadlineLeftMs(pod, (st.lastStatus ?? pod.status)?.startTime, now);
    if (deadlineLeft !== undefined && deadlineLeft <= 0) {
      const message = 'Pod was active on the node longer than the specified deadline';
      this.deps.recorder.event(pod, 'Normal', 'DeadlineExceeded', message);
      await Promise.all(rt.all.filter((c) => c.state === 'CONTAINER_RUNNING').map((c) => this.stopContainer(pod, c, graceOf(pod), undefined, undefined)));
      rt = await this.inspect(uid);
      const written = await this.writeStatus(pod, rt, st, { phase: 'Failed', reason: 'DeadlineExceeded', message });
      await this.finish(written, rt, st);
      return undefined;
    }

    // Volumes are set up while the sandbox is created (it does not need them; containers do).
    let volumesSetUp: Promise<Error | undefined> | undefined;
    if (!st.volumesReady && this.deps.volumes) {
      volumesSetUp = this.deps.volumes.setUp(pod).then(
        () => {
          st.volumesReady = true;
          return undefined;
        },
        (err: unknown) => (err instanceof Error ? err : new Error(String(err))),
      );
    }

    let requeue: number | undefined;
    const want = (ms: number | undefined): void => {
      if (ms !== undefined && (requeue === undefined || ms < requeue)) requeue = ms;
    };

    // Sandbox: (re)create when there is none ready, unless the pod is done already.
    const done = podPhase(pod, rt, started);
    if (!rt.sandbox?.ready && (done === 'Succeeded' || done === 'Failed')) {
      const written = await this.writeStatus(pod, rt, st);
      await this.finish(written, rt, st);
      return undefined;
    }
    if (!rt.sandbox?.ready) {
      if (rt.sandbox && rt.all.some((c) => c.state === 'CONTAINER_RUNNING')) {
        await Promise.all(rt.all.filter((c) => c.state === 'CONTAINER_RUNNING').map((c) => this.stopContainer(pod, c, DEFAULT_GRACE_S, undefined)));
      }
      const attempt = rt.sandbox ? rt.sandboxAttempt + 1 : 0;
      try {
        await this.gate.run(st.order, () => this.runSandbox(pod, attempt));
        if (rt.sandbox) this.deps.recorder.event(pod, 'Normal', 'SandboxChanged', 'Pod sandbox changed, it will be killed and re-created.');
      } catch (err) {
        this.deps.recorder.event(pod, 'Warning', 'FailedCreatePodSandBox', `Failed to create pod sandbox: ${(err as Error).message}`);
        await this.writeStatus(pod, rt, st);
        return this.crashBackoff.next(`${uid}/sandbox`, now);
      }
      rt = await this.inspect(uid);
    }
    const volumeError = await volumesSetUp;
    if (volumeError) {
      this.deps.recorder.event(pod, 'Warning', 'FailedMount', volumeError.message);
      await this.writeStatus(pod, rt, st);
      return CONFIG_ERROR_RETRY_MS;
    }
    const sandboxId = rt.sandbox!.id;
    const sbConfig = await this.sandboxConfigFor(pod, rt.sandboxAttempt);
    const podIP = pod.spec.hostNetwork ? this.deps.hostIP : rt.sandbox!.ips[0] ?? '';

    // Liveness failures and other kill requests; the container then restarts as its policy says.
    if (st.kill.size) {
      for (const [name, message] of st.kill) {
        const l = rt.containers.get(name)?.[0];
        st.kill.delete(name);
        if (l?.state !== 'CONTAINER_RUNNING') continue;
        const spec = [...((pod.spec.containers as Obj[] | undefined) ?? []), ...((pod.spec.initContainers as Obj[] | undefined) ?? [])].find((c) => c.name === name);
        this.deps.recorder.event(pod, 'Normal', 'Killing', message);
        await this.stopContainer(pod, l, graceOf(pod), spec, podIP, false);
      }
      rt = await this.inspect(uid);
    }

    const restartPolicy: string = pod.spec.restartPolicy ?? 'Always';
    const ctx = { pod, rt, sandboxId, sbConfig, podIP, st, now };

    // Init containers in order: one regular init container at a time; sidecars start and stay.
    let initComplete = true;
    for (const c of (pod.spec.initContainers as Obj[] | undefined) ?? []) {
      const l = rt.containers.get(c.name)?.[0];
      if (isRestartableInit(c)) {
        if (l?.state === 'CONTAINER_RUNNING') {
          if (c.startupProbe && !started(c.name)) {
            initComplete = false;
            break;
          }
          continue;
        }
        want(await this.start(ctx, c, l));
        // The next init container waits until this sidecar has started.
        if (c.startupProbe || st.waiting.has(c.name)) {
          initComplete = false;
          break;
        }
        continue;
      }
      if (rt.containers.get(c.name)?.some((x) => x.state === 'CONTAINER_EXITED' && x.exitCode === 0)) continue;
      initComplete = false;
      if (l?.state === 'CONTAINER_RUNNING') break;
      if (l?.state === 'CONTAINER_EXITED' && restartPolicy === 'Never') break; // the pod has failed
      want(await this.start(ctx, c, l));
      break;
    }

    if (initComplete) {
      for (const c of (pod.spec.containers as Obj[] | undefined) ?? []) {
        const l = rt.containers.get(c.name)?.[0];
        if (l?.state === 'CONTAINER_RUNNING') {
          st.waiting.delete(c.name);
          continue;
        }
        if (l?.state === 'CONTAINER_EXITED' && !shouldRestart(restartPolicy, l.exitCode)) {
          st.waiting.delete(c.name);
          continue;
        }
        want(await this.start(ctx, c, l));
      }
    }

    rt = await this.inspect(uid);
    await this.collectGarbage(rt);
    const phase = podPhase(pod, rt, started);
    const written = await this.writeStatus(pod, rt, st);
    const left = activeDeadlineLeftMs(pod, written.status?.startTime, now);
    if (left !== undefined) want(Math.max(1, left + 1));
    if (this.deps.probes) {
      const ids: Record<string, string> = {};
      for (const [name, list] of rt.containers) if (list[0]?.state === 'CONTAINER_RUNNING') ids[name] = list[0].id;
      this.deps.probes.add(written, podIP, ids);
    }
    if (phase === 'Succeeded' || phase === 'Failed') await this.finish(written, rt, st);
    return requeue;
  }

  /** Starts container c (a new attempt after last), honouring back-offs; returns ms to retry, if waiting. */
  private async start(
    ctx: { pod: Pod; rt: RuntimePod; sandboxId: string; sbConfig: PodSandboxConfig; podIP: string; st: PodState; now: number },
    c: Obj,
    last: RuntimeContainer | undefined,
  ): Promise<number | undefined> {
    const { pod, st, now } = ctx;
    const uid = pod.metadata.uid!;
    const key = `${uid}/${c.name}`;
    const { recorder } = this.deps;
    const podRef = `${pod.metadata.name}_${pod.metadata.namespace}(${uid})`;

    if (last?.state === 'CONTAINER_EXITED' || last?.state === 'CONTAINER_CREATED' || last?.state === 'CONTAINER_UNKNOWN') {
      const since = last.finishedAtMs || last.createdAtMs || now;
      if (this.crashBackoff.inBackoffSince(key, since, now)) {
        const delay = this.crashBackoff.delay(key, now);
        st.waiting.set(c.name, { reason: 'CrashLoopBackOff', message: `back-off ${formatDelay(delay)} restarting failed container=${c.name} pod=${podRef}` });
        recorder.event(pod, 'Warning', 'BackOff', `Back-off restarting failed container ${c.name} in pod ${podRef}`);
        return this.crashBackoff.remaining(key, since, now) + 1;
      }
      this.crashBackoff.next(key, now);
      if (last.state !== 'CONTAINER_EXITED') await this.deps.cri.runtime.removeContainer({ container_id: last.id }).catch(() => undefined);
    }

    const image = await this.ensureImage(pod, c, ctx.sbConfig, st, now);
    if (typeof image === 'number') return image;

    // Environment: fetch what it refers to, then compute.
    const refs = referencedObjects(c);
    const ns = pod.metadata.namespace!;
    const configMaps = new Map<string, Obj | null>();
    const secrets = new Map<string, Obj | null>();
    await Promise.all([
      ...[...refs.configMaps].map(async (n) => configMaps.set(n, await this.getOrNull(R.configmaps, ns, n))),
      ...[...refs.secrets].map(async (n) => secrets.set(n, await this.getOrNull(R.secrets, ns, n))),
    ]);
    const envResult = buildEnv(pod, c, {
      configMaps,
      secrets,
      services: this.deps.services(),
      podIP: ctx.podIP,
      podIPs: ctx.podIP ? [ctx.podIP] : [],
      hostIP: this.deps.hostIP,
      nodeAllocatable: this.deps.nodeAllocatable(),
    });
    if ('error' in envResult) {
      st.waiting.set(c.name, { reason: 'CreateContainerConfigError', message: envResult.error });
      recorder.event(pod, 'Warning', 'Failed', `Error: ${envResult.error}`);
      this.crashBackoff.reset(key);
      return CONFIG_ERROR_RETRY_MS;
    }
    const { command, args } = expandCommand(c, envResult.env);
    const attempt = last ? last.attempt + 1 : 0;
    let mounts: CriMount[] = [];
    try {
      mounts = this.deps.volumes?.mountsFor(pod, c) ?? [];
    } catch (err) {
      st.waiting.set(c.name, { reason: 'CreateContainerConfigError', message: (err as Error).message });
      recorder.event(pod, 'Warning', 'Failed', `Error: ${(err as Error).message}`);
      return CONFIG_ERROR_RETRY_MS;
    }
    // The file a container may write its termination message to, read back when it exits.
    const messageFile = path.join(this.podDir(pod), 'containers', c.name, String(attempt));
    await mkdir(path.dirname(messageFile), { recursive: true });
    await writeFile(messageFile, '', { mode: 0o666 });
    await chmod(messageFile, 0o666);
    mounts = [...mounts, { container_path: terminationMessagePath(c), host_path: messageFile, readonly: false }];
    if (!mounts.some((m) => m.container_path === ETC_HOSTS)) {
      const hosts = await ensureHostsFile(this.podDir(pod), pod, ctx.podIP, this.deps.clusterDomain);
      if (hosts) mounts = [...mounts, hosts];
    }
    const config = containerConfig({ pod, container: c, attempt, image, env: envResult.env, command, args, mounts });
    await mkdir(path.join(this.podDir(pod), c.name), { recursive: true });
    let containerId: string;
    try {
      containerId = (await this.gate.run(st.order, () => this.deps.cri.runtime.createContainer({ pod_sandbox_id: ctx.sandboxId, config, sandbox_config: ctx.sbConfig }))).container_id;
    } catch (err) {
      const message = (err as Error).message;
      st.waiting.set(c.name, { reason: 'CreateContainerError', message });
      recorder.event(pod, 'Warning', 'Failed', `Error: ${message}`);
      return CONFIG_ERROR_RETRY_MS;
    }
    recorder.event(pod, 'Normal', 'Created', `Created container ${c.name}`);
    try {
      await this.gate.run(st.order, () => this.deps.cri.runtime.startContainer({ container_id: containerId }));
    } catch (err) {
      const message = (err as Error).message;
      st.waiting.set(c.name, { reason: 'RunContainerError', message });
      recorder.event(pod, 'Warning', 'Failed', `Error: ${message}`);
      return undefined; // the exited attempt comes back through the relist, with its back-off
    }
    st.waiting.delete(c.name);
    recorder.event(pod, 'Normal', 'Started', `Started container ${c.name}`);

    if (c.lifecycle?.postStart) {
      const failure = await runHook(c.lifecycle.postStart, { runtime: this.deps.cri.runtime, containerId, container: c, podIP: ctx.podIP }, POST_START_TIMEOUT_MS);
      if (failure) {
        recorder.event(pod, 'Warning', 'FailedPostStartHook', `PostStartHook failed: ${failure}`);
        await this.deps.cri.runtime.stopContainer({ container_id: containerId, timeout: graceOf(pod) }, callDeadlineMs(graceOf(pod))).catch(() => undefined);
      }
    }
    return undefined;
  }

  /** Pulls c's image as its pull policy says; returns the image to run, or ms to retry while waiting. */
  private async ensureImage(pod: Pod, c: Obj, sbConfig: PodSandboxConfig, st: PodState, now: number): Promise<string | number> {
    const image: string = c.image ?? '';
    const { recorder } = this.deps;
    const policy = pullPolicyOf(c);
    if (!image) {
      st.waiting.set(c.name, { reason: 'InvalidImageName', message: 'Failed to apply default image tag "": couldn\'t parse image name "": invalid reference format' });
      return CONFIG_ERROR_RETRY_MS;
    }
    if (policy !== 'Always') {
      const present = await this.deps.cri.image.imageStatus({ image: { image } }).then((r) => !!r.image?.id, () => false);
      if (present) {
        recorder.event(pod, 'Normal', 'Pulled', `Container image "${image}" already present on machine`);
        return image;
      }
      if (policy === 'Never') {
        const message = `Container image "${image}" is not present with pull policy of Never`;
        st.waiting.set(c.name, { reason: 'ErrImageNeverPull', message });
        recorder.event(pod, 'Warning', 'ErrImageNeverPull', message);
        return CONFIG_ERROR_RETRY_MS * 5;
      }
    }
    const key = `${pod.metadata.uid}/${c.name}/${image}`;
    const prev = st.waiting.get(c.name);
    const lastFailure = this.pullFailures.get(key);
    if (lastFailure !== undefined && this.pullBackoff.inBackoffSince(key, lastFailure, now)) {
      // Upstream looks at a pod whose sync failed again only after its worker back-off (10 s), so
      // ErrImagePull stays that long; this kubelet also syncs on its own status writes, which would
      // turn it into ImagePullBackOff within milliseconds.
      const shownUntil = lastFailure + ERR_IMAGE_PULL_SHOWN_MS;
      if (prev?.reason === 'ErrImagePull' && now < shownUntil) {
        return Math.min(shownUntil - now, this.pullBackoff.remaining(key, lastFailure, now)) + 1;
      }
      st.waiting.set(c.name, { reason: 'ImagePullBackOff', message: `Back-off pulling image "${image}"` });
      if (prev?.reason !== 'ImagePullBackOff') recorder.event(pod, 'Normal', 'BackOff', `Back-off pulling image "${image}"`);
      return this.pullBackoff.remaining(key, lastFailure, now) + 1;
    }
    recorder.event(pod, 'Normal', 'Pulling', `Pulling image "${image}"`);
    const startedAt = Date.now();
    const secrets: Obj[] = [];
    for (const ref of (pod.spec.imagePullSecrets as Obj[] | undefined) ?? []) {
      const s = await this.getOrNull(R.secrets, pod.metadata.namespace!, ref.name);
      if (s) secrets.push(s);
    }
    const auths = authsFor(image, secrets);
    let lastErr: Error | undefined;
    for (const auth of auths.length ? auths : [undefined]) {
      try {
        await this.deps.cri.image.pullImage({ image: { image }, ...(auth ? { auth } : {}), sandbox_config: sbConfig });
        const secs = ((Date.now() - startedAt) / 1000).toFixed(3);
        recorder.event(pod, 'Normal', 'Pulled', `Successfully pulled image "${image}" in ${secs}s (${secs}s including waiting)`);
        this.pullBackoff.reset(key);
        this.pullFailures.delete(key);
        return image;
      } catch (err) {
        lastErr = err as Error;
      }
    }
    const message = `Failed to pull image "${image}": ${lastErr?.message ?? 'unknown error'}`;
    this.pullBackoff.next(key, now);
    this.pullFailures.set(key, now);
    st.waiting.set(c.name, { reason: 'ErrImagePull', message });
    recorder.event(pod, 'Warning', 'Failed', message);
    recorder.event(pod, 'Warning', 'Failed', 'Error: ErrImagePull');
    // Look again when ErrImagePull has been shown long enough (back-off then shows), or the back-off ends.
    return Math.min(ERR_IMAGE_PULL_SHOWN_MS, this.pullBackoff.delay(key, now)) + 1;
  }

  private readonly pullFailures = new Map<string, number>();

  // ---- termination ----

  /**
   * Stops a pod being deleted (or gone from the API): preStop hooks and SIGTERM with the grace
   * period, then the sandbox, containers, volumes and logs. Returns when nothing is left.
   */
  async terminate(pod: Pod, graceSeconds: number): Promise<void> {
    const uid = pod.metadata.uid!;
    const rt = await this.inspect(uid);
    const podIP = pod.spec.hostNetwork ? this.deps.hostIP : rt.sandbox?.ips[0] ?? '';
    const specs = new Map<string, Obj>();
    for (const c of [...((pod.spec.initContainers as Obj[] | undefined) ?? []), ...((pod.spec.containers as Obj[] | undefined) ?? [])]) specs.set(c.name, c);
    const running = rt.all.filter((c) => c.state === 'CONTAINER_RUNNING');
    const sidecar = (c: RuntimeContainer): boolean => isRestartableInit(specs.get(c.name) ?? {});
    const deadline = Date.now() + graceSeconds * 1000;
    const left = (): number => Math.max(0, Math.ceil((deadline - Date.now()) / 1000));
    // Main containers first, then sidecars (upstream stops sidecars after the containers they serve).
    await Promise.all(running.filter((c) => !sidecar(c)).map((c) => this.stopContainer(pod, c, left(), specs.get(c.name), podIP)));
    await Promise.all(running.filter(sidecar).map((c) => this.stopContainer(pod, c, left(), specs.get(c.name), podIP)));
    await this.removeAll(uid, rt);
    this.deps.probes?.remove(uid);
    if (this.deps.volumes) await this.deps.volumes.tearDown(pod).catch((err: unknown) => this.deps.logger.warn({ err, podUID: uid }, 'volume tear-down failed'));
    await rm(this.podDir(pod), { recursive: true, force: true });
    this.crashBackoff.resetPrefix(`${uid}/`);
    this.pullBackoff.resetPrefix(`${uid}/`);
    this.states.delete(uid);
  }

  /** Removes whatever the runtime still holds for a UID no pod claims any more. */
  async removeOrphan(uid: string): Promise<void> {
    const rt = await this.inspect(uid);
    await Promise.all(rt.all.filter((c) => c.state === 'CONTAINER_RUNNING').map((c) => this.deps.cri.runtime.stopContainer({ container_id: c.id, timeout: 0 }).catch(() => undefined)));
    await this.removeAll(uid, rt);
    this.states.delete(uid);
  }

  private async removeAll(_uid: string, rt: { sandboxes: string[]; all: RuntimeContainer[] }): Promise<void> {
    const { runtime } = this.deps.cri;
    for (const id of rt.sandboxes) await runtime.stopPodSandbox({ pod_sandbox_id: id }).catch(ignoreNotFound);
    await Promise.all(rt.all.map((c) => runtime.removeContainer({ container_id: c.id }).catch(ignoreNotFound)));
    for (const c of rt.all) this.exitedStatus.delete(c.id);
    for (const id of rt.sandboxes) await runtime.removePodSandbox({ pod_sandbox_id: id }).catch(ignoreNotFound);
    for (const id of rt.sandboxes) this.sandboxIPs.delete(id);
  }

  /** A finished pod: stop leftovers (sidecars) and the sandbox, keep the containers for their logs. */
  private async finish(pod: Pod, rt: RuntimePod & { all: RuntimeContainer[] }, st: PodState): Promise<void> {
    const running = rt.all.filter((c) => c.state === 'CONTAINER_RUNNING');
    if (running.length) await Promise.all(running.map((c) => this.stopContainer(pod, c, graceOf(pod), undefined, undefined)));
    if (rt.sandbox && st.sandboxStopped !== rt.sandbox.id) {
      await this.deps.cri.runtime.stopPodSandbox({ pod_sandbox_id: rt.sandbox.id }).catch(ignoreNotFound);
      st.sandboxStopped = rt.sandbox.id;
      this.deps.probes?.remove(pod.metadata.uid!);
    }
    // Report the containers just stopped (sidecars) as terminated; the phase stays as it is.
    if (running.length) await this.writeStatus(pod, await this.inspect(pod.metadata.uid!), st);
  }

  /** preStop (within the grace period), then StopContainer with what is left of it. */
  private async stopContainer(pod: Pod, c: RuntimeContainer, graceSeconds: number, spec: Obj | undefined, podIP?: string, announce = true): Promise<void> {
    const started = Date.now();
    if (announce) this.deps.recorder.event(pod, 'Normal', 'Killing', `Stopping container ${c.name}`);
    if (spec?.lifecycle?.preStop && graceSeconds > 0) {
      const failure = await runHook(spec.lifecycle.preStop, { runtime: this.deps.cri.runtime, containerId: c.id, container: spec, podIP: podIP ?? '' }, graceSeconds * 1000);
      if (failure) this.deps.recorder.event(pod, 'Warning', 'FailedPreStopHook', `PreStopHook failed: ${failure}`);
    }
    const left = Math.max(0, graceSeconds - Math.floor((Date.now() - started) / 1000));
    await this.deps.cri.runtime.stopContainer({ container_id: c.id, timeout: left }, callDeadlineMs(left)).catch(ignoreNotFound);
  }

  /** Keeps the newest two attempts of each container (the running one and the one --previous shows). */
  private async collectGarbage(rt: RuntimePod): Promise<void> {
    for (const list of rt.containers.values()) {
      for (const old of list.slice(2)) {
        if (old.state !== 'CONTAINER_EXITED') continue;
        await this.deps.cri.runtime.removeContainer({ container_id: old.id }).catch(ignoreNotFound);
        this.exitedStatus.delete(old.id);
      }
    }
  }

  // ---- status ----

  /** Computes the pod's status and writes it when it changed; returns the pod as written. */
  async writeStatus(pod: Pod, rt: RuntimePod, st: PodState, terminal?: { phase: 'Failed'; reason: string; message: string }): Promise<Pod> {
    const uid = pod.metadata.uid!;
    // What we wrote last is newer than the informer's copy; others' conditions come from the latter.
    let basis: Pod = st.lastStatus ? { ...pod, status: { ...st.lastStatus, conditions: withForeignConditions(st.lastStatus.conditions, pod.status?.conditions) } } : pod;
    // A terminal verdict of the kubelet's own (deadline) makes every condition follow it.
    if (terminal) basis = { ...basis, status: { ...(basis.status ?? {}), phase: terminal.phase } };
    const status = computePodStatus(basis, rt, {
      nowMs: this.deps.clock.now().getTime(),
      hostIP: this.deps.hostIP,
      waiting: st.waiting,
      isReady: (n) => this.deps.probes?.isReady(uid, n) ?? true,
      isStarted: (n) => this.deps.probes?.isStarted(uid, n) ?? true,
    });
    if (terminal) Object.assign(status, terminal);
    st.lastStatus = status;
    const target = this.deps.statusTarget ? this.deps.statusTarget(pod) : { namespace: pod.metadata.namespace!, name: pod.metadata.name!, uid };
    if (!target) return { ...pod, status };
    // Unchanged against the API's copy, or against what we wrote last to the same object: nothing to send.
    if (jsonEqual(status, pod.status ?? {}) || (st.lastWritten !== undefined && st.lastWritten.uid === target.uid && jsonEqual(status, st.lastWritten.status))) return { ...pod, status };
    const { resourceVersion: _rv, ...meta } = pod.metadata;
    const body = { ...pod, metadata: { ...meta, name: target.name, namespace: target.namespace, uid: target.uid }, status };
    try {
      const written = await this.deps.client.update<Pod>(R.pods, target.namespace, body, { subresource: 'status' });
      st.lastWritten = { uid: target.uid, status };
      return { ...pod, status: written.status ?? status };
    } catch (err) {
      if (isNotFound(err)) return { ...pod, status };
      throw err;
    }
  }

  // ---- helpers ----

  podDir(pod: Pod): string {
    return path.join(this.deps.dataDir, 'agent', 'pods', podDirName(pod));
  }

  private async runSandbox(pod: Pod, attempt: number): Promise<string> {
    const config = await this.sandboxConfigFor(pod, attempt);
    await mkdir(this.podDir(pod), { recursive: true });
    const r = await this.deps.cri.runtime.runPodSandbox({ config });
    return r.pod_sandbox_id;
  }

  private async sandboxConfigFor(pod: Pod, attempt: number): Promise<PodSandboxConfig> {
    this.hostDNS ??= readFile('/etc/resolv.conf', 'utf8').then(parseResolvConf, () => ({ servers: [], searches: [], options: [] }));
    const dns = podDNSConfig(pod, { clusterDNS: this.deps.clusterDNS, clusterDomain: this.deps.clusterDomain, host: await this.hostDNS });
    return sandboxConfig(pod, attempt, this.podDir(pod), dns);
  }

  private async getOrNull(gvr: typeof R.configmaps, ns: string, name: string): Promise<Obj | null> {
    try {
      return await this.deps.client.get(gvr, ns, name);
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }
}

const KUBELET_CONDITIONS = new Set(['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled']);

/** ours with every condition another component owns taken from theirs. */
function withForeignConditions(ours: Obj[] | undefined, theirs: Obj[] | undefined): Obj[] {
  const out = (ours ?? []).filter((c) => KUBELET_CONDITIONS.has(c.type));
  for (const c of theirs ?? []) {
    if (KUBELET_CONDITIONS.has(c.type) && c.type !== 'PodScheduled') continue;
    const i = out.findIndex((x) => x.type === c.type);
    if (i >= 0) out[i] = c;
    else out.push(c);
  }
  return out;
}

export function graceOf(pod: Pod): number {
  const g = pod.metadata.deletionGracePeriodSeconds ?? pod.spec.terminationGracePeriodSeconds;
  return typeof g === 'number' && g >= 0 ? g : DEFAULT_GRACE_S;
}

const MAX_MESSAGE_BYTES = 4096;
const FALLBACK_LOG_LINES = 80;
const FALLBACK_LOG_BYTES = 2048;

/**
 * The termination message of an exited container as upstream reads it: the file it wrote at
 * terminationMessagePath, or (FallbackToLogsOnError, failed, nothing written) its last log lines.
 */
export async function terminationMessage(s: CriContainerStatus): Promise<string> {
  const target = s.annotations?.[ANNOTATION_TERMINATION_MESSAGE_PATH];
  const mount = target ? s.mounts?.find((m) => m.container_path === target) : undefined;
  let message = '';
  if (mount) message = (await readFile(mount.host_path).catch(() => Buffer.alloc(0))).subarray(0, MAX_MESSAGE_BYTES).toString('utf8');
  if (!message && s.exit_code !== 0 && s.annotations?.[ANNOTATION_TERMINATION_MESSAGE_POLICY] === 'FallbackToLogsOnError' && s.log_path) {
    const text = await readFile(s.log_path, 'utf8').catch(() => '');
    message = lastLogLines(text, FALLBACK_LOG_LINES, FALLBACK_LOG_BYTES);
  }
  return message;
}

/** The message text of the last lines of a CRI log ("<time> <stream> <P|F> <text>"), at most maxBytes from the end. */
export function lastLogLines(cri: string, lines: number, maxBytes: number): string {
  let out = '';
  for (const line of cri.split('\n')) {
    const m = /^\S+ (?:stdout|stderr) ([PF]) (.*)$/.exec(line);
    if (m) out += m[2] + (m[1] === 'F' ? '\n' : '');
  }
  const kept = out.split('\n');
  if (kept[kept.length - 1] === '') kept.pop();
  const tail = kept.slice(-lines).join('\n') + (kept.length ? '\n' : '');
  return Buffer.byteLength(tail) > maxBytes ? Buffer.from(tail).subarray(-maxBytes).toString('utf8') : tail;
}

/** A CRI call that waits up to seconds gets a deadline beyond them. */
function callDeadlineMs(seconds: number): number {
  return (seconds + 30) * 1000;
}

/** ms until pod's spec.activeDeadlineSeconds runs out (undefined without one or before it started). */
export function activeDeadlineLeftMs(pod: Pod, startTime: string | undefined, nowMs: number): number | undefined {
  const d = pod.spec.activeDeadlineSeconds;
  if (typeof d !== 'number' || !startTime) return undefined;
  return Date.parse(startTime) + d * 1000 - nowMs;
}

function toRuntimeContainer(s: CriContainerStatus): RuntimeContainer {
  return {
    id: s.id,
    name: s.metadata?.name ?? s.labels?.['io.kubernetes.container.name'] ?? '',
    attempt: s.metadata?.attempt ?? 0,
    state: s.state,
    createdAtMs: Math.floor((s.created_at ?? 0) / NS_PER_MS),
    startedAtMs: Math.floor((s.started_at ?? 0) / NS_PER_MS),
    finishedAtMs: Math.floor((s.finished_at ?? 0) / NS_PER_MS),
    exitCode: s.exit_code ?? 0,
    reason: s.reason ?? '',
    message: s.message ?? '',
    image: s.image?.image ?? '',
    imageRef: s.image_ref ?? '',
  };
}

/** "10s", "1m20s", "5m0s" as Go's Duration prints them. */
export function formatDelay(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  return `${Math.floor(s / 60)}m${s % 60}s`;
}

function ignoreNotFound(err: unknown): void {
  const code = (err as { code?: unknown }).code;
  // gRPC NOT_FOUND (5): already gone.
  if (code === 5 || code === 'NOT_FOUND') return;
  throw err;
}
