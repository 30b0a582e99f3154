// The plugin boundary storage drivers implement, shaped like the CSI spec's Controller and Node
// services (same call names, same request and response fields in camelCase) so that a gRPC CSI
// driver can stand behind it through an adapter (docs/storage.md). The control plane calls the
// Controller side (provisioning, deletion, expansion); the node agent calls the Node side
// (publishing a volume to a pod, unpublishing, reporting the node). Neither side sees API objects.

export type ControllerCapability = 'CREATE_DELETE_VOLUME' | 'EXPAND_VOLUME' | 'PUBLISH_UNPUBLISH_VOLUME';
export type NodeCapability = 'STAGE_UNSTAGE_VOLUME' | 'EXPAND_VOLUME' | 'GET_VOLUME_STATS';

/** CSI VolumeCapability.AccessMode.Mode, as Kubernetes maps its access modes onto it. */
export type CsiAccessMode = 'SINGLE_NODE_WRITER' | 'SINGLE_NODE_SINGLE_WRITER' | 'MULTI_NODE_READER_ONLY' | 'MULTI_NODE_MULTI_WRITER';

export interface VolumeCapability {
  accessMode: CsiAccessMode;
  /** mount (a filesystem) or block; k8ts drivers serve mount only. */
  accessType: 'mount' | 'block';
}

/** CSI Topology: segments such as { "kubernetes.io/hostname": "node-1" }. */
export interface Topology {
  segments: Record<string, string>;
}

export interface CreateVolumeRequest {
  /** Idempotency key: the same name always yields the same volume (k8ts uses pvc-<claim uid>). */
  name: string;
  capacityBytes: bigint;
  volumeCapabilities: VolumeCapability[];
  /** StorageClass parameters. */
  parameters: Record<string, string>;
  /** Where the volume must be reachable from (the scheduler's selected node for WaitForFirstConsumer). */
  accessibilityRequirements?: { requisite: Topology[]; preferred: Topology[] };
  /** What the external-provisioner passes as csi.storage.k8s.io/pvc/* parameters: the claim's identity. */
  claim: { namespace: string; name: string; uid: string };
}

export interface Volume {
  volumeId: string;
  capacityBytes: bigint;
  /** Opaque to Kubernetes; handed back to NodePublishVolume. */
  volumeContext: Record<string, string>;
  accessibleTopology: Topology[];
}

/** The request could not be completed yet and should be retried (CSI's ABORTED / UNAVAILABLE). */
export class RetryLater extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RetryLater';
  }
}

export interface ControllerService {
  getCapabilities(): ControllerCapability[];
  createVolume(req: CreateVolumeRequest): Promise<Volume>;
  /**
   * Resolves once the volume's data is gone. Rejects with RetryLater while deletion is under way
   * elsewhere (for node-local storage: until the node removed the data).
   */
  deleteVolume(req: { volumeId: string; volumeContext: Record<string, string> }): Promise<void>;
  controllerExpandVolume(req: { volumeId: string; capacityBytes: bigint }): Promise<{ capacityBytes: bigint; nodeExpansionRequired: boolean }>;
}

export interface NodePublishVolumeRequest {
  volumeId: string;
  volumeContext: Record<string, string>;
  readonly: boolean;
  volumeCapability: VolumeCapability;
}

export interface NodeService {
  getCapabilities(): NodeCapability[];
  nodeGetInfo(): { nodeId: string; maxVolumesPerNode: number; accessibleTopology: Topology };
  /** Makes the volume usable on this node and returns the host path the runtime bind-mounts. */
  nodePublishVolume(req: NodePublishVolumeRequest): Promise<{ hostPath: string }>;
  nodeUnpublishVolume(req: { volumeId: string; hostPath: string }): Promise<void>;
}

/** A driver: its name (the StorageClass provisioner and the PV's provisioned-by) and its services. */
export interface CsiDriver {
  name: string;
  controller: ControllerService;
}

/** Kubernetes access modes as CSI access modes (upstream's csi-translation rules). */
export function csiAccessMode(mode: string): CsiAccessMode {
  switch (mode) {
    case 'ReadOnlyMany':
      return 'MULTI_NODE_READER_ONLY';
    case 'ReadWriteMany':
      return 'MULTI_NODE_MULTI_WRITER';
    case 'ReadWriteOncePod':
      return 'SINGLE_NODE_SINGLE_WRITER';
    default:
      return 'SINGLE_NODE_WRITER';
  }
}
