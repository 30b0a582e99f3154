// Which identity each controller acts as (upstream kube-controller-manager
// --use-service-account-credentials): the ServiceAccount kube-system/<name> bound to
// system:controller:<name> (bootstrap-policy.ts controllerRoles). The manager's own identity,
// system:kube-controller-manager, keeps the shared informers and the leader Lease only.
import type { UserInfo } from '../types.js';

/** Controller name (ControllerDescriptor.name) → its ServiceAccount in kube-system, as upstream names them. */
export const CONTROLLER_SERVICE_ACCOUNTS: Readonly<Record<string, string>> = {
  replicaset: 'replicaset-controller',
  deployment: 'deployment-controller',
  statefulset: 'statefulset-controller',
  daemonset: 'daemon-set-controller',
  job: 'job-controller',
  cronjob: 'cronjob-controller',
  'garbage-collector': 'generic-garbage-collector',
  endpoint: 'endpoint-controller',
  endpointslice: 'endpointslice-controller',
  'node-lifecycle': 'node-controller',
  nodeipam: 'node-controller',
  serviceaccount: 'service-account-controller',
  disruption: 'disruption-controller',
  resourcequota: 'resourcequota-controller',
  'horizontal-pod-autoscaling': 'horizontal-pod-autoscaler',
  'clusterrole-aggregation': 'clusterrole-aggregation-controller',
  'root-ca-cert-publisher': 'root-ca-cert-publisher',
  csrsigning: 'certificate-controller',
  csrapproving: 'certificate-controller',
  'serviceaccount-token': 'tokens-controller',
  'service-lb': 'service-controller',
  'persistentvolume-binder': 'persistent-volume-binder',
  'pvc-protection': 'pvc-protection-controller',
  'pv-protection': 'pv-protection-controller',
  'local-path-provisioner': 'local-path-provisioner',
};

/** The user a controller acts as: system:serviceaccount:kube-system:<sa>, with the ServiceAccount groups. */
export function controllerUser(controller: string): UserInfo | undefined {
  const sa = CONTROLLER_SERVICE_ACCOUNTS[controller];
  if (!sa) return undefined;
  return { username: `system:serviceaccount:kube-system:${sa}`, groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system'] };
}
