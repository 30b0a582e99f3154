// StatefulSetController: gives each StatefulSet its pods `<name>-<ordinal>` with stable identity
// and storage, in order (OrderedReady) or all at once (Parallel), rolls them to the newest
// ControllerRevision honouring partition/OnDelete, and reports status. It writes only pods and
// PVCs it owns (or adopts), the set's ControllerRevisions and the set's status subresource; it
// never changes a set's spec and never deletes claims itself (owner references let the garbage
// collector do that, per the retention policy).
import type { KubeObject } from '../../api/object.js';
import { deepEqual } from '../../api/validation/field.js';
import { selectorFromSpec } from '../../api/selectors/label-selector.js';
import type { Informer } from '../../client/informer-types.js';
import { objectKey, R } from '../../client/resources.js';
import { isAlreadyExists, isConflict, isNotFound } from '../../client/types.js';
import { WorkQueue } from '../../client/workqueue.js';
import type { Controller, ControllerDeps, ControllerDescriptor } from '../types.js';
import { controllerRefTo, ensureRevision, revisionsToPrune, templateFromRevision, type ControllerRevision } from '../history/controller-revision.js';
import { adopt, controllerOf, ensureControllerIndex, ownedObjects } from '../history/owned-objects.js';
import { claimsForOrdinal, desiredClaimOwners, ordinalOf, podName, newStatefulSetPod, startOrdinal, type PodTemplate, type StatefulSet } from './stateful-pod-identity.js';
import { computeStatefulSetStatus, isRunningAndReady, isRunningAndAvailable, planStatefulSet, podRevision } from './stateful-set-plan.js';

const WORKERS = 5;

export class StatefulSetController implements Controller {
  private readonly queue = new WorkQueue(5, 60_000);
  private sets!: Informer<StatefulSet>;
  private pods!: Informer;
  private revisions!: Informer<ControllerRevision>;
  private claims!: Informer;

  constructor(private readonly deps: ControllerDeps) {}

  async run(signal: AbortSignal): Promise<void> {
    const { informers } = this.deps;
    this.sets = informers.informerFor<StatefulSet>(R.statefulsets);
    this.pods = informers.informerFor(R.pods);
    this.revisions = informers.informerFor<ControllerRevision>(R.controllerrevisions);
    this.claims = informers.informerFor(R.persistentvolumeclaims);
    ensureControllerIndex(this.pods);
    ensureControllerIndex(this.revisions as Informer);
    const enqueue = (o: KubeObject): void => this.queue.add(objectKey(o));
    this.sets.addEventHandler({ onAdd: enqueue, onUpdate: (_o, n) => enqueue(n), onDelete: enqueue });
    const owner = (o: KubeObject): void => this.enqueueOwner(o);
    this.pods.addEventHandler({ onAdd: owner, onUpdate: (o, n) => { owner(n); if (controllerOf(o)?.uid !== controllerOf(n)?.uid) owner(o); }, onDelete: owner });
    this.revisions.addEventHandler({ onAdd: owner, onDelete: owner });
    signal.addEventListener('abort', () => this.queue.shutdown(), { once: true });
    await informers.waitForSync(signal);
    if (signal.aborted) return;
    await Promise.all(Array.from({ length: WORKERS }, () => this.worker()));
  }

  private enqueueOwner(o: KubeObject): void {
    const ref = controllerOf(o);
    if (ref) {
      if (ref.kind === 'StatefulSet') this.queue.add(`${o.metadata.namespace}/${ref.name}`);
      return;
    }
    for (const set of this.sets.store.list()) {
      if (set.metadata.namespace === o.metadata.namespace && selectorFromSpec(set.spec.selector)(o.metadata.labels)) this.queue.add(objectKey(set));
    }
  }

  private async worker(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      try {
        const after = await this.sync(key);
        this.queue.forget(key);
        if (after > 0) this.queue.addAfter(key, after);
      } catch (err) {
        if (!isConflict(err)) this.deps.logger.warn({ err, statefulset: key }, 'statefulset sync failed');
        this.queue.addRateLimited(key);
      } finally {
        this.queue.done(key);
      }
    }
  }

  /** Reconciles one set from the cache; returns ms until it must be looked at again (0: never). */
  async sync(key: string): Promise<number> {
    const set = this.sets.store.get(key);
    if (!set || set.metadata.deletionTimestamp) return 0;
    const { client, recorder, clock } = this.deps;
    const ns = set.metadata.namespace!;
    const matches = selectorFromSpec(set.spec.selector);
    const ref = controllerRefTo(set, 'apps/v1', 'StatefulSet');

    const podSet = ownedObjects(this.pods, set, matches);
    const pods = podSet.owned.filter((p) => matches(p.metadata.labels));
    for (const orphan of podSet.orphans) {
      if (ordinalOf(set.metadata.name!, orphan.metadata.name!) < 0) continue;
      pods.push(await adopt(client, R.pods, orphan, ref));
    }
    const revSet = ownedObjects(this.revisions, set, matches);
    const revisions = [...revSet.owned];
    for (const orphan of revSet.orphans) revisions.push(await adopt(client, R.controllerrevisions, orphan, ref));

    const status = (set.status ?? {}) as { currentRevision?: string; collisionCount?: number };
    const ensured = await ensureRevision(client, set, ref, set.spec.template as never, revisions, status.collisionCount ?? 0);
    const update = ensured.revision;
    if (!revisions.some((r) => r.metadata.name === update.metadata.name)) revisions.push(update);
    const current = revisions.find((r) => r.metadata.name === status.currentRevision) ?? update;

    const now = clock.now();
    const plan = planStatefulSet({ set, pods, currentRevision: current.metadata.name!, updateRevision: update.metadata.name!, now });
    const setName = set.metadata.name!;

    for (const { ordinal, revision } of plan.create) {
      await this.ensureClaims(set, ordinal);
      const rev = revision === 'current' ? current : update;
      const template: PodTemplate = rev === update ? set.spec.template : (templateFromRevision(rev) as PodTemplate);
      const pod = newStatefulSetPod(set, template, ordinal, rev.metadata.name!, ref);
      try {
        await client.create(R.pods, ns, pod);
        recorder.event(set, 'Normal', 'SuccessfulCreate', `create Pod ${pod.metadata.name} in StatefulSet ${setName} successful`);
      } catch (err) {
        if (isAlreadyExists(err)) continue;
        recorder.event(set, 'Warning', 'FailedCreate', `create Pod ${pod.metadata.name} in StatefulSet ${setName} failed error: ${(err as Error).message}`);
        throw err;
      }
    }
    await this.reconcileClaimOwners(set, pods);
    for (const name of plan.delete) {
      try {
        await client.delete(R.pods, ns, name);
        recorder.event(set, 'Normal', 'SuccessfulDelete', `delete Pod ${name} in StatefulSet ${setName} successful`);
      } catch (err) {
        if (!isNotFound(err)) {
          recorder.event(set, 'Warning', 'FailedDelete', `delete Pod ${name} in StatefulSet ${setName} failed error: ${(err as Error).message}`);
          throw err;
        }
      }
    }

    const next = computeStatefulSetStatus(set, pods, current.metadata.name!, update.metadata.name!, ensured.collisionCount, now);
    await this.writeStatus(set, next);

    const inUse = new Set<string>([current.metadata.name!, update.metadata.name!]);
    for (const p of pods) {
      const r = podRevision(p);
      if (r) inUse.add(r);
    }
    for (const old of revisionsToPrune(revisions, inUse, set.spec.revisionHistoryLimit ?? 10)) {
      await client.delete(R.controllerrevisions, ns, old.metadata.name!).catch((err) => {
        if (!isNotFound(err)) throw err;
      });
    }
    return this.availabilityRecheck(set, pods, now);
  }

  /** Creates the pod's missing claims; existing claims are reused as they are. */
  private async ensureClaims(set: StatefulSet, ordinal: number): Promise<void> {
    const podNameValue = podName(set.metadata.name!, ordinal);
    for (const claim of claimsForOrdinal(set, ordinal)) {
      if (this.claims.store.get(objectKey(claim))) continue;
      claim.metadata.ownerReferences = desiredClaimOwners(claim, set, undefined, false);
      if (!claim.metadata.ownerReferences.length) delete claim.metadata.ownerReferences;
      try {
        await this.deps.client.create(R.persistentvolumeclaims, set.metadata.namespace!, claim);
        this.deps.recorder.event(set, 'Normal', 'SuccessfulCreate', `create Claim ${claim.metadata.name} Pod ${podNameValue} in StatefulSet ${set.metadata.name} success`);
      } catch (err) {
        if (!isAlreadyExists(err)) {
          this.deps.recorder.event(set, 'Warning', 'FailedCreate', `create Claim ${claim.metadata.name} for Pod ${podNameValue} in StatefulSet ${set.metadata.name} failed error: ${(err as Error).message}`);
          throw err;
        }
      }
    }
  }

  /** Applies the retention policy to the claims of existing pods, before condemned pods go. */
  private async reconcileClaimOwners(set: StatefulSet, pods: KubeObject[]): Promise<void> {
    if (!set.spec.volumeClaimTemplates?.length) return;
    const start = startOrdinal(set);
    const end = start + (set.spec.replicas ?? 1);
    for (const pod of pods) {
      const ordinal = ordinalOf(set.metadata.name!, pod.metadata.name!);
      if (ordinal < 0) continue;
      const condemned = ordinal < start || ordinal >= end;
      for (const want of claimsForOrdinal(set, ordinal)) {
        const claim = this.claims.store.get(objectKey(want));
        if (!claim) {
          if (!condemned) await this.ensureClaims(set, ordinal);
          continue;
        }
        const refs = desiredClaimOwners(claim, set, pod, condemned);
        if (deepEqual(refs, claim.metadata.ownerReferences ?? [])) continue;
        await this.deps.client.patch(R.persistentvolumeclaims, claim.metadata.namespace!, claim.metadata.name!, 'merge', {
          metadata: { ownerReferences: refs.length ? refs : null },
        });
      }
    }
  }

  private async writeStatus(set: StatefulSet, next: object): Promise<void> {
    const cur = (set.status ?? {}) as Record<string, unknown>;
    const merged = { ...cur, ...next };
    if (deepEqual(merged, cur)) return;
    await this.deps.client.update(R.statefulsets, set.metadata.namespace!, { ...set, status: merged }, { subresource: 'status' });
  }

  /** With minReadySeconds, ready pods become available later without any event: look again then. */
  private availabilityRecheck(set: StatefulSet, pods: KubeObject[], now: Date): number {
    const minReady = set.spec.minReadySeconds ?? 0;
    if (minReady <= 0) return 0;
    const pending = pods.some((p) => isRunningAndReady(p) && !isRunningAndAvailable(p, minReady, now));
    return pending ? 1000 : 0;
  }
}

export const statefulsetControllerDescriptor: ControllerDescriptor = {
  name: 'statefulset',
  create: (deps) => new StatefulSetController(deps),
};
