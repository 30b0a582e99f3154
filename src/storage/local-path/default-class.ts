// The StorageClass every cluster starts with, as k3s ships it: local-path, the default class,
// provisioned by the built-in local-path driver once a pod picks the node.
import type { KubeObject } from '../../api/object.js';
import { LOCAL_PATH_CLASS, LOCAL_PATH_PROVISIONER } from './names.js';

export const IS_DEFAULT_CLASS = 'storageclass.kubernetes.io/is-default-class';

export function defaultStorageClass(): KubeObject {
  return {
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: { name: LOCAL_PATH_CLASS, annotations: { [IS_DEFAULT_CLASS]: 'true' } },
    provisioner: LOCAL_PATH_PROVISIONER,
    reclaimPolicy: 'Delete',
    volumeBindingMode: 'WaitForFirstConsumer',
    allowVolumeExpansion: true,
  };
}
