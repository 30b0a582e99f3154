// ReplicaSetController (upstream pkg/controller/replicaset): keeps spec.replicas active pods for
// every ReplicaSet, adopting matching orphans and releasing pods that stopped matching, and
// reports status (replicas, fullyLabeled, ready, available, observedGeneration, ReplicaFailure).
// It writes only pods it owns or adopts and ReplicaSet status; it never edits a ReplicaSet's
// spec or metadata (that is the Deployment controller's) and never deletes ReplicaSets.
import type { Logger } from 'pino';
import type { Controller, ControllerDeps, ControllerDescriptor } from '../types.js';
import type { Informer } from '../../client/informer-types.js';
import { ApiError, isNotFound, isConflict } from '../../client/types.js';
import { R, objectKey, splitKey } from '../../client/resources.js';
import { WorkQueue } from '../../client/workqueue.js';
import { EarliestRequeue } from './requeue.js';
import { selectorFromSpec, type LabelPredicate } from '../../api/selectors/label-selector.js';
import type { Pod, ReplicaSet } from './types.js';
import { controllerRefOf, isPodActive, isPodReady, msUntilAvailable } from './pod-util.js';
import { ControllerExpectations } from './expectations.js';
import { adoptPatch, claimDecision, newControllerRef, releasePatch } from './controller-ref.js';
import { planReplicas, SLOW_START_INITIAL_BATCH } from './manage.js';
import { slowStartBatch } from './slow-start.js';
import { podFromTemplate } from './pod-template.js';
import { calculateReplicaSetStatus, replicaSetStatusEqual } from './status.js';
import { processQueue } from '../process-queue.js';

const KIND = 'ReplicaSet';
const API_VERSION = 'apps/v1';
/** Upstream --concurrent-replicaset-syncs default. */
const WORKERS = 5;
const NS_INDEX = 'namespace';

/** Pods by their controller's uid, and pods with no controller by namespace (adoption candidates). */
const BY_CONTROLLER = 'replicaset/controller-uid';
const ORPHANS = 'replicaset/orphans-by-namespace';

const byNamespace = (o: { metadata: { namespace?: string } }) => [o.metadata.namespace ?? ''];
const byController = (p: Pod) => {
  const uid = controllerRefOf(p)?.uid;
  return uid ? [uid] : [];
};
const orphansByNamespace = (p: Pod) => (controllerRefOf(p) ? [] : [p.metadata.namespace ?? '']);

/** Registers each index unless the shared informer already has one by that name. */
function addIndexes<T extends Pod | ReplicaSet>(inf: Informer<T>, indexers: Record<string, (o: T) => string[]>): void {
  for (const [name, fn] of Object.entries(indexers)) {
    try {
      inf.addIndexers({ [name]: fn });
    } catch {
      /* already present (the store's built-in namespace index, or another instance's) */
    }
  }
}

function isNamespaceTerminating(err: unknown): boolean {
  return err instanceof ApiError && err.code === 403 && /being terminated/.test(err.message);
}

export class ReplicaSetController implements Controller {
  private readonly queue = new WorkQueue(5, 1000 * 1000);
  /** Timed re-syncs, kept apart from the queue's back-off timers so neither delays the other. */
  private readonly later = new EarliestRequeue((key) => this.queue.add(key));
  private readonly expectations: ControllerExpectations;
  private readonly log: Logger;
  private rsInformer!: Informer<ReplicaSet>;
  private podInformer!: Informer<Pod>;

  constructor(private readonly deps: ControllerDeps) {
    this.expectations = new ControllerExpectations(deps.clock);
    this.log = deps.logger.child({ controller: 'replicaset' });
  }

  async run(signal: AbortSignal): Promise<void> {
    const { informers } = this.deps;
    this.rsInformer = informers.informerFor<ReplicaSet>(R.replicasets);
    this.podInformer = informers.informerFor<Pod>(R.pods);
    addIndexes(this.rsInformer, { [NS_INDEX]: byNamespace });
    addIndexes(this.podInformer, { [NS_INDEX]: byNamespace });
    addIndexes(this.podInformer, { [BY_CONTROLLER]: byController, [ORPHANS]: orphansByNamespace });
    this.rsInformer.addEventHandler({
      onAdd: (rs) => this.enqueue(rs),
      onUpdate: (_old, rs) => this.enqueue(rs),
      onDelete: (rs) => {
        this.expectations.forget(objectKey(rs));
        this.enqueue(rs);
      },
    });
    this.podInformer.addEventHandler({
      onAdd: (p) => this.podAdded(p),
      onUpdate: (o, p) => this.podUpdated(o, p),
      onDelete: (p) => this.podDeleted(p),
    });
    signal.addEventListener('abort', () => {
      this.later.stop();
      this.queue.shutdown();
    }, { once: true });
    await informers.waitForSync(signal);
    if (signal.aborted) return;
    await Promise.all(Array.from({ length: WORKERS }, () => this.worker()));
  }

  private async worker(): Promise<void> {
    await processQueue(this.queue, (key) => this.sync(key), (err, key) => this.log.debug({ err, replicaset: key }, 'sync failed'));
  }

  private enqueue(rs: ReplicaSet): void {
    this.queue.add(objectKey(rs));
  }

  /** The ReplicaSet a controller reference points at, if it is still the same object. */
  private ownerOf(pod: Pod): ReplicaSet | undefined {
    const ref = controllerRefOf(pod);
    if (!ref || ref.kind !== KIND) return undefined;
    const rs = this.rsInformer.store.get(`${pod.metadata.namespace}/${ref.name}`);
    return rs && rs.metadata.uid === ref.uid ? rs : undefined;
  }

  private matchingReplicaSets(pod: Pod): ReplicaSet[] {
    const out: ReplicaSet[] = [];
    if (!pod.metadata.labels) return out;
    for (const rs of this.rsInformer.store.byIndex(NS_INDEX, pod.metadata.namespace ?? '')) {
      if (selectorFromSpec(rs.spec.selector)(pod.metadata.labels)) out.push(rs);
    }
    return out;
  }

  private podAdded(pod: Pod): void {
    if (pod.metadata.deletionTimestamp) {
      // Seen for the first time already terminating (e.g. after a relist): count it as a deletion.
      this.podDeleted(pod);
      return;
    }
    if (controllerRefOf(pod)) {
      const rs = this.ownerOf(pod);
      if (!rs) return;
      this.expectations.creationObserved(objectKey(rs));
      this.enqueue(rs);
      return;
    }
    for (const rs of this.matchingReplicaSets(pod)) this.enqueue(rs);
  }

  private podUpdated(old: Pod, pod: Pod): void {
    if (old.metadata.resourceVersion === pod.metadata.resourceVersion) return;
    const labelsChanged = !sameLabels(old.metadata.labels, pod.metadata.labels);
    if (pod.metadata.deletionTimestamp) {
      this.podDeleted(pod);
      if (labelsChanged) this.podDeleted(old);
      return;
    }
    const oldRef = controllerRefOf(old);
    const ref = controllerRefOf(pod);
    const refChanged = oldRef?.uid !== ref?.uid;
    if (refChanged && oldRef) {
      const prev = this.ownerOf(old);
      if (prev) this.enqueue(prev);
    }
    if (ref) {
      const rs = this.ownerOf(pod);
      if (!rs) return;
      this.enqueue(rs);
      // A pod that just became ready turns available minReadySeconds later, with no event then.
      const minReady = rs.spec.minReadySeconds ?? 0;
      if (minReady > 0 && !isPodReady(old) && isPodReady(pod)) this.later.after(objectKey(rs), minReady * 1000 + 1000);
      return;
    }
    if (labelsChanged || refChanged) for (const rs of this.matchingReplicaSets(pod)) this.enqueue(rs);
  }

  private podDeleted(pod: Pod): void {
    const rs = this.ownerOf(pod);
    if (!rs) return;
    const key = objectKey(rs);
    this.expectations.deletionObserved(key, objectKey(pod));
    this.enqueue(rs);
  }

  /** Reconciles one ReplicaSet from the cache; safe to run any number of times. */
  async sync(key: string): Promise<void> {
    const rs = this.rsInformer.store.get(key);
    if (!rs) {
      this.expectations.forget(key);
      return;
    }
    const { namespace } = splitKey(key);
    const needsSync = this.expectations.satisfied(key);
    const matches = selectorFromSpec(rs.spec.selector);
    // Only our own pods and orphans can end up ours; pods of other controllers are never looked at.
    const store = this.podInformer.store;
    const candidates = [...store.byIndex(BY_CONTROLLER, rs.metadata.uid!), ...store.byIndex(ORPHANS, namespace)].filter(isPodActive);
    const owned = await this.claimPods(rs, candidates, matches);

    let manageError: Error | undefined;
    if (needsSync && !rs.metadata.deletionTimestamp) {
      manageError = await this.manageReplicas(rs, key, owned);
    }
    const now = this.deps.clock.now();
    const status = calculateReplicaSetStatus(rs, owned, manageError, now);
    const updated = await this.writeStatus(rs, status);
    const minReady = updated.spec.minReadySeconds ?? 0;
    if (!manageError && minReady > 0 && (status.readyReplicas ?? 0) !== (status.availableReplicas ?? 0)) {
      let wait = minReady * 1000;
      for (const p of owned) {
        const ms = msUntilAvailable(p, minReady, now);
        if (ms !== undefined && ms < wait) wait = ms;
      }
      this.later.after(key, wait);
    }
    if (manageError) throw manageError;
  }

  /** Upstream ClaimPods: the active pods this ReplicaSet controls after adopting and releasing. */
  private async claimPods(rs: ReplicaSet, pods: Pod[], matches: LabelPredicate): Promise<Pod[]> {
    const owned: Pod[] = [];
    let canAdopt: Promise<void> | undefined;
    const ref = newControllerRef(rs, API_VERSION, KIND);
    const { client } = this.deps;
    const ns = rs.metadata.namespace ?? '';
    for (const pod of pods) {
      switch (claimDecision(rs, pod, matches)) {
        case 'keep':
          owned.push(pod);
          break;
        case 'adopt':
          // A fresh read guards against adopting for a ReplicaSet that was deleted and recreated.
          canAdopt ??= this.checkCanAdopt(rs);
          try {
            await canAdopt;
            owned.push(await client.patch<Pod>(R.pods, ns, pod.metadata.name!, 'strategic', adoptPatch(pod, ref)));
          } catch (err) {
            if (!isNotFound(err) && !isUidMismatch(err)) throw err;
          }
          break;
        case 'release':
          try {
            await client.patch(R.pods, ns, pod.metadata.name!, 'strategic', releasePatch(pod, rs.metadata.uid!));
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

  private async checkCanAdopt(rs: ReplicaSet): Promise<void> {
    const fresh = await this.deps.client.get(R.replicasets, rs.metadata.namespace ?? '', rs.metadata.name!);
    if (fresh.metadata.uid !== rs.metadata.uid) {
      throw new Error(`original ReplicaSet ${objectKey(rs)} is gone: got uid ${fresh.metadata.uid}, wanted ${rs.metadata.uid}`);
    }
    if (fresh.metadata.deletionTimestamp) throw new Error(`${objectKey(rs)} has just been deleted at ${fresh.metadata.deletionTimestamp}`);
  }

  /** Upstream manageReplicas: one round of creates or deletes; returns the first error. */
  private async manageReplicas(rs: ReplicaSet, key: string, owned: Pod[]): Promise<Error | undefined> {
    const plan = planReplicas(rs, owned, owned.length > (rs.spec.replicas ?? 1) ? this.relatedPods(rs) : owned);
    const { client, recorder } = this.deps;
    const ns = rs.metadata.namespace ?? '';
    if (plan.action === 'create') {
      this.expectations.expectCreations(key, plan.count);
      const ref = newControllerRef(rs, API_VERSION, KIND);
      const { successes, error } = await slowStartBatch(plan.count, SLOW_START_INITIAL_BATCH, async () => {
        try {
          const pod = await client.create<Pod>(R.pods, ns, podFromTemplate(rs.spec.template, rs, ref));
          recorder.event(rs, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata.name}`);
        } catch (err) {
          if (isNamespaceTerminating(err)) return;
          recorder.event(rs, 'Warning', 'FailedCreate', `Error creating: ${(err as Error).message}`);
          throw err;
        }
      });
      // Creates that failed or never ran will not be observed.
      if (successes < plan.count) this.expectations.lowerCreations(key, plan.count - successes);
      return error;
    }
    if (plan.action === 'delete') {
      this.expectations.expectDeletions(key, plan.pods.map(objectKey));
      const results = await Promise.allSettled(plan.pods.map(async (pod) => {
        try {
          await client.delete(R.pods, ns, pod.metadata.name!);
          recorder.event(rs, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name}`);
        } catch (err) {
          this.expectations.deletionObserved(key, objectKey(pod));
          if (isNotFound(err)) return;
          recorder.event(rs, 'Warning', 'FailedDelete', `Error deleting: ${(err as Error).message}`);
          throw err;
        }
      }));
      for (const r of results) if (r.status === 'rejected') return r.reason instanceof Error ? r.reason : new Error(String(r.reason));
    }
    return undefined;
  }

  /** Active pods of this ReplicaSet and its siblings (same controlling owner), for node ranking. */
  private relatedPods(rs: ReplicaSet): Pod[] {
    const owner = controllerRefOf(rs)?.uid;
    const uids = [rs.metadata.uid!];
    if (owner) {
      for (const other of this.rsInformer.store.byIndex(NS_INDEX, rs.metadata.namespace ?? '')) {
        if (other.metadata.uid !== rs.metadata.uid && controllerRefOf(other)?.uid === owner) uids.push(other.metadata.uid!);
      }
    }
    return uids.flatMap((uid) => this.podInformer.store.byIndex(BY_CONTROLLER, uid)).filter(isPodActive);
  }

  /** Writes status when it changed, retrying once on a conflict with a fresh read (as upstream). */
  private async writeStatus(rs: ReplicaSet, status: NonNullable<ReplicaSet['status']>): Promise<ReplicaSet> {
    if (replicaSetStatusEqual(rs.status, status)) return rs;
    const { client } = this.deps;
    const ns = rs.metadata.namespace ?? '';
    let target: ReplicaSet = rs;
    for (let attempt = 0; ; attempt++) {
      try {
        return await client.update<ReplicaSet>(R.replicasets, ns, { ...target, status }, { subresource: 'status' });
      } catch (err) {
        if (!isConflict(err) || attempt > 0) throw err;
        target = await client.get<ReplicaSet>(R.replicasets, ns, rs.metadata.name!);
        if (target.metadata.uid !== rs.metadata.uid) return target;
        status = { ...status, observedGeneration: target.metadata.generation };
      }
    }
  }
}

function sameLabels(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  const ka = a ? Object.keys(a) : [];
  const kb = b ? Object.keys(b) : [];
  if (ka.length !== kb.length) return false;
  for (const k of ka) if (a![k] !== b?.[k]) return false;
  return true;
}

function isUidMismatch(err: unknown): boolean {
  return err instanceof ApiError && (err.code === 409 || err.code === 422) && /uid|UID/.test(err.message);
}

export const replicasetControllerDescriptor: ControllerDescriptor = {
  name: 'replicaset',
  create: (deps) => new ReplicaSetController(deps),
};
