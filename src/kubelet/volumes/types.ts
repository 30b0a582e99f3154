// The slice of the core/v1 Pod API the volume plugins read, plus the mount shape handed to CRI.
// Local to the kubelet's volume code so it does not depend on another component's pod typing.
import type { KubeObject } from '../../api/object.js';

export interface KeyToPath { key: string; path: string; mode?: number }

export interface ObjectFieldSelector { apiVersion?: string; fieldPath: string }
export interface ResourceFieldSelector { containerName?: string; resource: string; divisor?: string | number }
export interface DownwardAPIVolumeFile {
  path: string;
  fieldRef?: ObjectFieldSelector;
  resourceFieldRef?: ResourceFieldSelector;
  mode?: number;
}

export interface ConfigMapVolumeSource { name?: string; items?: KeyToPath[]; defaultMode?: number; optional?: boolean }
export interface SecretVolumeSource { secretName?: string; items?: KeyToPath[]; defaultMode?: number; optional?: boolean }
export interface DownwardAPIVolumeSource { items?: DownwardAPIVolumeFile[]; defaultMode?: number }
export interface ServiceAccountTokenProjection { audience?: string; expirationSeconds?: number; path: string }
export interface VolumeProjection {
  configMap?: { name?: string; items?: KeyToPath[]; optional?: boolean };
  secret?: { name?: string; items?: KeyToPath[]; optional?: boolean };
  downwardAPI?: { items?: DownwardAPIVolumeFile[] };
  serviceAccountToken?: ServiceAccountTokenProjection;
}
export interface ProjectedVolumeSource { sources?: VolumeProjection[] | null; defaultMode?: number }

export interface Volume {
  name: string;
  emptyDir?: { medium?: string; sizeLimit?: string | number };
  hostPath?: { path: string; type?: string };
  configMap?: ConfigMapVolumeSource;
  secret?: SecretVolumeSource;
  downwardAPI?: DownwardAPIVolumeSource;
  projected?: ProjectedVolumeSource;
  persistentVolumeClaim?: { claimName: string; readOnly?: boolean };
  /** Generic ephemeral volume: a PVC named <pod>-<volume> that the ephemeral-volume controller creates. */
  ephemeral?: { volumeClaimTemplate?: unknown };
}

export interface VolumeMount {
  name: string;
  mountPath: string;
  readOnly?: boolean;
  subPath?: string;
  subPathExpr?: string;
  mountPropagation?: 'None' | 'HostToContainer' | 'Bidirectional' | string;
}

export interface ResourceRequirements { limits?: Record<string, string | number>; requests?: Record<string, string | number> }

export interface Container {
  name: string;
  volumeMounts?: VolumeMount[];
  resources?: ResourceRequirements;
  env?: { name: string; value?: string }[];
  [field: string]: unknown;
}

export interface PodSecurityContext { fsGroup?: number; runAsUser?: number; runAsGroup?: number }

export interface Pod extends KubeObject {
  spec?: {
    volumes?: Volume[];
    containers?: Container[];
    initContainers?: Container[];
    ephemeralContainers?: Container[];
    nodeName?: string;
    serviceAccountName?: string;
    securityContext?: PodSecurityContext;
    [field: string]: unknown;
  };
  status?: { podIP?: string; podIPs?: { ip: string }[]; hostIP?: string; hostIPs?: { ip: string }[]; [field: string]: unknown };
}

/** One CRI Mount, with the runtime.v1 field names (propagation as the MountPropagation enum name). */
export interface CriMount {
  container_path: string;
  host_path: string;
  readonly: boolean;
  propagation?: 'PROPAGATION_PRIVATE' | 'PROPAGATION_HOST_TO_CONTAINER' | 'PROPAGATION_BIDIRECTIONAL';
  selinux_relabel?: boolean;
}

/** A file to project into a volume: bytes and permission bits. */
export interface FileProjection { data: Buffer; mode: number }

/** Relative path inside the volume → file. */
export type Payload = Map<string, FileProjection>;

/** A setUp failure the kubelet reports as an event (reason FailedMount) and retries later. */
export class VolumeError extends Error {
  constructor(readonly reason: 'FailedMount' | 'FailedAttachVolume', message: string) {
    super(message);
    this.name = 'VolumeError';
  }
}
