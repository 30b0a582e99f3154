// Typed view of apps/v1 Deployment for the deployment controller (a view over a plain KubeObject).
import type { KubeObject } from '../../api/object.js';
import type { LabelSelectorSpec } from '../../api/selectors/label-selector.js';
import type { PodTemplateSpec, WorkloadCondition } from '../replicaset/types.js';

export type IntOrString = number | string;

export interface DeploymentStatus {
  observedGeneration?: number;
  replicas?: number;
  updatedReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  unavailableReplicas?: number;
  conditions?: WorkloadCondition[];
  collisionCount?: number;
}

export interface Deployment extends KubeObject {
  spec: {
    replicas?: number;
    selector: LabelSelectorSpec;
    template: PodTemplateSpec;
    strategy?: { type?: 'RollingUpdate' | 'Recreate'; rollingUpdate?: { maxSurge?: IntOrString; maxUnavailable?: IntOrString } };
    minReadySeconds?: number;
    revisionHistoryLimit?: number;
    paused?: boolean;
    progressDeadlineSeconds?: number;
  };
  status?: DeploymentStatus;
}

export function desiredReplicas(d: Deployment): number {
  return d.spec.replicas ?? 1;
}
