// GarbageCollector: upstream's "garbage-collector" controller. It keeps an ownerReferences graph
// over every watched resource (informer indexes by uid and by owner uid) and
// - deletes dependents whose owners are all gone (Background propagation, dangling references),
// - for an owner in foreground deletion (finalizer foregroundDeletion) deletes its dependents
//   and removes the finalizer once no dependent with blockOwnerDeletion is left,
// - for an owner with the orphan finalizer strips its ownerReferences from the dependents, then
//   removes the finalizer.
// It only ever deletes objects, edits metadata.ownerReferences of dependents and removes the
// two GC finalizers; it never touches spec, status, or any other finalizer.
import type { KubeObject, OwnerReference } from '../../api/object.js';
import type { Informer } from '../../client/informer-types.js';
import { objectKey, splitKey } from '../../client/resources.js';
import { ApiError, isNotFound } from '../../client/types.js';
import { WorkQueue } from '../../client/workqueue.js';
import type { Controller, ControllerDeps, ControllerDescriptor } from '../types.js';
import {
  FINALIZER_FOREGROUND,
  FINALIZER_ORPHAN,
  decideDependent,
  decideOwner,
  gcRelevantChange,
  isDeletingDependents,
  isOrphaning,
  ownerStateOf,
  withoutOwners,
  type OwnerState,
} from './decisions.js';
import { defaultGcResources, groupOf, withKnownKinds, type GcResource } from './resources.js';
import { processQueue } from '../process-queue.js';

const BY_UID = 'garbagecollector/uid';
const BY_OWNER_UID = 'garbagecollector/owner-uid';
const ABSENT_CACHE_LIMIT = 50_000;

export interface GarbageCollectorOptions {
  /** Resources to build the graph over (default: the well-known built-in resources). */
  resources?: GcResource[];
  workers?: number;
}

interface Watched {
  res: GcResource;
  informer: Informer;
}

interface Located {
  index: number;
  obj: KubeObject;
}

export class GarbageCollector implements Controller {
  private readonly queue = new WorkQueue(5, 60_000);
  private readonly watched: Watched[] = [];
  private readonly byKind = new Map<string, GcResource>();
  /** Owner uids verified gone: uids never come back, so one live lookup per owner is enough. */
  private readonly absent = new Set<string>();

  constructor(private readonly deps: ControllerDeps, private readonly opts: GarbageCollectorOptions = {}) {}

  async run(signal: AbortSignal): Promise<void> {
    const { client, informers, logger } = this.deps;
    const candidates = withKnownKinds(this.opts.resources ?? defaultGcResources());
    // An informer on a resource the server does not serve would never sync; probe first.
    const served = await Promise.all(
      candidates.map((res) =>
        client.list(res, '', { limit: 1 }).then(
          () => true,
          (err) => {
            logger.info({ err: String(err), resource: `${res.resource}.${res.group}` }, 'garbage collector skips a resource it cannot list');
            return false;
          },
        ),
      ),
    );
    if (signal.aborted) return;
    candidates.forEach((res, i) => {
      if (!served[i]) return;
      const informer = informers.informerFor(res);
      informer.addIndexers({
        [BY_UID]: (o) => (o.metadata.uid ? [o.metadata.uid] : []),
        [BY_OWNER_UID]: (o) => o.metadata.ownerReferences?.map((r) => r.uid) ?? [],
      });
      const index = this.watched.length;
      this.watched.push({ res, informer });
      if (res.kind) this.byKind.set(`${res.group}/${res.kind}`, res);
      informer.addEventHandler({
        onAdd: (o) => this.objectChanged(index, o),
        onUpdate: (old, o) => {
          if (!gcRelevantChange(old, o)) return;
          if (old.metadata.uid !== o.metadata.uid) this.objectGone(old);
          this.objectChanged(index, o);
        },
        onDelete: (o) => this.objectGone(o),
      });
    });
    signal.addEventListener('abort', () => this.queue.shutdown(), { once: true });
    await informers.waitForSync(signal);
    await Promise.all(Array.from({ length: this.opts.workers ?? 4 }, () => this.worker()));
  }

  private enqueue(index: number, obj: KubeObject): void {
    this.queue.add(`${index}|${objectKey(obj)}`);
  }

  private objectChanged(index: number, o: KubeObject): void {
    if (o.metadata.ownerReferences?.length || isDeletingDependents(o) || isOrphaning(o)) this.enqueue(index, o);
  }

  /** An object left: its dependents may now dangle, and a foreground owner may be done waiting. */
  private objectGone(o: KubeObject): void {
    const uid = o.metadata.uid;
    if (!uid) return;
    this.markAbsent(uid);
    for (const d of this.dependentsOf(uid)) this.enqueue(d.index, d.obj);
    for (const ref of o.metadata.ownerReferences ?? []) {
      const owner = this.byUid(ref.uid);
      if (owner && isDeletingDependents(owner.obj)) this.enqueue(owner.index, owner.obj);
    }
  }

  private markAbsent(uid: string): void {
    if (this.absent.size >= ABSENT_CACHE_LIMIT) this.absent.clear();
    this.absent.add(uid);
  }

  private byUid(uid: string): Located | undefined {
    for (let i = 0; i < this.watched.length; i++) {
      const hit = this.watched[i]!.informer.store.byIndex(BY_UID, uid);
      if (hit.length) return { index: i, obj: hit[0]! };
    }
    return undefined;
  }

  private dependentsOf(uid: string): Located[] {
    const out: Located[] = [];
    for (let i = 0; i < this.watched.length; i++) {
      for (const obj of this.watched[i]!.informer.store.byIndex(BY_OWNER_UID, uid)) out.push({ index: i, obj });
    }
    return out;
  }

  private async worker(): Promise<void> {
    await processQueue(this.queue, (key) => this.sync(key), (err, key) => this.deps.logger.warn({ err, item: key }, 'garbage collection failed'));
  }

  async sync(key: string): Promise<void> {
    const bar = key.indexOf('|');
    const index = Number(key.slice(0, bar));
    const w = this.watched[index];
    const obj = w?.informer.store.get(key.slice(bar + 1));
    if (!w || !obj) return;
    if (obj.metadata.deletionTimestamp) return this.syncDeletingOwner(w.res, obj);
    const refs = obj.metadata.ownerReferences ?? [];
    if (!refs.length) return;
    const states: OwnerState[] = [];
    for (const ref of refs) states.push(await this.ownerState(ref, obj.metadata.namespace ?? ''));
    const decision = decideDependent(obj, states, this.dependentsOf(obj.metadata.uid!).length > 0);
    switch (decision.action) {
      case 'removeOwnerReferences':
        await this.removeOwnerReferences(w.res, obj, decision.uids);
        return;
      case 'delete':
        await this.deleteObject(w.res, obj, decision.propagationPolicy);
        return;
    }
  }

  private async syncDeletingOwner(res: GcResource, owner: KubeObject): Promise<void> {
    const dependents = this.dependentsOf(owner.metadata.uid!);
    const decision = decideOwner(owner, dependents.map((d) => d.obj));
    if (decision.action === 'orphanDependents') {
      for (const d of dependents) await this.removeOwnerReferences(this.watched[d.index]!.res, d.obj, [owner.metadata.uid!]);
      await this.removeFinalizer(res, owner, FINALIZER_ORPHAN);
    } else if (decision.action === 'deleteDependents') {
      for (const d of dependents) this.enqueue(d.index, d.obj);
      if (decision.blocking === 0) await this.removeFinalizer(res, owner, FINALIZER_FOREGROUND);
    }
  }

  /** Owner state from the caches, else verified by a live GET (the caches may lag behind). */
  private async ownerState(ref: OwnerReference, namespace: string): Promise<OwnerState> {
    const cached = this.byUid(ref.uid);
    if (cached) return ownerStateOf(cached.obj, ref);
    if (this.absent.has(ref.uid)) return 'dangling';
    const res = this.byKind.get(`${groupOf(ref.apiVersion)}/${ref.kind}`);
    if (!res) return 'unknown';
    try {
      const live = await this.deps.client.get(res, res.namespaced === false ? '' : namespace, ref.name);
      const state = ownerStateOf(live, ref);
      if (state === 'dangling') this.markAbsent(ref.uid);
      return state;
    } catch (err) {
      if (!isNotFound(err)) throw err;
      this.markAbsent(ref.uid);
      return 'dangling';
    }
  }

  private async removeOwnerReferences(res: GcResource, obj: KubeObject, uids: readonly string[]): Promise<void> {
    const remaining = withoutOwners(obj, uids);
    const body = { metadata: { resourceVersion: obj.metadata.resourceVersion, ownerReferences: remaining.length ? remaining : null } };
    await this.ignoreGone(this.deps.client.patch(res, obj.metadata.namespace ?? '', obj.metadata.name!, 'merge', body));
  }

  private async removeFinalizer(res: GcResource, obj: KubeObject, finalizer: string): Promise<void> {
    const rest = (obj.metadata.finalizers ?? []).filter((f) => f !== finalizer);
    const body = { metadata: { resourceVersion: obj.metadata.resourceVersion, finalizers: rest.length ? rest : null } };
    await this.ignoreGone(this.deps.client.patch(res, obj.metadata.namespace ?? '', obj.metadata.name!, 'merge', body));
  }

  private async deleteObject(res: GcResource, obj: KubeObject, propagationPolicy: 'Background' | 'Foreground' | 'Orphan'): Promise<void> {
    const { namespace, name } = splitKey(objectKey(obj));
    this.deps.logger.debug({ resource: res.resource, namespace, name, propagationPolicy }, 'deleting dependent whose owners are gone');
    await this.ignoreGone(this.deps.client.delete(res, namespace, name, { propagationPolicy, preconditions: { uid: obj.metadata.uid } }));
  }

  /** 404, or a uid precondition that no longer holds: the object we judged is already gone. */
  private async ignoreGone(p: Promise<unknown>): Promise<void> {
    try {
      await p;
    } catch (err) {
      if (isNotFound(err)) return;
      if (err instanceof ApiError && err.code === 409 && /UID in precondition/.test(err.message)) return;
      throw err;
    }
  }
}

export const garbageCollectorControllerDescriptor: ControllerDescriptor = garbageCollectorDescriptorWith({});

/** The descriptor with options, e.g. the resource list discovered by the control plane. */
export function garbageCollectorDescriptorWith(opts: GarbageCollectorOptions): ControllerDescriptor {
  return { name: 'garbage-collector', create: (deps) => new GarbageCollector(deps, opts) };
}
