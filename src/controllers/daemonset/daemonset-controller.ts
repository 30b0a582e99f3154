// DaemonSetController: keeps one pod of each DaemonSet on every eligible node (nodeSelector,
// required node affinity, taints vs tolerations), pinning each pod to its node with a
// metadata.name node-affinity term and leaving binding to the scheduler, as upstream does;
// rolls pods to the newest ControllerRevision (RollingUpdate with maxUnavailable/maxSurge, or
// OnDelete) and reports status. It writes only pods it owns (or adopts), the set's
// ControllerRevisions and the set's status subresource; it never writes nodes.
import type { KubeObject } from '../../api/object.js';
import { deepEqual } from '../../api/validation/field.js';
import { selectorFromSpec } from '../../api/selectors/label-selector.js';
import type { Informer } from '../../client/informer-types.js';
import { objectKey, R } from '../../client/resources.js';
import { isNotFound } from '../../client/types.js';
import { WorkQueue } from '../../client/workqueue.js';
import type { Controller, ControllerDeps, ControllerDescriptor } from '../types.js';
import { CONTROLLER_REVISION_HASH_LABEL, controllerRefTo, ensureRevision, revisionHash, revisionsToPrune, type ControllerRevision } from '../history/controller-revision.js';
import { adopt, controllerOf, ensureControllerIndex, ownedObjects } from '../history/owned-objects.js';
import { targetNodeName, withNodeAffinity, type Node } from './node-eligibility.js';
import { computeDaemonSetStatus, isPodAvailable, isPodReady, planDaemonSet, POD_TEMPLATE_GENERATION_LABEL, type DaemonSet, type Pod } from './daemon-set-plan.js';
import { processQueue } from '../process-queue.js';

const WORKERS = 5;
/** Upstream backs off recreating failed daemon pods per node; start small, cap at 15 minutes. */
const FAILED_POD_BACKOFF_MS = 1000;
const FAILED_POD_BACKOFF_MAX_MS = 15 * 60_000;

export class DaemonSetController implements Controller {
  private readonly queue = new WorkQueue(5, 60_000);
  /** `<ds uid>/<node>` → failures seen and the time before which no new pod is created there. */
  private readonly failedBackoff = new Map<string, { failures: number; until: number }>();
  private sets!: Informer<DaemonSet>;
  private pods!: Informer<Pod>;
  private nodes!: Informer<Node>;
  private revisions!: Informer<ControllerRevision>;

  constructor(private readonly deps: ControllerDeps) {}

  async run(signal: AbortSignal): Promise<void> {
    const { informers } = this.deps;
    this.sets = informers.informerFor<DaemonSet>(R.daemonsets);
    this.pods = informers.informerFor<Pod>(R.pods);
    this.nodes = informers.informerFor<Node>(R.nodes);
    this.revisions = informers.informerFor<ControllerRevision>(R.controllerrevisions);
    ensureControllerIndex(this.pods as Informer);
    ensureControllerIndex(this.revisions as Informer);
    const enqueue = (o: KubeObject): void => this.queue.add(objectKey(o));
    this.sets.addEventHandler({ onAdd: enqueue, onUpdate: (_o, n) => enqueue(n), onDelete: enqueue });
    const owner = (o: KubeObject): void => this.enqueueOwner(o);
    this.pods.addEventHandler({ onAdd: owner, onUpdate: (_o, n) => owner(n), onDelete: owner });
    this.revisions.addEventHandler({ onAdd: owner, onDelete: owner });
    const allSets = (): void => {
      for (const ds of this.sets.store.list()) enqueue(ds);
    };
    this.nodes.addEventHandler({
      onAdd: allSets,
      onUpdate: (o, n) => {
        if (!deepEqual(o.metadata.labels, n.metadata.labels) || !deepEqual(o.spec?.taints, n.spec?.taints)) allSets();
      },
      onDelete: allSets,
    });
    signal.addEventListener('abort', () => this.queue.shutdown(), { once: true });
    await informers.waitForSync(signal);
    if (signal.aborted) return;
    await Promise.all(Array.from({ length: WORKERS }, () => this.worker()));
  }

  private enqueueOwner(o: KubeObject): void {
    const ref = controllerOf(o);
    if (ref) {
      if (ref.kind === 'DaemonSet') this.queue.add(`${o.metadata.namespace}/${ref.name}`);
      return;
    }
    for (const ds of this.sets.store.list()) {
      if (ds.metadata.namespace === o.metadata.namespace && selectorFromSpec(ds.spec.selector)(o.metadata.labels)) this.queue.add(objectKey(ds));
    }
  }

  private async worker(): Promise<void> {
    await processQueue(this.queue, (key) => this.sync(key), (err, key) => this.deps.logger.warn({ err, daemonset: key }, 'daemonset sync failed'));
  }

  /** Reconciles one DaemonSet from the cache; returns ms until it must be looked at again. */
  async sync(key: string): Promise<number> {
    const ds = this.sets.store.get(key);
    if (!ds || ds.metadata.deletionTimestamp) return 0;
    const { client, recorder, clock } = this.deps;
    const ns = ds.metadata.namespace!;
    const matches = selectorFromSpec(ds.spec.selector);
    const ref = controllerRefTo(ds, 'apps/v1', 'DaemonSet');

    const podSet = ownedObjects(this.pods, ds, matches);
    const pods = podSet.owned.filter((p) => matches(p.metadata.labels));
    for (const orphan of podSet.orphans) pods.push(await adopt(client, R.pods, orphan, ref));
    const revSet = ownedObjects(this.revisions, ds, matches);
    const revisions = [...revSet.owned];
    for (const orphan of revSet.orphans) revisions.push(await adopt(client, R.controllerrevisions, orphan, ref));

    const status = (ds.status ?? {}) as { collisionCount?: number };
    const ensured = await ensureRevision(client, ds, ref, ds.spec.template, revisions, status.collisionCount ?? 0);
    const current = ensured.revision;
    if (!revisions.some((r) => r.metadata.name === current.metadata.name)) revisions.push(current);
    const hash = revisionHash(current);

    const now = clock.now();
    const nodes = this.nodes.store.list();
    const plan = planDaemonSet(ds, nodes, pods, hash, now);
    let retryAfter = 0;
    const failed = new Set(plan.failed);
    for (const name of plan.delete) {
      if (failed.has(name)) {
        // Recreating a crashing pod right away would hot-loop: back off per node.
        const nodeName = targetNodeName(pods.find((p) => p.metadata.name === name)!) ?? '';
        const bk = `${ds.metadata.uid}/${nodeName}`;
        const failures = (this.failedBackoff.get(bk)?.failures ?? 0) + 1;
        const delay = Math.min(FAILED_POD_BACKOFF_MAX_MS, FAILED_POD_BACKOFF_MS * 2 ** (failures - 1));
        this.failedBackoff.set(bk, { failures, until: now.getTime() + delay });
        recorder.event(ds, 'Warning', 'FailedDaemonPod', `Found failed daemon pod ${ns}/${name} on node ${nodeName}, will try to kill it`);
      }
      try {
        await client.delete(R.pods, ns, name);
        recorder.event(ds, 'Normal', 'SuccessfulDelete', `Deleted pod: ${name}`);
      } catch (err) {
        if (!isNotFound(err)) {
          recorder.event(ds, 'Warning', 'FailedDelete', `Error deleting: ${(err as Error).message}`);
          throw err;
        }
      }
    }
    for (const nodeName of plan.create) {
      const backoff = this.failedBackoff.get(`${ds.metadata.uid}/${nodeName}`);
      if (backoff && backoff.until > now.getTime()) {
        retryAfter = retryAfter ? Math.min(retryAfter, backoff.until - now.getTime()) : backoff.until - now.getTime();
        continue;
      }
      const pod = this.newPod(ds, nodeName, hash, ref);
      try {
        const created = await client.create(R.pods, ns, pod);
        recorder.event(ds, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata.name}`);
      } catch (err) {
        recorder.event(ds, 'Warning', 'FailedCreate', `Error creating: ${(err as Error).message}`);
        throw err;
      }
    }

    const counts = computeDaemonSetStatus(ds, nodes, pods, hash, now);
    const next: Record<string, unknown> = { ...(ds.status ?? {}), ...counts, observedGeneration: ds.metadata.generation };
    for (const k of ['updatedNumberScheduled', 'numberAvailable', 'numberUnavailable']) if (next[k] === 0) delete next[k];
    if (ensured.collisionCount) next.collisionCount = ensured.collisionCount;
    if (!deepEqual(next, ds.status ?? {})) await client.update(R.daemonsets, ns, { ...ds, status: next }, { subresource: 'status' });

    const inUse = new Set<string>([current.metadata.name!]);
    const hashes = new Set(pods.map((p) => p.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL]));
    for (const r of revisions) if (hashes.has(revisionHash(r))) inUse.add(r.metadata.name!);
    for (const old of revisionsToPrune(revisions, inUse, ds.spec.revisionHistoryLimit ?? 10)) {
      await client.delete(R.controllerrevisions, ns, old.metadata.name!).catch((err) => {
        if (!isNotFound(err)) throw err;
      });
    }
    const minReady = ds.spec.minReadySeconds ?? 0;
    if (minReady > 0 && pods.some((p) => isPodReady(p) && !isPodAvailable(p, minReady, now))) retryAfter = retryAfter || 1000;
    return retryAfter;
  }

  private newPod(ds: DaemonSet, nodeName: string, hash: string, ref: ReturnType<typeof controllerRefTo>): KubeObject {
    const t = ds.spec.template;
    return {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        generateName: `${ds.metadata.name}-`,
        namespace: ds.metadata.namespace,
        labels: {
          ...(t.metadata?.labels ?? {}),
          [CONTROLLER_REVISION_HASH_LABEL]: hash,
          ...(ds.metadata.generation !== undefined ? { [POD_TEMPLATE_GENERATION_LABEL]: String(ds.metadata.generation) } : {}),
        },
        ...(t.metadata?.annotations ? { annotations: { ...t.metadata.annotations } } : {}),
        ownerReferences: [ref],
      },
      spec: withNodeAffinity(structuredClone(t.spec ?? {}), nodeName),
    };
  }
}

export const daemonsetControllerDescriptor: ControllerDescriptor = {
  name: 'daemonset',
  create: (deps) => new DaemonSetController(deps),
};
