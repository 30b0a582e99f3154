// ProvisionerController: what upstream runs as a CSI driver's external-provisioner sidecar, here
// in the controller manager for drivers built into k8ts (the local-path driver). For claims the
// binder handed to a driver (volume.kubernetes.io/storage-provisioner) it calls CreateVolume and
// creates the PersistentVolume, pre-bound to the claim; for Released volumes of a Delete class it
// calls DeleteVolume and then deletes the PersistentVolume; for bound claims of an expandable class
// that ask for more, it calls ControllerExpandVolume (upstream's external-resizer). It writes
// PersistentVolumes, claim status capacity and events; binding stays with the binder, data with the driver.
import type { KubeObject } from '../../../api/object.js';
import { parseQuantity } from '../../../api/quantity.js';
import type { Informer } from '../../../client/informer-types.js';
import { R, objectKey } from '../../../client/resources.js';
import { isAlreadyExists, isNotFound } from '../../../client/types.js';
import { WorkQueue } from '../../../client/workqueue.js';
import { type PersistentVolume, type PersistentVolumeClaim, type StorageClass } from '../../../storage/api.js';
import { RetryLater, type CsiDriver } from '../../../storage/csi.js';
import { LocalPathControllerService } from '../../../storage/local-path/controller-service.js';
import { ANN_NODE_STORAGE_DIR, ANN_VOLUME_NODE, LOCAL_PATH_PROVISIONER, volumeNameFor } from '../../../storage/local-path/names.js';
import { processQueue } from '../../process-queue.js';
import type { Controller, ControllerDeps, ControllerDescriptor } from '../../types.js';
import { createVolumeRequest, expansionTarget, notProvisionable, shouldDelete, volumeFor } from './provision-plan.js';

const CLAIM = 'c:';
const VOLUME = 'v:';

export interface ProvisionerOptions {
  /** Retry period while a driver says "later" (default 2 s). */
  retryMs?: number;
}

export class ProvisionerController implements Controller {
  private readonly queue = new WorkQueue(50, 30_000);
  private claims!: Informer<PersistentVolumeClaim>;
  private volumes!: Informer<PersistentVolume>;
  private classes!: Informer<StorageClass>;
  private nodes!: Informer;

  constructor(
    private readonly deps: ControllerDeps,
    private readonly driverFor: (informers: { nodes: Informer; volumes: Informer<PersistentVolume> }) => CsiDriver,
    private readonly opts: ProvisionerOptions = {},
  ) {}

  private driver!: CsiDriver;

  async run(signal: AbortSignal): Promise<void> {
    const { informers } = this.deps;
    this.claims = informers.informerFor<PersistentVolumeClaim>(R.persistentvolumeclaims);
    this.volumes = informers.informerFor<PersistentVolume>(R.persistentvolumes);
    this.classes = informers.informerFor<StorageClass>(R.storageclasses);
    this.nodes = informers.informerFor(R.nodes);
    this.driver = this.driverFor({ nodes: this.nodes, volumes: this.volumes });
    const addClaim = (c: KubeObject) => this.queue.add(CLAIM + objectKey(c));
    const addVolume = (v: KubeObject) => this.queue.add(VOLUME + v.metadata.name);
    this.claims.addEventHandler({ onAdd: addClaim, onUpdate: (_o, n) => addClaim(n) });
    this.volumes.addEventHandler({ onAdd: addVolume, onUpdate: (_o, n) => addVolume(n) });
    // A node announcing its storage directory unblocks claims waiting for it.
    this.nodes.addEventHandler({
      onUpdate: (o, n) => {
        if (o.metadata.annotations?.[ANN_NODE_STORAGE_DIR] === n.metadata.annotations?.[ANN_NODE_STORAGE_DIR]) return;
        for (const c of this.claims.store.list()) if (c.status?.phase === 'Pending') addClaim(c);
      },
    });
    signal.addEventListener('abort', () => this.queue.shutdown(), { once: true });
    await informers.waitForSync(signal);
    if (signal.aborted) return;
    const report = (err: unknown, key: string) => this.deps.logger.warn({ err, key }, 'provisioning sync failed');
    await Promise.all([processQueue(this.queue, this.reconcile, report), processQueue(this.queue, this.reconcile, report)]);
  }

  /** A driver's "later" is not a failure: the key is looked at again after retryMs. */
  private reconcile = async (key: string): Promise<number | void> => {
    try {
      if (key.startsWith(CLAIM)) await this.syncClaim(key.slice(CLAIM.length));
      else await this.syncVolume(key.slice(VOLUME.length));
    } catch (err) {
      if (err instanceof RetryLater) return this.opts.retryMs ?? 2000;
      throw err;
    }
  };

  /** Nodes that can hold a volume of an Immediate class: those announcing a storage directory. */
  private candidateNodes(): string[] {
    return this.nodes.store
      .list()
      .filter((n) => n.metadata.annotations?.[ANN_NODE_STORAGE_DIR] && !n.metadata.deletionTimestamp)
      .map((n) => n.metadata.name!)
      .sort();
  }

  async syncClaim(key: string): Promise<void> {
    const claim = this.claims.store.get(key);
    if (!claim) return;
    const cls = claim.spec?.storageClassName ?? '';
    const sc = cls ? this.classes.store.get(cls) : undefined;
    const grow = expansionTarget(claim, claim.spec?.volumeName ? this.volumes.store.get(claim.spec.volumeName) : undefined, sc, this.driver.name);
    if (grow) return this.expand(claim, grow);
    if (notProvisionable(claim, sc, this.driver.name)) return;
    const name = volumeNameFor(claim.metadata.uid!);
    if (this.volumes.store.get(name)) return;
    const { recorder, client } = this.deps;
    recorder.event(claim, 'Normal', 'Provisioning', `External provisioner is provisioning volume for claim "${key}"`);
    let pv: PersistentVolume;
    try {
      const vol = await this.driver.controller.createVolume(createVolumeRequest(claim, sc!, this.candidateNodes()));
      pv = volumeFor(claim, sc!, this.driver.name, vol, vol.volumeContext.node ? { [ANN_VOLUME_NODE]: vol.volumeContext.node } : {});
    } catch (err) {
      recorder.event(claim, 'Warning', 'ProvisioningFailed', `failed to provision volume with StorageClass "${cls}": ${(err as Error).message}`);
      throw err instanceof RetryLater ? err : new RetryLater((err as Error).message);
    }
    try {
      await client.create(R.persistentvolumes, '', pv);
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
    }
    recorder.event(claim, 'Normal', 'ProvisioningSucceeded', `Successfully provisioned volume ${pv.metadata.name}`);
  }

  /** As upstream's external-resizer: the driver grows the volume, then the PV and the claim's status say so. */
  private async expand(claim: PersistentVolumeClaim, size: string): Promise<void> {
    const { client, recorder } = this.deps;
    const pv = this.volumes.store.get(claim.spec!.volumeName!)!;
    recorder.event(claim, 'Normal', 'Resizing', `External resizer is resizing volume ${pv.metadata.name}`);
    const bytes = (parseQuantity(size)?.nano ?? 0n) / 1_000_000_000n;
    try {
      await this.driver.controller.controllerExpandVolume({ volumeId: pv.metadata.name!, capacityBytes: bytes });
    } catch (err) {
      recorder.event(claim, 'Warning', 'VolumeResizeFailed', (err as Error).message);
      throw err;
    }
    await client.update(R.persistentvolumes, '', { ...pv, spec: { ...pv.spec, capacity: { ...pv.spec?.capacity, storage: size } } });
    await client.update(R.persistentvolumeclaims, claim.metadata.namespace!, { ...claim, status: { ...claim.status, capacity: { ...claim.status?.capacity, storage: size } } }, { subresource: 'status' });
    recorder.event(claim, 'Normal', 'VolumeResizeSuccessful', 'Resize volume succeeded');
  }

  async syncVolume(name: string): Promise<void> {
    const pv = this.volumes.store.get(name);
    if (!pv || pv.metadata.deletionTimestamp || !shouldDelete(pv, this.driver.name)) return;
    try {
      await this.driver.controller.deleteVolume({ volumeId: name, volumeContext: { path: pv.spec?.hostPath?.path ?? pv.spec?.local?.path ?? '', node: pv.metadata.annotations?.[ANN_VOLUME_NODE] ?? '' } });
    } catch (err) {
      if (!(err instanceof RetryLater)) this.deps.recorder.event(pv, 'Warning', 'VolumeFailedDelete', (err as Error).message);
      throw err;
    }
    try {
      await this.deps.client.delete(R.persistentvolumes, '', name, { preconditions: { uid: pv.metadata.uid } });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}

/** The built-in local-path driver's provisioner. */
export const localPathProvisionerDescriptor: ControllerDescriptor = {
  name: 'local-path-provisioner',
  create: (deps) =>
    new ProvisionerController(deps, ({ nodes, volumes }) => ({
      name: LOCAL_PATH_PROVISIONER,
      controller: new LocalPathControllerService({
        nodeAnnotations: (n) => nodes.store.get(n)?.metadata.annotations ?? (nodes.store.get(n) ? {} : undefined),
        volumeAnnotations: (v) => volumes.store.get(v)?.metadata.annotations ?? (volumes.store.get(v) ? {} : undefined),
      }),
    })),
};
