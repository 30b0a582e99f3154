// The node half of the local-path driver, run by the agent: announces this node's storage
// directory on its Node (so the provisioner can place volumes here) and removes the data of this
// node's local-path volumes once the cluster released them under policy Delete, then marks the
// volume so the provisioner deletes the PersistentVolume. It removes only directories directly
// inside the storage directory that are named after their volume, never while a pod here mounts
// the path, and never while the volume's claim still exists.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Logger } from 'pino';
import { HttpKubeClient, type HttpKubeClientConfig } from '../../client/http-client.js';
import { createSharedInformerFactory } from '../../client/informer.js';
import { R } from '../../client/resources.js';
import { isNotFound, type KubeClient } from '../../client/types.js';
import { WorkQueue } from '../../client/workqueue.js';
import { processQueue } from '../../controllers/process-queue.js';
import type { PersistentVolume, PersistentVolumeClaim } from '../api.js';
import { ANN_DATA_REMOVED, ANN_NODE_STORAGE_DIR, ANN_VOLUME_NODE, isLocalPathVolume, isRemovableVolumeDir, localPathOf, storageDirOf } from './names.js';

export const LOCAL_PATH_NODE_USER = 'system:k8ts:local-path-node';

/** Pure: this node should remove the volume's data now (the claim check and in-use check come after). */
export function shouldRemoveData(pv: PersistentVolume, nodeName: string, storageDir: string): boolean {
  const ann = pv.metadata.annotations ?? {};
  return (
    isLocalPathVolume(pv) &&
    ann[ANN_VOLUME_NODE] === nodeName &&
    ann[ANN_DATA_REMOVED] !== 'true' &&
    pv.status?.phase === 'Released' &&
    pv.spec?.persistentVolumeReclaimPolicy === 'Delete' &&
    isRemovableVolumeDir(storageDir, pv)
  );
}

export interface LocalPathNodeOptions {
  /** This component's own identity (list/watch/patch PersistentVolumes, get claims). */
  clientConfig: HttpKubeClientConfig;
  /** The kubelet's client: a node may annotate its own Node. */
  nodeClient: KubeClient;
  nodeName: string;
  dataDir: string;
  /** Host paths of volumes mounted for pods on this node. */
  pathsInUse(): Set<string>;
  logger: Logger;
}

async function announceStorageDir(o: LocalPathNodeOptions, storageDir: string, signal: AbortSignal): Promise<void> {
  for (let delay = 500; !signal.aborted; delay = Math.min(delay * 2, 10_000)) {
    try {
      await fs.mkdir(storageDir, { recursive: true, mode: 0o755 });
      await o.nodeClient.patch(R.nodes, '', o.nodeName, 'merge', { metadata: { annotations: { [ANN_NODE_STORAGE_DIR]: storageDir } } });
      return;
    } catch (err) {
      o.logger.warn({ err }, 'could not announce the local-path storage directory; retrying');
      await new Promise((r) => setTimeout(r, delay).unref());
    }
  }
}

/** Runs until signal aborts. */
export async function runLocalPathNode(o: LocalPathNodeOptions, signal: AbortSignal): Promise<void> {
  const storageDir = storageDirOf(o.dataDir);
  const log = o.logger.child({ component: 'local-path-node' });
  await announceStorageDir(o, storageDir, signal);
  const client = new HttpKubeClient({ userAgent: 'k8ts-local-path-node', ...o.clientConfig });
  signal.addEventListener('abort', () => client.close(), { once: true });
  const informers = createSharedInformerFactory(client, {});
  const volumes = informers.informerFor<PersistentVolume>(R.persistentvolumes);
  const queue = new WorkQueue(500, 30_000);
  const consider = (v: PersistentVolume) => {
    if (shouldRemoveData(v, o.nodeName, storageDir)) queue.add(v.metadata.name!);
  };
  volumes.addEventHandler({ onAdd: consider, onUpdate: (_o, n) => consider(n) });
  signal.addEventListener('abort', () => queue.shutdown(), { once: true });
  informers.start(signal);
  await processQueue(
    queue,
    async (name) => ((await reclaim(client, volumes.store.get(name), o, storageDir, log)) ? RECHECK_MS : undefined),
    (err, name) => log.warn({ err, volume: name }, 'removing volume data failed'),
  );
}

const RECHECK_MS = 2000;

/** Removes the volume's data if everything allows it; true when it should be looked at again later. */
async function reclaim(client: KubeClient, pv: PersistentVolume | undefined, o: LocalPathNodeOptions, storageDir: string, log: Logger): Promise<boolean> {
  if (!pv || !shouldRemoveData(pv, o.nodeName, storageDir)) return false;
  const ref = pv.spec?.claimRef;
  if (ref?.name) {
    try {
      const claim = await client.get<PersistentVolumeClaim>(R.persistentvolumeclaims, ref.namespace ?? '', ref.name);
      if (claim.metadata.uid === ref.uid) return true; // the claim still exists: the binder will sort it out
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
  const dir = path.resolve(localPathOf(pv)!);
  if (o.pathsInUse().has(dir)) {
    log.info({ volume: pv.metadata.name, dir }, 'volume still mounted by a pod; keeping its data for now');
    return true;
  }
  await fs.rm(dir, { recursive: true, force: true });
  log.info({ volume: pv.metadata.name, dir }, 'removed released volume data');
  await client.patch(R.persistentvolumes, '', pv.metadata.name!, 'merge', { metadata: { annotations: { [ANN_DATA_REMOVED]: 'true' } } });
  return false;
}
