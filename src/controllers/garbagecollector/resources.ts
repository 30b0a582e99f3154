// Which resources the garbage collector watches, and how an ownerReference (apiVersion + kind)
// maps back to a resource so an owner missing from the caches can be looked up live.
import { R } from '../../client/resources.js';
import type { GroupVersionResource } from '../../client/types.js';

export interface GcResource extends GroupVersionResource {
  kind?: string;
  namespaced?: boolean;
}

const KINDS: Record<string, [kind: string, namespaced: boolean]> = {
  namespaces: ['Namespace', false],
  pods: ['Pod', true],
  services: ['Service', true],
  endpoints: ['Endpoints', true],
  nodes: ['Node', false],
  configmaps: ['ConfigMap', true],
  secrets: ['Secret', true],
  serviceaccounts: ['ServiceAccount', true],
  persistentvolumes: ['PersistentVolume', false],
  persistentvolumeclaims: ['PersistentVolumeClaim', true],
  limitranges: ['LimitRange', true],
  resourcequotas: ['ResourceQuota', true],
  replicationcontrollers: ['ReplicationController', true],
  podtemplates: ['PodTemplate', true],
  deployments: ['Deployment', true],
  replicasets: ['ReplicaSet', true],
  statefulsets: ['StatefulSet', true],
  daemonsets: ['DaemonSet', true],
  controllerrevisions: ['ControllerRevision', true],
  jobs: ['Job', true],
  cronjobs: ['CronJob', true],
  ingresses: ['Ingress', true],
  ingressclasses: ['IngressClass', false],
  networkpolicies: ['NetworkPolicy', true],
  endpointslices: ['EndpointSlice', true],
  storageclasses: ['StorageClass', false],
  csinodes: ['CSINode', false],
  volumeattachments: ['VolumeAttachment', false],
  leases: ['Lease', true],
  horizontalpodautoscalers: ['HorizontalPodAutoscaler', true],
  poddisruptionbudgets: ['PodDisruptionBudget', true],
  roles: ['Role', true],
  rolebindings: ['RoleBinding', true],
  clusterroles: ['ClusterRole', false],
  clusterrolebindings: ['ClusterRoleBinding', false],
  customresourcedefinitions: ['CustomResourceDefinition', false],
  priorityclasses: ['PriorityClass', false],
};

/** Upstream's GC ignores Events (they are many and never own anything). */
const IGNORED = new Set(['/events', 'events.k8s.io/events']);

/** The built-in resources the collector watches by default, with kind and scope filled in. */
export function defaultGcResources(): GcResource[] {
  const out: GcResource[] = [];
  for (const gvr of Object.values(R)) {
    if (IGNORED.has(`${gvr.group}/${gvr.resource}`)) continue;
    const k = KINDS[gvr.resource];
    out.push(k ? { ...gvr, kind: k[0], namespaced: k[1] } : { ...gvr });
  }
  return out;
}

export function withKnownKinds(resources: readonly GcResource[]): GcResource[] {
  return resources
    .filter((r) => !IGNORED.has(`${r.group}/${r.resource}`))
    .map((r) => {
      const k = r.group === '' || r.group.endsWith('.k8s.io') || !r.group.includes('.') ? KINDS[r.resource] : undefined;
      return { ...r, kind: r.kind ?? k?.[0], namespaced: r.namespaced ?? k?.[1] };
    });
}

/** Group of an apiVersion ("apps/v1" -> "apps", "v1" -> ""). */
export function groupOf(apiVersion: string): string {
  const i = apiVersion.indexOf('/');
  return i < 0 ? '' : apiVersion.slice(0, i);
}
