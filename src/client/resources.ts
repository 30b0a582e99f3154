// Well-known resources, so components name them the same way everywhere.
import type { GroupVersionResource } from './types.js';

const core = (resource: string): GroupVersionResource => ({ group: '', version: 'v1', resource });
const gvr = (group: string, version: string, resource: string): GroupVersionResource => ({ group, version, resource });

export const R = {
  namespaces: core('namespaces'),
  pods: core('pods'),
  services: core('services'),
  endpoints: core('endpoints'),
  nodes: core('nodes'),
  configmaps: core('configmaps'),
  secrets: core('secrets'),
  serviceaccounts: core('serviceaccounts'),
  persistentvolumes: core('persistentvolumes'),
  persistentvolumeclaims: core('persistentvolumeclaims'),
  events: core('events'),
  limitranges: core('limitranges'),
  resourcequotas: core('resourcequotas'),
  replicationcontrollers: core('replicationcontrollers'),
  podtemplates: core('podtemplates'),
  deployments: gvr('apps', 'v1', 'deployments'),
  replicasets: gvr('apps', 'v1', 'replicasets'),
  statefulsets: gvr('apps', 'v1', 'statefulsets'),
  daemonsets: gvr('apps', 'v1', 'daemonsets'),
  controllerrevisions: gvr('apps', 'v1', 'controllerrevisions'),
  jobs: gvr('batch', 'v1', 'jobs'),
  cronjobs: gvr('batch', 'v1', 'cronjobs'),
  ingresses: gvr('networking.k8s.io', 'v1', 'ingresses'),
  ingressclasses: gvr('networking.k8s.io', 'v1', 'ingressclasses'),
  networkpolicies: gvr('networking.k8s.io', 'v1', 'networkpolicies'),
  endpointslices: gvr('discovery.k8s.io', 'v1', 'endpointslices'),
  storageclasses: gvr('storage.k8s.io', 'v1', 'storageclasses'),
  csinodes: gvr('storage.k8s.io', 'v1', 'csinodes'),
  volumeattachments: gvr('storage.k8s.io', 'v1', 'volumeattachments'),
  leases: gvr('coordination.k8s.io', 'v1', 'leases'),
  horizontalpodautoscalers: gvr('autoscaling', 'v2', 'horizontalpodautoscalers'),
  poddisruptionbudgets: gvr('policy', 'v1', 'poddisruptionbudgets'),
  roles: gvr('rbac.authorization.k8s.io', 'v1', 'roles'),
  rolebindings: gvr('rbac.authorization.k8s.io', 'v1', 'rolebindings'),
  clusterroles: gvr('rbac.authorization.k8s.io', 'v1', 'clusterroles'),
  clusterrolebindings: gvr('rbac.authorization.k8s.io', 'v1', 'clusterrolebindings'),
  customresourcedefinitions: gvr('apiextensions.k8s.io', 'v1', 'customresourcedefinitions'),
  priorityclasses: gvr('scheduling.k8s.io', 'v1', 'priorityclasses'),
  eventsV1: gvr('events.k8s.io', 'v1', 'events'),
} as const;

/** Informer/cache key of an object: "namespace/name", or "name" for cluster-scoped objects. */
export function objectKey(obj: { metadata: { namespace?: string; name?: string } }): string {
  const ns = obj.metadata.namespace;
  return ns ? `${ns}/${obj.metadata.name}` : obj.metadata.name ?? '';
}

export function splitKey(key: string): { namespace: string; name: string } {
  const i = key.indexOf('/');
  return i < 0 ? { namespace: '', name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}
