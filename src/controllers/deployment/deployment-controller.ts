// DeploymentController (upstream pkg/controller/deployment): rolls a Deployment's pod template
// out through ReplicaSets — creates the ReplicaSet of the current template (named
// `<deployment>-<pod-template-hash>`), scales ReplicaSets per the RollingUpdate or Recreate
// strategy, proportionally on scale events, keeps revision annotations for `kubectl rollout`,
// deletes old ReplicaSets beyond revisionHistoryLimit, and reports status and conditions.
// It never touches pods (the ReplicaSet controller owns them) and writes only ReplicaSets it
// controls, the Deployment's status and its revision annotation.
import type { Logger } from 'pino';
import type { Controller, ControllerDeps, ControllerDescriptor } from '../types.js';
import type { Informer } from '../../client/informer-types.js';
import { isAlreadyExists, isNotFound, ApiError } from '../../client/types.js';
import { R, objectKey, splitKey } from '../../client/resources.js';
import { WorkQueue } from '../../client/workqueue.js';
import { EarliestRequeue } from '../replicaset/requeue.js';
import { selectorFromSpec } from '../../api/selectors/label-selector.js';
import type { Pod, ReplicaSet } from '../replicaset/types.js';
import { controllerRefOf } from '../replicaset/pod-util.js';
import { adoptPatch, claimDecision, newControllerRef, releasePatch } from '../replicaset/controller-ref.js';
import type { Deployment } from './types.js';
import { desiredReplicas } from './types.js';
import { maxSurge, isRollingUpdate } from './fenceposts.js';
import { templatesEqualIgnoringHash } from './hash.js';
import { maxRevision, REVISION_ANNOTATION, replicasAnnotationsNeedUpdate, setDeploymentRevision, setNewReplicaSetAnnotations, setReplicasAnnotations } from './annotations.js';
import { filterActive, findNewReplicaSet, findOldReplicaSets, newRSFromTemplate, newRSNewReplicas, replicasOf } from './replica-sets.js';
import { reconcileRollingUpdate, type ScaleAction } from './rolling.js';
import { isScalingEvent, planScale } from './scale.js';
import { replicaSetsToCleanUp } from './cleanup.js';
import { oldPodsRunning } from './recreate.js';
import {
  condition,
  deploymentComplete,
  FAILED_RS_CREATE,
  FOUND_NEW_RS,
  hasProgressDeadline,
  NEW_RS_CREATED,
  newCondition,
  pausedCondition,
  plainStatus,
  PROGRESSING,
  rolloutStatus,
  setCondition,
} from './status.js';
import { processQueue } from '../process-queue.js';

const KIND = 'Deployment';
const API_VERSION = 'apps/v1';
/** Upstream --concurrent-deployment-syncs default. */
const WORKERS = 5;
const NS_INDEX = 'namespace';

const byNamespace = (o: { metadata: { namespace?: string } }) => [o.metadata.namespace ?? ''];

function addNamespaceIndex(inf: Informer<any>): void {
  try {
    inf.addIndexers({ [NS_INDEX]: byNamespace });
  } catch {
    /* another controller registered the same shared index */
  }
}

function isEmptySelector(d: Deployment): boolean {
  const s = d.spec.selector;
  return !s || (Object.keys(s.matchLabels ?? {}).length === 0 && (s.matchExpressions ?? []).length === 0);
}

export class DeploymentController implements Controller {
  private readonly queue = new WorkQueue(5, 1000 * 1000);
  /** Timed re-syncs, kept apart from the queue's back-off timers so neither delays the other. */
  private readonly later = new EarliestRequeue((key) => this.queue.add(key));
  private readonly log: Logger;
  private dInformer!: Informer<Deployment>;
  private rsInformer!: Informer<ReplicaSet>;
  private podInformer!: Informer<Pod>;

  constructor(private readonly deps: ControllerDeps) {
    this.log = deps.logger.child({ controller: 'deployment' });
  }

  async run(signal: AbortSignal): Promise<void> {
    const { informers } = this.deps;
    this.dInformer = informers.informerFor<Deployment>(R.deployments);
    this.rsInformer = informers.informerFor<ReplicaSet>(R.replicasets);
    this.podInformer = informers.informerFor<Pod>(R.pods);
    addNamespaceIndex(this.dInformer);
    addNamespaceIndex(this.rsInformer);
    addNamespaceIndex(this.podInformer);
    this.dInformer.addEventHandler({
      onAdd: (d) => this.enqueue(d),
      onUpdate: (_o, d) => this.enqueue(d),
      onDelete: (d) => this.enqueue(d),
    });
    this.rsInformer.addEventHandler({
      onAdd: (rs) => this.rsChanged(undefined, rs),
      onUpdate: (o, rs) => this.rsChanged(o, rs),
      onDelete: (rs) => {
        const d = this.ownerOf(rs);
        if (d) this.enqueue(d);
      },
    });
    this.podInformer.addEventHandler({ onDelete: (p) => this.podDeleted(p) });
    signal.addEventListener('abort', () => {
      this.later.stop();
      this.queue.shutdown();
    }, { once: true });
    await informers.waitForSync(signal);
    if (signal.aborted) return;
    await Promise.all(Array.from({ length: WORKERS }, () => this.worker()));
  }

  private async worker(): Promise<void> {
    await processQueue(this.queue, (key) => this.sync(key), (err, key) => this.log.debug({ err, deployment: key }, 'sync failed'));
  }

  private enqueue(d: Deployment): void {
    this.queue.add(objectKey(d));
  }

  private ownerOf(rs: ReplicaSet): Deployment | undefined {
    const ref = controllerRefOf(rs);
    if (!ref || ref.kind !== KIND) return undefined;
    const d = this.dInformer.store.get(`${rs.metadata.namespace}/${ref.name}`);
    return d && d.metadata.uid === ref.uid ? d : undefined;
  }

  private matchingDeployments(rs: ReplicaSet): Deployment[] {
    if (!rs.metadata.labels) return [];
    return this.dInformer.store.byIndex(NS_INDEX, rs.metadata.namespace ?? '').filter((d) => !isEmptySelector(d) && selectorFromSpec(d.spec.selector)(rs.metadata.labels));
  }

  private rsChanged(old: ReplicaSet | undefined, rs: ReplicaSet): void {
    if (old && old.metadata.resourceVersion === rs.metadata.resourceVersion) return;
    const oldRef = old && controllerRefOf(old);
    const ref = controllerRefOf(rs);
    if (old && oldRef && oldRef.uid !== ref?.uid) {
      const prev = this.ownerOf(old);
      if (prev) this.enqueue(prev);
    }
    if (ref) {
      const d = this.ownerOf(rs);
      if (d) this.enqueue(d);
      return;
    }
    // An orphan: whoever selects it may adopt it.
    for (const d of this.matchingDeployments(rs)) this.enqueue(d);
  }

  private podDeleted(pod: Pod): void {
    // Only Recreate waits for old pods to be gone before it starts the new ReplicaSet.
    const ref = controllerRefOf(pod);
    if (!ref || ref.kind !== 'ReplicaSet') return;
    const rs = this.rsInformer.store.get(`${pod.metadata.namespace}/${ref.name}`);
    if (!rs || rs.metadata.uid !== ref.uid) return;
    const d = this.ownerOf(rs);
    if (d && !isRollingUpdate(d)) this.enqueue(d);
  }

  /** Reconciles one Deployment from the cache; safe to run any number of times. */
  async sync(key: string): Promise<void> {
    const cached = this.dInformer.store.get(key);
    if (!cached) return;
    // Working copy: annotations and status are edited in place and written back.
    const d = structuredClone(cached);
    if (isEmptySelector(d)) {
      this.deps.recorder.event(d, 'Warning', 'SelectingAll', 'This deployment is selecting all pods. A non-empty selector is required.');
      if ((d.status?.observedGeneration ?? 0) < (d.metadata.generation ?? 0)) {
        d.status = { ...(d.status ?? {}), observedGeneration: d.metadata.generation };
        await this.writeStatus(d);
      }
      return;
    }
    const rsList = await this.claimReplicaSets(d, splitKey(key).namespace);
    if (d.metadata.deletionTimestamp) {
      await this.syncStatusOnly(d, rsList);
      return;
    }
    const paused = pausedCondition(d, this.deps.clock.now());
    if (paused) {
      d.status ??= {};
      setCondition(d.status, paused);
      await this.writeStatus(d);
    }
    if (d.spec.paused) {
      await this.syncScale(d, rsList);
      return;
    }
    const current = await this.replicaSets(d, rsList, false);
    if (isScalingEvent(d, current.newRS, current.oldRSs)) {
      await this.syncScale(d, rsList);
      return;
    }
    if (d.spec.strategy?.type === 'Recreate') await this.rolloutRecreate(d, rsList);
    else await this.rolloutRolling(d, rsList);
  }

  /** Upstream getReplicaSetsForDeployment: adopt matching orphans, release ones that stopped matching. */
  private async claimReplicaSets(d: Deployment, namespace: string): Promise<ReplicaSet[]> {
    const matches = selectorFromSpec(d.spec.selector);
    const ref = newControllerRef(d, API_VERSION, KIND);
    const owned: ReplicaSet[] = [];
    let canAdopt: Promise<void> | undefined;
    const { client } = this.deps;
    for (const rs of this.rsInformer.store.byIndex(NS_INDEX, namespace)) {
      switch (claimDecision(d, rs, matches)) {
        case 'keep':
          owned.push(rs);
          break;
        case 'adopt':
          canAdopt ??= this.checkCanAdopt(d);
          try {
            await canAdopt;
            owned.push(await client.patch<ReplicaSet>(R.replicasets, namespace, rs.metadata.name!, 'strategic', adoptPatch(rs, ref)));
          } catch (err) {
            if (!isNotFound(err) && !isUidMismatch(err)) throw err;
          }
          break;
        case 'release':
          try {
            await client.patch(R.replicasets, namespace, rs.metadata.name!, 'strategic', releasePatch(rs, d.metadata.uid!));
          } catch (err) {
            if (!isNotFound(err) && !isUidMismatch(err)) throw err;
          }
          break;
        default:
          break;
      }
    }
    return owned;
  }

  private async checkCanAdopt(d: Deployment): Promise<void> {
    const fresh = await this.deps.client.get(R.deployments, d.metadata.namespace ?? '', d.metadata.name!);
    if (fresh.metadata.uid !== d.metadata.uid) throw new Error(`original Deployment ${objectKey(d)} is gone: got uid ${fresh.metadata.uid}, wanted ${d.metadata.uid}`);
    if (fresh.metadata.deletionTimestamp) throw new Error(`${objectKey(d)} has just been deleted at ${fresh.metadata.deletionTimestamp}`);
  }

  /**
   * Upstream getAllReplicaSetsAndSyncRevision: the new ReplicaSet (created when asked and
   * missing) with its revision annotations brought up to date, and the old ones.
   */
  private async replicaSets(d: Deployment, rsList: ReplicaSet[], create: boolean): Promise<{ newRS: ReplicaSet | undefined; oldRSs: ReplicaSet[] }> {
    const oldRSs = findOldReplicaSets(d, rsList);
    const newRS = await this.newReplicaSet(d, rsList, oldRSs, create);
    return { newRS, oldRSs };
  }

  private async newReplicaSet(d: Deployment, rsList: ReplicaSet[], oldRSs: ReplicaSet[], create: boolean): Promise<ReplicaSet | undefined> {
    const { client, recorder, clock } = this.deps;
    const ns = d.metadata.namespace ?? '';
    const desired = desiredReplicas(d);
    const max = desired + maxSurge(d);
    const newRevision = maxRevision(oldRSs) + 1;
    const existing = findNewReplicaSet(d, rsList);
    if (existing) {
      let rs = structuredClone(existing);
      const annotationsChanged = setNewReplicaSetAnnotations(d, rs, newRevision, true, desired, max);
      const minReadyChanged = (rs.spec.minReadySeconds ?? 0) !== (d.spec.minReadySeconds ?? 0);
      if (annotationsChanged || minReadyChanged) {
        rs.spec.minReadySeconds = d.spec.minReadySeconds ?? 0;
        rs = await client.update<ReplicaSet>(R.replicasets, ns, rs);
      }
      await this.syncRevisionAnnotation(d, rs.metadata.annotations?.[REVISION_ANNOTATION] ?? '');
      if (hasProgressDeadline(d) && !condition(d.status, PROGRESSING)) {
        d.status ??= {};
        setCondition(d.status, newCondition(PROGRESSING, 'True', FOUND_NEW_RS, `Found new replica set ${JSON.stringify(rs.metadata.name)}`, clock.now()));
        await this.writeStatus(d);
      }
      return rs;
    }
    if (!create) return undefined;

    const rs = newRSFromTemplate(d);
    const replicas = newRSNewReplicas(d, [...oldRSs, rs], rs);
    rs.spec.replicas = replicas;
    setNewReplicaSetAnnotations(d, rs, newRevision, false, desired, max);
    let created: ReplicaSet;
    let alreadyExisted = false;
    try {
      created = await client.create<ReplicaSet>(R.replicasets, ns, rs);
    } catch (err) {
      if (isAlreadyExists(err)) {
        const found = await client.get<ReplicaSet>(R.replicasets, ns, rs.metadata.name!);
        if (controllerRefOf(found)?.uid === d.metadata.uid && templatesEqualIgnoringHash(d.spec.template, found.spec.template)) {
          created = found;
          alreadyExisted = true;
        } else {
          // A hash collision: a different template already has this name. Bump and retry.
          d.status = { ...(d.status ?? {}), collisionCount: (d.status?.collisionCount ?? 0) + 1 };
          await this.writeStatus(d);
          throw err;
        }
      } else {
        if (err instanceof ApiError && err.code === 403 && /being terminated/.test(err.message)) throw err;
        const msg = `Failed to create new replica set ${JSON.stringify(rs.metadata.name)}: ${(err as Error).message}`;
        if (hasProgressDeadline(d)) {
          d.status ??= {};
          setCondition(d.status, newCondition(PROGRESSING, 'False', FAILED_RS_CREATE, msg, clock.now()));
          await this.writeStatus(d).catch(() => undefined);
        }
        recorder.event(d, 'Warning', FAILED_RS_CREATE, msg);
        throw err;
      }
    }
    if (!alreadyExisted && replicas > 0) {
      recorder.event(d, 'Normal', 'ScalingReplicaSet', `Scaled up replica set ${created.metadata.name} from 0 to ${replicas}`);
    }
    await this.syncRevisionAnnotation(d, String(newRevision));
    if (!alreadyExisted && hasProgressDeadline(d)) {
      d.status ??= {};
      setCondition(d.status, newCondition(PROGRESSING, 'True', NEW_RS_CREATED, `Created new replica set ${JSON.stringify(created.metadata.name)}`, clock.now()));
      await this.writeStatus(d);
    }
    return created;
  }

  /** The Deployment carries its current revision too (kubectl's undo patch needs annotations to exist). */
  private async syncRevisionAnnotation(d: Deployment, revision: string): Promise<void> {
    if (!setDeploymentRevision(d, revision)) return;
    const res = await this.deps.client.patch<Deployment>(R.deployments, d.metadata.namespace ?? '', d.metadata.name!, 'merge', {
      metadata: { annotations: { [REVISION_ANNOTATION]: revision }, resourceVersion: d.metadata.resourceVersion },
    });
    d.metadata.resourceVersion = res.metadata.resourceVersion;
  }

  private async writeStatus(d: Deployment): Promise<void> {
    const res = await this.deps.client.update<Deployment>(R.deployments, d.metadata.namespace ?? '', d, { subresource: 'status' });
    d.metadata.resourceVersion = res.metadata.resourceVersion;
  }

  /** Upstream scaleReplicaSet: sets size and the replicas annotations; records ScalingReplicaSet. */
  private async scaleReplicaSet(rs: ReplicaSet, replicas: number, d: Deployment): Promise<ReplicaSet> {
    const desired = desiredReplicas(d);
    const max = desired + maxSurge(d);
    const from = replicasOf(rs);
    const sizeChanged = from !== replicas;
    if (!sizeChanged && !replicasAnnotationsNeedUpdate(rs, desired, max)) return rs;
    const next = structuredClone(rs);
    next.spec.replicas = replicas;
    setReplicasAnnotations(next, desired, max);
    const updated = await this.deps.client.update<ReplicaSet>(R.replicasets, rs.metadata.namespace ?? '', next);
    if (sizeChanged) {
      const op = from < replicas ? 'up' : 'down';
      this.deps.recorder.event(d, 'Normal', 'ScalingReplicaSet', `Scaled ${op} replica set ${rs.metadata.name} from ${from} to ${replicas}`);
    }
    return updated;
  }

  /** Applies actions in order; returns the ReplicaSet list with the written versions in place. */
  private async apply(actions: ScaleAction[], d: Deployment, rss: ReplicaSet[]): Promise<ReplicaSet[]> {
    const out = [...rss];
    for (const a of actions) {
      const updated = await this.scaleReplicaSet(a.rs, a.replicas, d);
      const i = out.findIndex((x) => x.metadata.uid === a.rs.metadata.uid);
      if (i >= 0) out[i] = updated;
    }
    return out;
  }

  private async rolloutRolling(d: Deployment, rsList: ReplicaSet[]): Promise<void> {
    const { newRS, oldRSs } = await this.replicaSets(d, rsList, true);
    const plan = reconcileRollingUpdate(d, newRS!, oldRSs);
    const all = await this.apply(plan.actions, d, [...oldRSs, newRS!]);
    const nextNew = all[all.length - 1]!;
    const nextOld = all.slice(0, -1);
    if (plan.phase === 'steady' && deploymentComplete(d, d.status ?? {})) await this.cleanup(d, nextOld);
    await this.syncRolloutStatus(d, all, nextNew);
  }

  private async rolloutRecreate(d: Deployment, rsList: ReplicaSet[]): Promise<void> {
    let { newRS, oldRSs } = await this.replicaSets(d, rsList, false);
    const activeOld = filterActive(oldRSs);
    if (activeOld.length) {
      const all = await this.apply(activeOld.map((rs) => ({ rs, replicas: 0 })), d, [...oldRSs, ...(newRS ? [newRS] : [])]);
      await this.syncRolloutStatus(d, all, newRS && all[all.length - 1]);
      return;
    }
    const pods = this.podInformer.store.byIndex(NS_INDEX, d.metadata.namespace ?? '');
    if (oldPodsRunning(newRS, oldRSs, pods)) {
      await this.syncRolloutStatus(d, [...oldRSs, newRS], newRS);
      return;
    }
    if (!newRS) ({ newRS, oldRSs } = await this.replicaSets(d, rsList, true));
    const all = await this.apply([{ rs: newRS!, replicas: desiredReplicas(d) }], d, [...oldRSs, newRS!]);
    newRS = all[all.length - 1]!;
    if (deploymentComplete(d, d.status ?? {})) await this.cleanup(d, oldRSs);
    await this.syncRolloutStatus(d, all, newRS);
  }

  /** Paused deployments and scale events: resize only, no rollout (upstream sync). */
  private async syncScale(d: Deployment, rsList: ReplicaSet[]): Promise<void> {
    const { newRS, oldRSs } = await this.replicaSets(d, rsList, false);
    const all = await this.apply(planScale(d, newRS, oldRSs), d, newRS ? [...oldRSs, newRS] : [...oldRSs]);
    const nextNew = newRS ? all[all.length - 1] : undefined;
    const nextOld = newRS ? all.slice(0, -1) : all;
    if (d.spec.paused) await this.cleanup(d, nextOld);
    await this.syncPlainStatus(d, all, nextNew);
  }

  private async syncStatusOnly(d: Deployment, rsList: ReplicaSet[]): Promise<void> {
    const { newRS, oldRSs } = await this.replicaSets(d, rsList, false);
    await this.syncPlainStatus(d, [...oldRSs, newRS], newRS);
  }

  private async syncPlainStatus(d: Deployment, all: (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined): Promise<void> {
    const { status, changed } = plainStatus(d, all, newRS, this.deps.clock.now());
    if (!changed) return;
    d.status = status;
    await this.writeStatus(d);
  }

  private async syncRolloutStatus(d: Deployment, all: (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined): Promise<void> {
    const { status, changed, requeueAfterMs } = rolloutStatus(d, all, newRS, this.deps.clock.now());
    this.log.trace({ deployment: objectKey(d), changed, requeueAfterMs }, 'rollout status');
    if (changed) {
      d.status = status;
      await this.writeStatus(d);
    } else if (requeueAfterMs !== undefined) {
      this.later.after(objectKey(d), Math.max(100, requeueAfterMs));
    }
  }

  /** Deletes old ReplicaSets beyond revisionHistoryLimit. */
  private async cleanup(d: Deployment, oldRSs: ReplicaSet[]): Promise<void> {
    for (const rs of replicaSetsToCleanUp(d, oldRSs)) {
      try {
        await this.deps.client.delete(R.replicasets, rs.metadata.namespace ?? '', rs.metadata.name!);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
  }
}

function isUidMismatch(err: unknown): boolean {
  return err instanceof ApiError && (err.code === 409 || err.code === 422) && /uid|UID/.test(err.message);
}

export const deploymentControllerDescriptor: ControllerDescriptor = {
  name: 'deployment',
  create: (deps) => new DeploymentController(deps),
};
