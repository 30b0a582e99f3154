// The API objects the ingress controller lives behind (pure builders): the IngressClass `k8ts`
// and the LoadBalancer Service kube-system/k8ts-ingress, both created at server start-up, and the
// per-node EndpointSlice through which each agent's listener becomes an endpoint of that Service.
// The Service has no selector: no pod backs it, the agents register themselves.
import type { KubeObject } from '../api/object.js';
import { CONTROLLER_NAME, DEFAULT_CLASS_ANNOTATION } from './routing-table.js';

export const INGRESS_CLASS = 'k8ts';
export const INGRESS_NAMESPACE = 'kube-system';
export const INGRESS_SERVICE = 'k8ts-ingress';
export const INGRESS_USER = 'system:k8ts:ingress';
const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';
/** label values cannot hold the controller name's slash */
const MANAGED_BY = 'k8ts-ingress-controller';

export function ingressClassObject(): KubeObject {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'IngressClass',
    metadata: { name: INGRESS_CLASS, annotations: { [DEFAULT_CLASS_ANNOTATION]: 'true' }, labels: { 'app.kubernetes.io/name': 'k8ts-ingress' } },
    spec: { controller: CONTROLLER_NAME },
  } as KubeObject;
}

export function ingressServiceObject(): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: INGRESS_SERVICE, namespace: INGRESS_NAMESPACE, labels: { 'app.kubernetes.io/name': 'k8ts-ingress' } },
    spec: {
      type: 'LoadBalancer',
      ports: [
        { name: 'http', port: 80, protocol: 'TCP', targetPort: 'http' },
        { name: 'https', port: 443, protocol: 'TCP', targetPort: 'https' },
      ],
    },
  } as KubeObject;
}

export const endpointSliceName = (nodeName: string): string => `${INGRESS_SERVICE}-${nodeName}`.slice(0, 253);

/** This node's listener as an endpoint of the k8ts-ingress Service. */
export function ingressEndpointSlice(nodeName: string, nodeIP: string, ports: { http: number; https: number }, ready = true): KubeObject {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name: endpointSliceName(nodeName),
      namespace: INGRESS_NAMESPACE,
      labels: { [SERVICE_NAME_LABEL]: INGRESS_SERVICE, [MANAGED_BY_LABEL]: MANAGED_BY },
    },
    addressType: nodeIP.includes(':') ? 'IPv6' : 'IPv4',
    endpoints: [{ addresses: [nodeIP], conditions: { ready, serving: ready, terminating: !ready }, nodeName }],
    ports: [
      { name: 'http', port: ports.http, protocol: 'TCP' },
      { name: 'https', port: ports.https, protocol: 'TCP' },
    ],
  } as KubeObject;
}

const sliceFacts = (s: any): string =>
  JSON.stringify([
    s.addressType,
    (s.endpoints ?? []).map((e: any) => [e.addresses?.[0], e.nodeName, e.conditions?.ready ?? true]),
    (s.ports ?? []).map((p: any) => [p.name ?? '', p.port, p.protocol ?? 'TCP']),
  ]);

/** True when the stored slice differs from the desired one in anything we set. */
export function sliceDiffers(existing: KubeObject, desired: KubeObject): boolean {
  for (const [k, v] of Object.entries(desired.metadata.labels ?? {})) if (existing.metadata.labels?.[k] !== v) return true;
  return sliceFacts(existing) !== sliceFacts(desired);
}

/** An Ingress's status.loadBalancer.ingress: the k8ts-ingress Service's load balancer addresses. */
export function ingressStatusFrom(lbService: KubeObject | undefined): { ip?: string; hostname?: string }[] {
  const ingress: any[] = (lbService as any)?.status?.loadBalancer?.ingress ?? [];
  const out: { ip?: string; hostname?: string }[] = [];
  for (const i of ingress) {
    if (i.ip) out.push({ ip: i.ip });
    else if (i.hostname) out.push({ hostname: i.hostname });
  }
  return out;
}

export function sameLoadBalancerIngress(a: readonly { ip?: string; hostname?: string }[] | undefined, b: readonly { ip?: string; hostname?: string }[]): boolean {
  const x = a ?? [];
  if (x.length !== b.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i]!.ip !== b[i]!.ip || x[i]!.hostname !== b[i]!.hostname) return false;
  return true;
}

/** Lets the ingress controller keep its per-node EndpointSlices in kube-system (and only there). */
function endpointsRole(): KubeObject[] {
  const rbac = 'rbac.authorization.k8s.io';
  const name = 'k8ts:ingress-endpoints';
  return [
    {
      apiVersion: `${rbac}/v1`,
      kind: 'Role',
      metadata: { name, namespace: INGRESS_NAMESPACE },
      rules: [{ apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['create', 'delete', 'get', 'patch', 'update'] }],
    } as KubeObject,
    {
      apiVersion: `${rbac}/v1`,
      kind: 'RoleBinding',
      metadata: { name, namespace: INGRESS_NAMESPACE },
      roleRef: { apiGroup: rbac, kind: 'Role', name },
      subjects: [{ apiGroup: rbac, kind: 'User', name: INGRESS_USER }],
    } as KubeObject,
  ];
}

/** What the server creates at start-up for the ingress controller (group, plural, namespace, object). */
export function ingressBootstrapObjects(): { group: string; plural: string; namespace: string; obj: KubeObject }[] {
  const [role, binding] = endpointsRole();
  return [
    { group: 'networking.k8s.io', plural: 'ingressclasses', namespace: '', obj: ingressClassObject() },
    { group: '', plural: 'services', namespace: INGRESS_NAMESPACE, obj: ingressServiceObject() },
    { group: 'rbac.authorization.k8s.io', plural: 'roles', namespace: INGRESS_NAMESPACE, obj: role! },
    { group: 'rbac.authorization.k8s.io', plural: 'rolebindings', namespace: INGRESS_NAMESPACE, obj: binding! },
  ];
}
