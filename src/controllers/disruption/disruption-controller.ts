// DisruptionController: upstream's "disruption" controller. It keeps the status of every
// PodDisruptionBudget (expectedPods, desiredHealthy, currentHealthy, disruptionsAllowed,
// disruptedPods, condition DisruptionAllowed) from the pods it selects and the scale of their
// controllers. It writes only PDB status; the eviction endpoint is what consumes it.
import type { KubeObject, OwnerReference } from '../../api/object.js';
import { selectorFromSpec } from '../../api/selectors/label-selector.js';
import { R, objectKey, splitKey } from '../../client/resources.js';
import { isNotFound } from '../../client/types.js';
import { WorkQueue } from '../../client/workqueue.js';
import { jsonEqual } from '../endpoint/endpoints.js';
import type { Controller, ControllerDeps, ControllerDescriptor } from '../types.js';
import { computePdbStatus, type ControllerScale } from './pdb-status.js';
import { processQueue } from '../process-queue.js';

const BY_NAMESPACE = 'disruption/namespace';

export class DisruptionController implements Controller {
  private readonly queue = new WorkQueue(5, 30_000);

  constructor(private readonly deps: ControllerDeps, private readonly opts: { workers?: number } = {}) {}

  async run(signal: AbortSignal): Promise<void> {
    const { informers } = this.deps;
    const pdbs = informers.informerFor(R.poddisruptionbudgets);
    const pods = informers.informerFor(R.pods);
    pdbs.addIndexers({ [BY_NAMESPACE]: (o) => [o.metadata.namespace ?? ''] });
    pods.addIndexers({ [BY_NAMESPACE]: (o) => [o.metadata.namespace ?? ''] });
    const enqueue = (o: KubeObject) => this.queue.add(objectKey(o));
    pdbs.addEventHandler({ onAdd: enqueue, onUpdate: (_o, n) => enqueue(n) });
    const podChanged = (pod: KubeObject, old?: KubeObject) => {
      for (const pdb of pdbs.store.byIndex(BY_NAMESPACE, pod.metadata.namespace ?? '')) {
        const sel = selectorFromSpec((pdb as any).spec?.selector);
        if (sel(pod.metadata.labels) || (old && sel(old.metadata.labels))) enqueue(pdb);
      }
    };
    pods.addEventHandler({ onAdd: (p) => podChanged(p), onUpdate: (o, n) => podChanged(n, o), onDelete: (p) => podChanged(p) });
    // A controller's scale feeds expectedPods of every budget in its namespace.
    const scaleChanged = (o: KubeObject) => {
      for (const pdb of pdbs.store.byIndex(BY_NAMESPACE, o.metadata.namespace ?? '')) enqueue(pdb);
    };
    for (const gvr of [R.replicasets, R.deployments, R.statefulsets, R.replicationcontrollers]) {
      informers.informerFor(gvr).addEventHandler({ onAdd: scaleChanged, onUpdate: (_o, n) => scaleChanged(n), onDelete: scaleChanged });
    }
    signal.addEventListener('abort', () => this.queue.shutdown(), { once: true });
    await informers.waitForSync(signal);
    await Promise.all(Array.from({ length: this.opts.workers ?? 2 }, () => this.worker()));
  }

  private async worker(): Promise<void> {
    await processQueue(this.queue, (key) => this.sync(key), (err, key) => this.deps.logger.warn({ err, pdb: key }, 'syncing PodDisruptionBudget failed'));
  }

  /** The scale of a pod's controller from the caches (ReplicaSets answer for their Deployment). */
  private scaleOf = (ref: OwnerReference, namespace: string): ControllerScale | undefined => {
    const { informers } = this.deps;
    const get = (gvr: typeof R.replicasets, name: string) => informers.informerFor(gvr).store.get(`${namespace}/${name}`);
    const replicas = (o: KubeObject) => ((o as any).spec?.replicas ?? 1) as number;
    const apps = ref.apiVersion.startsWith('apps/');
    if (apps && ref.kind === 'ReplicaSet') {
      const rs = get(R.replicasets, ref.name);
      if (!rs || rs.metadata.uid !== ref.uid) return undefined;
      const owner = rs.metadata.ownerReferences?.find((r) => r.controller && r.kind === 'Deployment');
      if (owner) {
        const d = get(R.deployments, owner.name);
        if (d && d.metadata.uid === owner.uid) return { uid: d.metadata.uid!, replicas: replicas(d) };
      }
      return { uid: rs.metadata.uid!, replicas: replicas(rs) };
    }
    const gvr = apps && ref.kind === 'StatefulSet' ? R.statefulsets : apps && ref.kind === 'Deployment' ? R.deployments : ref.apiVersion === 'v1' && ref.kind === 'ReplicationController' ? R.replicationcontrollers : undefined;
    if (!gvr) return undefined;
    const o = get(gvr, ref.name);
    return o && o.metadata.uid === ref.uid ? { uid: o.metadata.uid!, replicas: replicas(o) } : undefined;
  };

  async sync(key: string): Promise<void> {
    const { informers, client, clock } = this.deps;
    const pdb = informers.informerFor(R.poddisruptionbudgets).store.get(key);
    if (!pdb || pdb.metadata.deletionTimestamp) return;
    const { namespace } = splitKey(key);
    const sel = selectorFromSpec((pdb as any).spec?.selector);
    const pods = informers.informerFor(R.pods).store.byIndex(BY_NAMESPACE, namespace).filter((p) => sel(p.metadata.labels));
    const now = clock.now().getTime();
    const { status, nextCheckMs } = computePdbStatus(pdb, pods, this.scaleOf, now);
    if (nextCheckMs !== undefined) this.queue.addAfter(key, Math.max(10, nextCheckMs - now));
    if (jsonEqual((pdb as any).status ?? {}, status)) return;
    try {
      await client.update(R.poddisruptionbudgets, namespace, { ...pdb, status }, { subresource: 'status' });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}

export const disruptionControllerDescriptor: ControllerDescriptor = {
  name: 'disruption',
  create: (deps) => new DisruptionController(deps),
};
