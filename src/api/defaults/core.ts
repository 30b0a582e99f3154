// Upstream SetDefaults for core/v1 kinds other than pods: Service, Secret, Namespace, volumes
// and claims, Endpoints, Node.
import type { KubeObject } from '../object.js';
import { ensure, isObj, list, type Obj, setDefault, setDefaultString } from './util.js';

const DEFAULT_CLIENT_IP_TIMEOUT = 10800;

function root(o: KubeObject): Obj {
  return o as unknown as Obj;
}

export function defaultService(svc: KubeObject): void {
  const spec = ensure(root(svc), 'spec');
  setDefaultString(spec, 'sessionAffinity', 'None');
  setDefaultString(spec, 'type', 'ClusterIP');
  if (spec.sessionAffinity === 'ClientIP') {
    const cfg = ensure(ensure(spec, 'sessionAffinityConfig'), 'clientIP');
    setDefault(cfg, 'timeoutSeconds', DEFAULT_CLIENT_IP_TIMEOUT);
  }
  for (const p of list(spec.ports)) {
    setDefaultString(p, 'protocol', 'TCP');
    if (p.targetPort === undefined || p.targetPort === null || p.targetPort === 0 || p.targetPort === '') p.targetPort = p.port;
  }
  const type = spec.type;
  if (type === 'NodePort' || type === 'LoadBalancer') setDefaultString(spec, 'externalTrafficPolicy', 'Cluster');
  if (type !== 'ExternalName') setDefaultString(spec, 'internalTrafficPolicy', 'Cluster');
  if (type === 'LoadBalancer') setDefault(spec, 'allocateLoadBalancerNodePorts', true);
  // clusterIP and clusterIPs[0] mirror each other.
  const ips = Array.isArray(spec.clusterIPs) ? spec.clusterIPs : [];
  if (typeof spec.clusterIP === 'string' && spec.clusterIP && ips.length === 0) spec.clusterIPs = [spec.clusterIP];
  else if (ips.length > 0 && (spec.clusterIP === undefined || spec.clusterIP === '')) spec.clusterIP = ips[0];
  if (type !== 'ExternalName') {
    // Single-stack IPv4 cluster: headless services without a selector ask for every family.
    const headlessNoSelector = spec.clusterIP === 'None' && (!isObj(spec.selector) || Object.keys(spec.selector).length === 0);
    setDefault(spec, 'ipFamilyPolicy', headlessNoSelector ? 'RequireDualStack' : 'SingleStack');
    if (!Array.isArray(spec.ipFamilies) || spec.ipFamilies.length === 0) spec.ipFamilies = ['IPv4'];
  }
  setDefault(ensure(root(svc), 'status'), 'loadBalancer', {});
}

export function defaultSecret(secret: KubeObject): void {
  setDefaultString(root(secret), 'type', 'Opaque');
}

export function defaultNamespace(ns: KubeObject): void {
  const name = ns.metadata.name;
  if (name) {
    ns.metadata.labels ??= {};
    ns.metadata.labels['kubernetes.io/metadata.name'] = name;
  }
  setDefaultString(ensure(root(ns), 'status'), 'phase', 'Active');
}

export function defaultPersistentVolumeClaim(pvc: KubeObject): void {
  setDefaultString(ensure(root(pvc), 'spec'), 'volumeMode', 'Filesystem');
  setDefaultString(ensure(root(pvc), 'status'), 'phase', 'Pending');
}

export function defaultPersistentVolume(pv: KubeObject): void {
  const spec = ensure(root(pv), 'spec');
  setDefaultString(spec, 'persistentVolumeReclaimPolicy', 'Retain');
  setDefaultString(spec, 'volumeMode', 'Filesystem');
  if (isObj(spec.hostPath)) setDefault(spec.hostPath, 'type', '');
  setDefaultString(ensure(root(pv), 'status'), 'phase', 'Pending');
}

export function defaultEndpoints(ep: KubeObject): void {
  for (const ss of list(root(ep).subsets)) for (const p of list(ss.ports)) setDefaultString(p, 'protocol', 'TCP');
}

export function defaultNode(node: KubeObject): void {
  const status = root(node).status;
  if (isObj(status) && isObj(status.capacity) && !isObj(status.allocatable)) status.allocatable = { ...status.capacity };
}
