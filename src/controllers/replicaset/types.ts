// Typed views of the objects the ReplicaSet and Deployment controllers read. They are views over
// plain KubeObjects (the informer cache hands out shared objects), so every field is optional
// where the wire allows it to be missing.
import type { KubeObject, ObjectMeta } from '../../api/object.js';
import type { LabelSelectorSpec } from '../../api/selectors/label-selector.js';

export interface PodTemplateSpec {
  metadata?: Pick<ObjectMeta, 'labels' | 'annotations' | 'finalizers' | 'name' | 'generateName'>;
  spec?: Record<string, unknown>;
}

export interface PodCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  lastProbeTime?: string | null;
  lastTransitionTime?: string | null;
  reason?: string;
  message?: string;
}

export interface ContainerStatus {
  name: string;
  restartCount?: number;
}

export interface Pod extends KubeObject {
  spec?: { nodeName?: string; [k: string]: unknown };
  status?: {
    phase?: 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';
    conditions?: PodCondition[];
    containerStatuses?: ContainerStatus[];
    [k: string]: unknown;
  };
}

/** Conditions of ReplicaSets and Deployments share this shape (Deployments add lastUpdateTime). */
export interface WorkloadCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  lastUpdateTime?: string;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

export interface ReplicaSetStatus {
  replicas: number;
  fullyLabeledReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  observedGeneration?: number;
  conditions?: WorkloadCondition[];
}

export interface ReplicaSet extends KubeObject {
  spec: {
    replicas?: number;
    minReadySeconds?: number;
    selector: LabelSelectorSpec;
    template: PodTemplateSpec;
  };
  status?: ReplicaSetStatus;
}
