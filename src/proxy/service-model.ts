// What the proxy needs to know about a Service and its EndpointSlices, reduced to plain records:
// one ServicePortModel per (service, port) and the endpoints usable for it, split the way
// upstream kube-proxy categorizes them (cluster-wide vs. this node's, ready first and serving
// terminating endpoints only as a fallback). Pure functions; no I/O.
import type { KubeObject } from '../api/object.js';

export type ProxyProtocol = 'tcp' | 'udp' | 'sctp';

export interface ServiceLike extends KubeObject {
  spec?: {
    type?: string;
    clusterIP?: string;
    clusterIPs?: string[];
    externalIPs?: string[];
    ports?: { name?: string; protocol?: string; port: number; nodePort?: number }[];
    sessionAffinity?: string;
    sessionAffinityConfig?: { clientIP?: { timeoutSeconds?: number } };
    externalTrafficPolicy?: string;
    internalTrafficPolicy?: string;
    healthCheckNodePort?: number;
  };
  status?: { loadBalancer?: { ingress?: { ip?: string; hostname?: string; ipMode?: string }[] } };
}

export interface EndpointSliceLike extends KubeObject {
  addressType?: string;
  endpoints?: {
    addresses: string[];
    conditions?: { ready?: boolean | null; serving?: boolean | null; terminating?: boolean | null };
    nodeName?: string;
  }[];
  ports?: { name?: string | null; protocol?: string; port?: number | null }[] | null;
}

export const LABEL_SERVICE_NAME = 'kubernetes.io/service-name';
export const DEFAULT_AFFINITY_SECONDS = 10800;

/** One port of one Service as the data plane sees it. */
export interface ServicePortModel {
  /** upstream's ServicePortName form: "namespace/name/protocol/portName" (portName may be empty) */
  id: string;
  protocol: ProxyProtocol;
  port: number;
  portName: string;
  clusterIPs: string[];
  nodePort?: number;
  externalIPs: string[];
  loadBalancerIPs: string[];
  /** ClientIP affinity timeout in seconds, or undefined without affinity */
  affinitySeconds?: number;
  externalPolicyLocal: boolean;
  internalPolicyLocal: boolean;
}

export interface EndpointModel {
  ip: string;
  port: number;
  ready: boolean;
  serving: boolean;
  terminating: boolean;
  local: boolean;
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

export function isIPv4(s: string | undefined): s is string {
  if (!s) return false;
  const m = IPV4.exec(s);
  return !!m && m.slice(1).every((o) => Number(o) <= 255);
}

function protocolOf(p: string | undefined): ProxyProtocol | undefined {
  switch (p ?? 'TCP') {
    case 'TCP':
      return 'tcp';
    case 'UDP':
      return 'udp';
    case 'SCTP':
      return 'sctp';
    default:
      return undefined;
  }
}

/** The ports the proxy programs for a Service; none for ExternalName and headless Services. */
export function servicePortsOf(svc: ServiceLike): ServicePortModel[] {
  const spec = svc.spec;
  if (!spec || spec.type === 'ExternalName') return [];
  const clusterIPs = (spec.clusterIPs?.length ? spec.clusterIPs : spec.clusterIP ? [spec.clusterIP] : []).filter(isIPv4);
  if (!clusterIPs.length) return [];
  const externalIPs = (spec.externalIPs ?? []).filter(isIPv4);
  // As upstream: an ingress with ipMode Proxy means the load balancer delivers to the node, so
  // its IP must not be short-circuited to the endpoints.
  const loadBalancerIPs =
    spec.type === 'LoadBalancer'
      ? (svc.status?.loadBalancer?.ingress ?? []).filter((i) => i.ipMode !== 'Proxy').map((i) => i.ip).filter(isIPv4)
      : [];
  const withNodePorts = spec.type === 'NodePort' || spec.type === 'LoadBalancer';
  const affinitySeconds =
    spec.sessionAffinity === 'ClientIP' ? spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? DEFAULT_AFFINITY_SECONDS : undefined;
  const out: ServicePortModel[] = [];
  for (const p of spec.ports ?? []) {
    const protocol = protocolOf(p.protocol);
    if (!protocol || !p.port) continue;
    const portName = p.name ?? '';
    const nodePort = withNodePorts && p.nodePort ? p.nodePort : undefined;
    const externallyAccessible = nodePort !== undefined || externalIPs.length > 0 || loadBalancerIPs.length > 0;
    out.push({
      id: `${svc.metadata.namespace}/${svc.metadata.name}/${protocol}/${portName}`,
      protocol,
      port: p.port,
      portName,
      clusterIPs,
      ...(nodePort !== undefined ? { nodePort } : {}),
      externalIPs,
      loadBalancerIPs,
      ...(affinitySeconds !== undefined ? { affinitySeconds } : {}),
      externalPolicyLocal: externallyAccessible && spec.externalTrafficPolicy === 'Local',
      internalPolicyLocal: spec.internalTrafficPolicy === 'Local',
    });
  }
  return out;
}

/**
 * Endpoints of one service port across the Service's slices (deduplicated by ip:port). The
 * slice port is matched by name and protocol; its number is the resolved targetPort.
 */
export function endpointsOf(sp: ServicePortModel, slices: readonly EndpointSliceLike[], nodeName: string): EndpointModel[] {
  const out: EndpointModel[] = [];
  const seen = new Set<string>();
  const proto = sp.protocol.toUpperCase();
  for (const slice of slices) {
    if (slice.addressType && slice.addressType !== 'IPv4') continue;
    const port = (slice.ports ?? []).find((p) => (p.name ?? '') === sp.portName && (p.protocol ?? 'TCP') === proto)?.port;
    if (!port) continue;
    for (const ep of slice.endpoints ?? []) {
      const ip = ep.addresses?.[0];
      if (!isIPv4(ip)) continue;
      const key = `${ip}:${port}`;
      if (seen.has(key)) continue;
      seen.add(key);
      // Unset conditions mean: ready unless said otherwise, serving as ready, not terminating.
      const ready = ep.conditions?.ready ?? true;
      const serving = ep.conditions?.serving ?? ready;
      out.push({ ip, port, ready, serving, terminating: ep.conditions?.terminating ?? false, local: ep.nodeName === nodeName });
    }
  }
  out.sort((a, b) => (a.ip === b.ip ? a.port - b.port : a.ip < b.ip ? -1 : 1));
  return out;
}

/**
 * Upstream's endpoint categorization: traffic goes to ready endpoints; only when none is ready
 * does it go to endpoints that still serve while terminating. `local` applies the same rule to
 * this node's endpoints alone.
 */
export function usableEndpoints(all: readonly EndpointModel[]): { cluster: EndpointModel[]; local: EndpointModel[] } {
  return { cluster: pick(all), local: pick(all.filter((e) => e.local)) };
}

function pick(eps: readonly EndpointModel[]): EndpointModel[] {
  const ready = eps.filter((e) => e.ready);
  return ready.length ? ready : eps.filter((e) => e.serving && e.terminating);
}
