// Every controller the controller manager runs, with upstream's controller names.
import type { ControllerDescriptor } from './types.js';
import { replicasetControllerDescriptor } from './replicaset/replicaset-controller.js';
import { deploymentControllerDescriptor } from './deployment/deployment-controller.js';
import { statefulsetControllerDescriptor } from './statefulset/statefulset-controller.js';
import { daemonsetControllerDescriptor } from './daemonset/daemonset-controller.js';
import { jobControllerDescriptor } from './job/job-controller.js';
import { cronjobControllerDescriptor } from './cronjob/cronjob-controller.js';
import { garbageCollectorControllerDescriptor } from './garbagecollector/garbagecollector-controller.js';
import { endpointControllerDescriptor } from './endpoint/endpoint-controller.js';
import { endpointSliceControllerDescriptor } from './endpointslice/endpointslice-controller.js';
import { nodeLifecycleControllerDescriptor } from './nodelifecycle/nodelifecycle-controller.js';
import { serviceAccountControllerDescriptor } from './serviceaccount/serviceaccount-controller.js';
import { disruptionControllerDescriptor } from './disruption/disruption-controller.js';
import { resourceQuotaControllerDescriptor } from './resourcequota/resourcequota-controller.js';
import { horizontalPodAutoscalerControllerDescriptor } from './podautoscaler/podautoscaler-controller.js';
import { clusterRoleAggregationControllerDescriptor } from './clusterroleaggregation/clusterroleaggregation-controller.js';
import { serviceLBControllerDescriptor } from './servicelb/servicelb-controller.js';
import { persistentVolumeBinderDescriptor } from './volume/persistentvolume/binder-controller.js';
import { localPathProvisionerDescriptor } from './volume/provisioner/provisioner-controller.js';
import { pvcProtectionDescriptor } from './volume/protection/pvc-protection-controller.js';
import { pvProtectionDescriptor } from './volume/protection/pv-protection-controller.js';

export const allControllers: ControllerDescriptor[] = [
  replicasetControllerDescriptor,
  deploymentControllerDescriptor,
  statefulsetControllerDescriptor,
  daemonsetControllerDescriptor,
  jobControllerDescriptor,
  cronjobControllerDescriptor,
  garbageCollectorControllerDescriptor,
  endpointControllerDescriptor,
  endpointSliceControllerDescriptor,
  nodeLifecycleControllerDescriptor,
  serviceAccountControllerDescriptor,
  disruptionControllerDescriptor,
  resourceQuotaControllerDescriptor,
  horizontalPodAutoscalerControllerDescriptor,
  clusterRoleAggregationControllerDescriptor,
  serviceLBControllerDescriptor,
  persistentVolumeBinderDescriptor,
  localPathProvisionerDescriptor,
  pvcProtectionDescriptor,
  pvProtectionDescriptor,
];
