// The kubelet's volume manager: prepares every volume a pod names on this node before its
// containers are created, tells the runtime what to bind where (CRI mounts), keeps configMap,
// secret, downwardAPI and projected volumes current, and removes a pod's volumes when it goes.
// It owns <dataDir>/agent/pods/<uid>/volumes/ and nothing else under the data directory; outside
// it, it touches only the hostPath and local PersistentVolume paths pods name (never deleting
// them). It never writes API objects (events about failures are the caller's, from VolumeError).
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Logger } from 'pino';
import { parseQuantity } from '../../api/quantity.js';
import type { Clock } from '../../client/informer-types.js';
import { R } from '../../client/resources.js';
import { ApiError, isNotFound, type KubeClient } from '../../client/types.js';
import { writeAtomic } from './atomic-writer.js';
import type { Allocatable } from './downward-api.js';
import { prepareHostPath } from './host-path.js';
import { mountPoints, mountsUnder, mountTmpfs, unmount } from './mounts.js';
import {
  configMapValues,
  downwardAPIPayload,
  keyedPayload,
  projectedPayload,
  secretValues,
  type ConfigMapData,
  type ProjectedInputs,
  type SecretData,
} from './payload.js';
import { expandSubPathExpr, prepareSubPath } from './sub-path.js';
import { VolumeError, type Container, type CriMount, type Payload, type Pod, type Volume, type VolumeMount } from './types.js';
import type { NodeService } from '../../storage/csi.js';
import { ANN_PROVISIONED_BY, type PersistentVolume, type PersistentVolumeClaim } from '../../storage/api.js';

export { VolumeError } from './types.js';
export type { CriMount } from './types.js';

export interface VolumeManagerDeps {
  client: KubeClient;
  dataDir: string;
  logger: Logger;
  clock: Clock;
  /** Node allocatable for downward API limits a container leaves unset (default: this host's CPUs and memory). */
  nodeAllocatable?: () => Allocatable;
  /** How often mounted API-data volumes are refreshed (default 15 s). */
  resyncMs?: number;
  /**
   * Node services of storage drivers by provisioner name (the volume's pv.kubernetes.io/provisioned-by):
   * they publish the volumes they made (e.g. local-path creates the directory on first use).
   */
  volumeDrivers?: ReadonlyMap<string, NodeService>;
}

/** Text written instead of a token while the API server cannot issue one (TokenRequest missing). */
export const PLACEHOLDER_TOKEN = 'k8ts-placeholder-token: the API server did not issue a service account token';

const PLUGIN_DIRS = {
  emptyDir: 'kubernetes.io~empty-dir',
  configMap: 'kubernetes.io~configmap',
  secret: 'kubernetes.io~secret',
  downwardAPI: 'kubernetes.io~downward-api',
  projected: 'kubernetes.io~projected',
} as const;

interface CachedToken { token: string; refreshAt: number }

interface MountedVolume {
  /** Host path the runtime binds. */
  path: string;
  /** API-data volumes are always read-only in containers, as upstream's ReadOnlyAPIDataVolumes. */
  forceReadOnly: boolean;
  /** Rewrites the payload (configMap, secret, downwardAPI, projected). */
  refresh?: () => Promise<void>;
  /** A PersistentVolume's path (see claimPathsInUse). */
  claimVolume?: boolean;
}

interface PodVolumes {
  pod: Pod;
  volumes: Map<string, MountedVolume>;
  /** container name → volumeMount index → resolved subPath host path. */
  subPaths: Map<string, Map<number, string>>;
  tokens: Map<string, CachedToken>;
}

const PROPAGATION: Record<string, CriMount['propagation']> = {
  None: 'PROPAGATION_PRIVATE',
  HostToContainer: 'PROPAGATION_HOST_TO_CONTAINER',
  Bidirectional: 'PROPAGATION_BIDIRECTIONAL',
};

function allContainers(pod: Pod): Container[] {
  return [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? []), ...(pod.spec?.ephemeralContainers ?? [])];
}

function literalEnv(c: Container): Record<string, string> {
  const env: Record<string, string> = {};
  for (const e of c.env ?? []) if (e.value !== undefined) env[e.name] = e.value;
  return env;
}

function quantityBytes(q: string | number | undefined): number | undefined {
  if (q === undefined) return undefined;
  const parsed = parseQuantity(q);
  return parsed ? Number((parsed.nano + 999_999_999n) / 1_000_000_000n) : undefined;
}

export class VolumeManager {
  private readonly pods = new Map<string, PodVolumes>();
  private readonly locks = new Map<string, Promise<unknown>>();
  private readonly allocatable: () => Allocatable;
  private warnedPlaceholder = false;

  constructor(private readonly deps: VolumeManagerDeps) {
    this.allocatable = deps.nodeAllocatable ?? (() => ({ cpu: os.cpus().length, memory: os.totalmem() }));
  }

  /** <dataDir>/agent/pods/<uid> */
  podDir(uid: string): string {
    return path.join(this.deps.dataDir, 'agent', 'pods', uid);
  }

  private volumesDir(uid: string): string {
    return path.join(this.podDir(uid), 'volumes');
  }

  /** Runs fn after any earlier operation on the same pod, so setUp, resync and tearDown never interleave. */
  private serialize<T>(uid: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(uid) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const tail = next.catch(() => undefined);
    this.locks.set(uid, tail);
    void tail.then(() => {
      if (this.locks.get(uid) === tail) this.locks.delete(uid);
    });
    return next;
  }

  /**
   * Prepares every volume of the pod and every subPath its containers use. Idempotent: call it
   * again with a newer pod object (labels, annotations) to refresh what it projects. Rejects with
   * VolumeError; the pod should then stay ContainerCreating and the call be retried.
   */
  setUp(pod: Pod): Promise<void> {
    const uid = pod.metadata.uid;
    if (!uid) return Promise.reject(new VolumeError('FailedMount', 'pod has no uid'));
    return this.serialize(uid, async () => {
      const state = this.pods.get(uid) ?? { pod, volumes: new Map(), subPaths: new Map(), tokens: new Map() };
      state.pod = pod;
      const failures: string[] = [];
      for (const v of pod.spec?.volumes ?? []) {
        try {
          state.volumes.set(v.name, await this.setUpVolume(state, v));
        } catch (e) {
          failures.push(`volume "${v.name}": ${(e as Error).message}`);
        }
      }
      this.pods.set(uid, state);
      if (failures.length) throw new VolumeError('FailedMount', `MountVolume.SetUp failed: ${failures.join('; ')}`);
      for (const c of allContainers(pod)) {
        const mounts = c.volumeMounts ?? [];
        const resolved = new Map<number, string>();
        for (let i = 0; i < mounts.length; i++) {
          const m = mounts[i];
          const sub = m.subPathExpr ? expandSubPathExpr(m.subPathExpr, literalEnv(c)) : m.subPath;
          if (!sub) continue;
          const vol = state.volumes.get(m.name);
          if (!vol) throw new VolumeError('FailedMount', `container ${c.name}: volume "${m.name}" is not defined`);
          try {
            resolved.set(i, await prepareSubPath(vol.path, sub));
          } catch (e) {
            throw new VolumeError('FailedMount', `container ${c.name}: ${(e as Error).message}`);
          }
        }
        state.subPaths.set(c.name, resolved);
      }
    });
  }

  /**
   * Records a newer pod object (labels, annotations, status) without any I/O; the next resync
   * writes what changed into downwardAPI and projected volumes.
   */
  updatePod(pod: Pod): void {
    const state = this.pods.get(pod.metadata.uid ?? '');
    if (state) state.pod = pod;
  }

  /** The CRI mounts for one container; setUp must have succeeded for the pod. */
  mountsFor(pod: Pod, container: Container): CriMount[] {
    const state = this.pods.get(pod.metadata.uid ?? '');
    if (!state) throw new VolumeError('FailedMount', `volumes of pod ${pod.metadata.namespace}/${pod.metadata.name} are not set up`);
    const subs = state.subPaths.get(container.name);
    const mounts: CriMount[] = [];
    (container.volumeMounts ?? []).forEach((m: VolumeMount, i: number) => {
      const vol = state.volumes.get(m.name);
      if (!vol) throw new VolumeError('FailedMount', `container ${container.name}: volume "${m.name}" is not set up`);
      const mount: CriMount = {
        container_path: m.mountPath,
        host_path: subs?.get(i) ?? vol.path,
        readonly: !!m.readOnly || vol.forceReadOnly,
      };
      const propagation = m.mountPropagation ? PROPAGATION[m.mountPropagation] : undefined;
      if (propagation) mount.propagation = propagation;
      mounts.push(mount);
    });
    return mounts;
  }

  /** Unmounts the pod's tmpfs volumes and removes its volume directories; hostPath and PV data stay. */
  tearDown(pod: Pick<Pod, 'metadata'>): Promise<void> {
    const uid = pod.metadata.uid;
    if (!uid) return Promise.resolve();
    return this.serialize(uid, async () => {
      this.pods.delete(uid);
      await this.removePodVolumes(uid);
    });
  }

  /** Tears down volume directories left by pods this kubelet no longer runs (e.g. after a restart). */
  async cleanupOrphans(activeUIDs: ReadonlySet<string>): Promise<void> {
    let entries: string[];
    try {
      entries = await fs.readdir(path.join(this.deps.dataDir, 'agent', 'pods'));
    } catch {
      return;
    }
    for (const uid of entries) {
      // Only <uid> entries are ours; the kubelet keeps "<ns>_<name>_<uid>" log dirs alongside.
      if (uid.includes('_')) continue;
      if (!activeUIDs.has(uid) && !this.pods.has(uid)) await this.tearDown({ metadata: { uid } });
    }
  }

  /** Refreshes mounted configMap, secret, downwardAPI and projected volumes until the signal aborts. */
  async run(signal: AbortSignal): Promise<void> {
    const period = this.deps.resyncMs ?? 15_000;
    while (!signal.aborted) {
      await new Promise<void>((resolve) => {
        const onAbort = () => {
          clearTimeout(t);
          resolve();
        };
        const t = setTimeout(() => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        }, period);
        signal.addEventListener('abort', onAbort, { once: true });
      });
      if (signal.aborted) break;
      await this.resyncAll();
    }
  }

  /** One refresh pass over every mounted API-data volume (exposed for tests). */
  async resyncAll(): Promise<void> {
    for (const [uid, state] of this.pods) {
      await this.serialize(uid, async () => {
        if (this.pods.get(uid) !== state) return;
        for (const [name, vol] of state.volumes) {
          if (!vol.refresh) continue;
          try {
            await vol.refresh();
          } catch (e) {
            this.deps.logger.warn({ pod: `${state.pod.metadata.namespace}/${state.pod.metadata.name}`, volume: name, err: (e as Error).message }, 'volume refresh failed');
          }
        }
      });
    }
  }

  private async removePodVolumes(uid: string): Promise<void> {
    const dir = this.volumesDir(uid);
    for (const mp of mountsUnder(await mountPoints(), dir)) await unmount(mp);
    const left = mountsUnder(await mountPoints(), dir);
    if (left.length) throw new Error(`still mounted under ${dir}: ${left.join(', ')}`);
    await fs.rm(dir, { recursive: true, force: true });
    try {
      await fs.rmdir(this.podDir(uid));
    } catch {
      // Other parts of the kubelet may still keep files in the pod directory.
    }
  }

  private async setUpVolume(state: PodVolumes, v: Volume): Promise<MountedVolume> {
    const pod = state.pod;
    const uid = pod.metadata.uid!;
    const ns = pod.metadata.namespace ?? 'default';
    const fsGroup = pod.spec?.securityContext?.fsGroup;
    const dirFor = (plugin: string) => path.join(this.volumesDir(uid), plugin, v.name);

    if (v.emptyDir) {
      const dir = dirFor(PLUGIN_DIRS.emptyDir);
      await fs.mkdir(dir, { recursive: true });
      if (v.emptyDir.medium === 'Memory') await mountTmpfs(dir, quantityBytes(v.emptyDir.sizeLimit));
      await fs.chmod(dir, fsGroup === undefined ? 0o777 : 0o2777);
      if (fsGroup !== undefined) await fs.chown(dir, -1, fsGroup);
      return { path: dir, forceReadOnly: false };
    }
    if (v.hostPath) {
      await prepareHostPath(v.hostPath.path, v.hostPath.type);
      return { path: v.hostPath.path, forceReadOnly: false };
    }
    if (v.persistentVolumeClaim) return this.setUpClaim(ns, v.persistentVolumeClaim.claimName, !!v.persistentVolumeClaim.readOnly);
    if (v.ephemeral) return this.setUpClaim(ns, `${pod.metadata.name}-${v.name}`, false);
    if (v.configMap) {
      const src = v.configMap;
      const dir = dirFor(PLUGIN_DIRS.configMap);
      const refresh = async () => {
        const name = src.name ?? '';
        const cm = await this.getOrUndefined<ConfigMapData>(R.configmaps, ns, name);
        await writeAtomic(dir, keyedPayload('configmap', name, configMapValues(cm), src.items, !!src.optional, src.defaultMode, fsGroup), { gid: fsGroup, now: this.deps.clock.now() });
      };
      await refresh();
      return { path: dir, forceReadOnly: true, refresh };
    }
    if (v.secret) {
      const src = v.secret;
      const dir = dirFor(PLUGIN_DIRS.secret);
      await mountTmpfs(dir);
      const refresh = async () => {
        const name = src.secretName ?? '';
        const s = await this.getOrUndefined<SecretData>(R.secrets, ns, name);
        await writeAtomic(dir, keyedPayload('secret', name, secretValues(s), src.items, !!src.optional, src.defaultMode, fsGroup), { gid: fsGroup, now: this.deps.clock.now() });
      };
      await refresh();
      return { path: dir, forceReadOnly: true, refresh };
    }
    if (v.downwardAPI) {
      const src = v.downwardAPI;
      const dir = dirFor(PLUGIN_DIRS.downwardAPI);
      const refresh = async () => {
        await writeAtomic(dir, downwardAPIPayload(state.pod, src.items, src.defaultMode, fsGroup, this.allocatable()), { gid: fsGroup, now: this.deps.clock.now() });
      };
      await refresh();
      return { path: dir, forceReadOnly: true, refresh };
    }
    if (v.projected) {
      const src = v.projected;
      const dir = dirFor(PLUGIN_DIRS.projected);
      await mountTmpfs(dir);
      const refresh = async () => {
        const sources = src.sources ?? [];
        const inputs: ProjectedInputs = { configMaps: new Map(), secrets: new Map(), tokens: new Map() };
        for (let i = 0; i < sources.length; i++) {
          const s = sources[i];
          if (s.configMap?.name !== undefined && !inputs.configMaps.has(s.configMap.name)) {
            inputs.configMaps.set(s.configMap.name, await this.getOrUndefined<ConfigMapData>(R.configmaps, ns, s.configMap.name));
          } else if (s.secret?.name !== undefined && !inputs.secrets.has(s.secret.name)) {
            inputs.secrets.set(s.secret.name, await this.getOrUndefined<SecretData>(R.secrets, ns, s.secret.name));
          } else if (s.serviceAccountToken) {
            inputs.tokens.set(i, await this.token(state, `${v.name}/${i}`, s.serviceAccountToken.audience, s.serviceAccountToken.expirationSeconds));
          }
        }
        await writeAtomic(dir, projectedPayload(state.pod, sources, src.defaultMode, fsGroup, inputs, this.allocatable()), { gid: fsGroup, now: this.deps.clock.now() });
      };
      await refresh();
      return { path: dir, forceReadOnly: true, refresh };
    }
    throw new Error('unsupported volume type');
  }

  private async setUpClaim(ns: string, claimName: string, readOnly: boolean): Promise<MountedVolume> {
    const claim = await this.getOrUndefined<PersistentVolumeClaim>(R.persistentvolumeclaims, ns, claimName);
    if (!claim) throw new Error(`persistentvolumeclaim "${claimName}" not found`);
    const pvName = claim.spec?.volumeName;
    if (!pvName || claim.status?.phase !== 'Bound') throw new Error(`persistentvolumeclaim "${claimName}" is not bound`);
    const pv = await this.getOrUndefined<PersistentVolume>(R.persistentvolumes, '', pvName);
    if (!pv) throw new Error(`persistentvolume "${pvName}" not found`);
    // A claim that may only be read (ReadOnlyMany and nothing more) is mounted read-only.
    const modes = claim.status?.accessModes ?? claim.spec?.accessModes ?? [];
    const forceReadOnly = readOnly || (modes.length > 0 && modes.every((m) => m === 'ReadOnlyMany'));
    const source = pv.spec?.hostPath ?? pv.spec?.local;
    const driver = this.deps.volumeDrivers?.get(pv.metadata.annotations?.[ANN_PROVISIONED_BY] ?? '');
    if (driver && source) {
      const { hostPath } = await driver.nodePublishVolume({
        volumeId: pvName,
        volumeContext: { path: source.path },
        readonly: forceReadOnly,
        volumeCapability: { accessMode: forceReadOnly ? 'MULTI_NODE_READER_ONLY' : 'SINGLE_NODE_WRITER', accessType: 'mount' },
      });
      return { path: hostPath, forceReadOnly, claimVolume: true };
    }
    if (pv.spec?.hostPath) {
      await prepareHostPath(pv.spec.hostPath.path, pv.spec.hostPath.type);
      return { path: pv.spec.hostPath.path, forceReadOnly, claimVolume: true };
    }
    if (pv.spec?.local) {
      await prepareHostPath(pv.spec.local.path, 'Directory');
      return { path: pv.spec.local.path, forceReadOnly, claimVolume: true };
    }
    throw new Error(`persistentvolume "${pvName}" has a volume source this node cannot mount (only hostPath and local)`);
  }

  /** Host paths of persistent volumes mounted for pods this kubelet runs (their data must stay). */
  claimPathsInUse(): Set<string> {
    const out = new Set<string>();
    for (const state of this.pods.values()) for (const v of state.volumes.values()) if (v.claimVolume) out.add(path.resolve(v.path));
    return out;
  }

  private async getOrUndefined<T>(gvr: (typeof R)[keyof typeof R], ns: string, name: string): Promise<T | undefined> {
    try {
      return (await this.deps.client.get(gvr, ns, name)) as unknown as T;
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  /**
   * A bound service account token, re-requested once 80% of its lifetime has passed (or after
   * 24 h), as upstream's token manager does.
   */
  private async token(state: PodVolumes, key: string, audience: string | undefined, expirationSeconds: number | undefined): Promise<string> {
    const now = this.deps.clock.now().getTime();
    const cached = state.tokens.get(key);
    if (cached && now < cached.refreshAt) return cached.token;
    const pod = state.pod;
    const ttl = expirationSeconds ?? 3600;
    const sa = pod.spec?.serviceAccountName || 'default';
    try {
      const resp = await this.deps.client.createSubresource<{ status?: { token?: string; expirationTimestamp?: string } }>(
        R.serviceaccounts,
        pod.metadata.namespace ?? 'default',
        sa,
        'token',
        {
          apiVersion: 'authentication.k8s.io/v1',
          kind: 'TokenRequest',
          spec: {
            audiences: audience ? [audience] : [],
            expirationSeconds: ttl,
            boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: pod.metadata.name, uid: pod.metadata.uid },
          },
        },
      );
      const token = resp.status?.token;
      if (!token) throw new Error('TokenRequest returned no token');
      const exp = resp.status?.expirationTimestamp ? Date.parse(resp.status.expirationTimestamp) : now + ttl * 1000;
      const refreshAt = Math.min(now + 0.8 * (exp - now), now + 24 * 3600 * 1000);
      state.tokens.set(key, { token, refreshAt });
      return token;
    } catch (e) {
      // Until the API server serves serviceaccounts/token (issue 7) the pod still starts, with a
      // placeholder in place of the token; it is re-requested on every resync.
      if (e instanceof ApiError && [404, 405, 501].includes(e.code)) {
        if (!this.warnedPlaceholder) {
          this.warnedPlaceholder = true;
          this.deps.logger.warn({ err: e.message }, 'serviceaccounts/token unavailable; writing a placeholder token into projected volumes');
        }
        return PLACEHOLDER_TOKEN;
      }
      throw e;
    }
  }
}
