// Names the local-path driver's two halves agree on: the provisioner name (as k3s), where a
// volume lives on its node, and the annotations through which the node reports its storage
// directory and confirms that a deleted volume's data is gone. Pure.
import * as path from 'node:path';
import { ANN_PROVISIONED_BY, type PersistentVolume } from '../api.js';

export const LOCAL_PATH_PROVISIONER = 'rancher.io/local-path';
export const LOCAL_PATH_CLASS = 'local-path';
/** On a Node: the directory under which the node keeps local-path volumes. */
export const ANN_NODE_STORAGE_DIR = 'local.path.k8ts.io/storage-dir';
/** On a PersistentVolume: the node that holds its data. */
export const ANN_VOLUME_NODE = 'local.path.k8ts.io/node';
/** On a released PersistentVolume: set by its node once the data directory is removed. */
export const ANN_DATA_REMOVED = 'local.path.k8ts.io/data-removed';
export const HOSTNAME_LABEL = 'kubernetes.io/hostname';

/** The node's storage directory: <data dir>/storage. */
export const storageDirOf = (dataDir: string): string => path.join(dataDir, 'storage');

/** The volume's name, derived from the claim (idempotent: one claim, one volume), as upstream's external-provisioner. */
export const volumeNameFor = (claimUid: string): string => `pvc-${claimUid}`;

/** The directory of a volume, as k3s names it: <storage dir>/pvc-<uid>_<namespace>_<claim>. */
export function volumeDirFor(storageDir: string, volumeName: string, namespace: string, claimName: string): string {
  return path.join(storageDir, `${volumeName}_${namespace}_${claimName}`);
}

/** A volume this driver made. */
export const isLocalPathVolume = (pv: PersistentVolume): boolean => pv.metadata.annotations?.[ANN_PROVISIONED_BY] === LOCAL_PATH_PROVISIONER;

/** The host path of a local-path volume (hostPath or local source). */
export const localPathOf = (pv: PersistentVolume): string | undefined => pv.spec?.hostPath?.path ?? pv.spec?.local?.path;

/**
 * The directory may be removed only if it is one of ours: directly inside the storage directory
 * and named after the volume. Guards against a hand-edited volume pointing elsewhere.
 */
export function isRemovableVolumeDir(storageDir: string, pv: PersistentVolume): boolean {
  const p = localPathOf(pv);
  if (!p) return false;
  const dir = path.resolve(p);
  return path.dirname(dir) === path.resolve(storageDir) && path.basename(dir).startsWith(`${pv.metadata.name}_`);
}
