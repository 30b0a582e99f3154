// The local-path driver's Controller service. Creating a volume only decides where it will live
// (the selected node's storage directory, which the node announces on its Node object); the
// directory appears when the node first publishes the volume. Deleting waits for the node to
// confirm the data is gone: the control plane never touches a node's disk.
import { RetryLater, type ControllerCapability, type ControllerService, type CreateVolumeRequest, type Volume } from '../csi.js';
import { ANN_DATA_REMOVED, ANN_NODE_STORAGE_DIR, HOSTNAME_LABEL, volumeDirFor } from './names.js';

export interface LocalPathLookups {
  /** Annotations of a node (undefined when the node is unknown). */
  nodeAnnotations(nodeName: string): Record<string, string> | undefined;
  /** Annotations of a volume (undefined when the volume is gone). */
  volumeAnnotations(volumeName: string): Record<string, string> | undefined;
}

export class LocalPathControllerService implements ControllerService {
  constructor(private readonly lookups: LocalPathLookups) {}

  getCapabilities(): ControllerCapability[] {
    return ['CREATE_DELETE_VOLUME', 'EXPAND_VOLUME'];
  }

  async createVolume(req: CreateVolumeRequest): Promise<Volume> {
    const node = req.accessibilityRequirements?.preferred[0]?.segments[HOSTNAME_LABEL] ?? req.accessibilityRequirements?.requisite[0]?.segments[HOSTNAME_LABEL];
    if (!node) throw new Error('local-path volumes need a node: use a StorageClass with volumeBindingMode WaitForFirstConsumer');
    // Multi-node modes are accepted as k3s's provisioner does: the node affinity keeps every user on one node.
    const annotations = this.lookups.nodeAnnotations(node);
    if (!annotations) throw new RetryLater(`node "${node}" not found`);
    const storageDir = annotations[ANN_NODE_STORAGE_DIR];
    if (!storageDir) throw new RetryLater(`node "${node}" has not announced its local-path storage directory (annotation ${ANN_NODE_STORAGE_DIR}) yet`);
    return {
      volumeId: req.name,
      capacityBytes: req.capacityBytes,
      volumeContext: { path: volumeDirFor(storageDir, req.name, req.claim.namespace, req.claim.name), node },
      accessibleTopology: [{ segments: { [HOSTNAME_LABEL]: node } }],
    };
  }

  async deleteVolume(req: { volumeId: string; volumeContext: Record<string, string> }): Promise<void> {
    const ann = this.lookups.volumeAnnotations(req.volumeId);
    if (ann === undefined || ann[ANN_DATA_REMOVED] === 'true') return;
    throw new RetryLater(`waiting for node "${req.volumeContext.node ?? '?'}" to remove the data of ${req.volumeId}`);
  }

  async controllerExpandVolume(req: { volumeId: string; capacityBytes: bigint }): Promise<{ capacityBytes: bigint; nodeExpansionRequired: boolean }> {
    // A directory has no size of its own: growing it is only bookkeeping.
    return { capacityBytes: req.capacityBytes, nodeExpansionRequired: false };
  }
}
