// The API objects cluster DNS lives behind (pure builders), created at server start-up: the
// kube-dns Service in kube-system (ClusterIP = 10th address of the service range, no selector:
// each agent adds its own EndpointSlice) and the Role + RoleBinding that let the DNS identity
// keep those slices in kube-system, and only there.
import type { KubeObject } from '../api/object.js';
import { clusterDNSAddress } from '../agent/cluster-addresses.js';
import { DNS_NAMESPACE, DNS_SERVICE_NAME } from './dns-endpoint-slice.js';

export const CLUSTER_DNS_USER = 'system:k8ts:coredns';
const RBAC = 'rbac.authorization.k8s.io';
const ENDPOINTS_ROLE = 'k8ts:coredns-endpoints';

export function kubeDnsService(serviceCIDR: string): KubeObject {
  const ip = clusterDNSAddress(serviceCIDR);
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: DNS_SERVICE_NAME,
      namespace: DNS_NAMESPACE,
      labels: { 'k8s-app': 'kube-dns', 'kubernetes.io/name': 'CoreDNS', 'kubernetes.io/cluster-service': 'true' },
    },
    spec: {
      type: 'ClusterIP',
      clusterIP: ip,
      clusterIPs: [ip],
      ports: [
        { name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 },
        { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53 },
      ],
      sessionAffinity: 'None',
    },
  } as KubeObject;
}

function endpointsRole(): [KubeObject, KubeObject] {
  return [
    {
      apiVersion: `${RBAC}/v1`,
      kind: 'Role',
      metadata: { name: ENDPOINTS_ROLE, namespace: DNS_NAMESPACE },
      rules: [{ apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['create', 'delete', 'get', 'patch', 'update'] }],
    } as KubeObject,
    {
      apiVersion: `${RBAC}/v1`,
      kind: 'RoleBinding',
      metadata: { name: ENDPOINTS_ROLE, namespace: DNS_NAMESPACE },
      roleRef: { apiGroup: RBAC, kind: 'Role', name: ENDPOINTS_ROLE },
      subjects: [{ apiGroup: RBAC, kind: 'User', name: CLUSTER_DNS_USER }],
    } as KubeObject,
  ];
}

/** What the server creates at start-up for cluster DNS (group, plural, namespace, object). */
export function dnsBootstrapObjects(serviceCIDR: string): { group: string; plural: string; namespace: string; obj: KubeObject }[] {
  const [role, binding] = endpointsRole();
  return [
    { group: '', plural: 'services', namespace: DNS_NAMESPACE, obj: kubeDnsService(serviceCIDR) },
    { group: RBAC, plural: 'roles', namespace: DNS_NAMESPACE, obj: role },
    { group: RBAC, plural: 'rolebindings', namespace: DNS_NAMESPACE, obj: binding },
  ];
}
