// The desired core/v1 Endpoints of a Service (pure): addresses grouped into subsets by the exact
// set of ports they serve, as upstream's RepackSubsets does, so a named targetPort that resolves
// differently per pod yields several subsets.
import type { KubeObject } from '../../api/object.js';
import {
  findPort,
  isHeadless,
  isPodReady,
  podHostname,
  selectorMatches,
  serviceSelector,
  shouldPodBeInEndpoints,
  type ServicePort,
} from './pod-endpoints.js';

export interface EndpointAddress {
  ip: string;
  hostname?: string;
  nodeName?: string;
  targetRef?: { kind: string; namespace?: string; name?: string; uid?: string };
}

export interface EndpointPort {
  name?: string;
  port: number;
  protocol: string;
  appProtocol?: string;
}

export interface EndpointSubset {
  addresses?: EndpointAddress[];
  notReadyAddresses?: EndpointAddress[];
  ports?: EndpointPort[];
}

export const HEADLESS_LABEL = 'service.kubernetes.io/headless';

function addressOf(pod: KubeObject, svc: KubeObject): EndpointAddress {
  const p = pod as any;
  const a: EndpointAddress = { ip: p.status.podIP };
  const hostname = podHostname(pod, svc);
  if (hostname) a.hostname = hostname;
  if (p.spec?.nodeName) a.nodeName = p.spec.nodeName;
  a.targetRef = { kind: 'Pod', namespace: pod.metadata.namespace, name: pod.metadata.name, uid: pod.metadata.uid };
  return a;
}

export function endpointPort(sp: ServicePort, port: number): EndpointPort {
  const ep: EndpointPort = { port, protocol: sp.protocol ?? 'TCP' };
  if (sp.name) ep.name = sp.name;
  if (sp.appProtocol) ep.appProtocol = sp.appProtocol;
  return ep;
}

const portKey = (p: EndpointPort) => `${p.name ?? ''}/${p.port}/${p.protocol}/${p.appProtocol ?? ''}`;
const compareStr = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const addressKey = (a: EndpointAddress) => `${a.ip}/${a.targetRef?.uid ?? ''}`;

/** Subsets for a Service with a selector, from the pods of its namespace. */
export function computeEndpointSubsets(svc: KubeObject, pods: readonly KubeObject[]): EndpointSubset[] {
  const sel = serviceSelector(svc);
  if (!sel) return [];
  const spec = (svc as any).spec;
  const publishNotReady = !!spec.publishNotReadyAddresses;
  const ports: ServicePort[] = spec.ports ?? [];
  // address key -> (address, ready, ports)
  const byAddress = new Map<string, { address: EndpointAddress; ready: boolean; ports: EndpointPort[] }>();
  for (const pod of pods) {
    if (pod.metadata.namespace !== svc.metadata.namespace) continue;
    if (!selectorMatches(sel, pod.metadata.labels)) continue;
    if (!shouldPodBeInEndpoints(pod, publishNotReady)) continue;
    const address = addressOf(pod, svc);
    const ready = publishNotReady || isPodReady(pod);
    const resolved: EndpointPort[] = [];
    if (ports.length === 0) {
      if (!isHeadless(svc)) continue;
    } else {
      for (const sp of ports) {
        const n = findPort(pod, sp);
        if (n !== undefined) resolved.push(endpointPort(sp, n));
      }
      if (!resolved.length) continue;
    }
    byAddress.set(addressKey(address), { address, ready, ports: resolved });
  }
  // Group addresses by their port set.
  const groups = new Map<string, EndpointSubset>();
  for (const { address, ready, ports: ps } of byAddress.values()) {
    ps.sort((a, b) => compareStr(portKey(a), portKey(b)));
    const key = ps.map(portKey).join(',');
    let subset = groups.get(key);
    if (!subset) {
      subset = {};
      if (ps.length) subset.ports = ps;
      groups.set(key, subset);
    }
    const list = ready ? (subset.addresses ??= []) : (subset.notReadyAddresses ??= []);
    list.push(address);
  }
  const out = [...groups.entries()].sort((a, b) => compareStr(a[0], b[0])).map(([, s]) => s);
  for (const s of out) {
    s.addresses?.sort((a, b) => compareStr(addressKey(a), addressKey(b)));
    s.notReadyAddresses?.sort((a, b) => compareStr(addressKey(a), addressKey(b)));
  }
  return out;
}

/** Labels of the Endpoints object: the Service's, plus the headless marker. */
export function endpointsLabels(svc: KubeObject): Record<string, string> {
  const labels: Record<string, string> = { ...(svc.metadata.labels ?? {}) };
  if (isHeadless(svc)) labels[HEADLESS_LABEL] = '';
  else delete labels[HEADLESS_LABEL];
  return labels;
}

export const MAX_ENDPOINT_ADDRESSES = 1000;
export const OVER_CAPACITY_ANNOTATION = 'endpoints.kubernetes.io/over-capacity';

/**
 * Caps the addresses at max, ready ones first (upstream truncates and annotates the object);
 * returns whether anything was dropped.
 */
export function truncateSubsets(subsets: EndpointSubset[], max = MAX_ENDPOINT_ADDRESSES): boolean {
  let budget = max;
  let dropped = false;
  for (const kind of ['addresses', 'notReadyAddresses'] as const) {
    for (const s of subsets) {
      const list = s[kind];
      if (!list) continue;
      if (list.length > budget) {
        dropped = true;
        if (budget === 0) delete s[kind];
        else s[kind] = list.slice(0, budget);
      }
      budget -= s[kind]?.length ?? 0;
    }
  }
  if (dropped) for (let i = subsets.length - 1; i >= 0; i--) if (!subsets[i]!.addresses && !subsets[i]!.notReadyAddresses) subsets.splice(i, 1);
  return dropped;
}

/** The Endpoints object to write, or undefined when the existing one already says this. */
export function desiredEndpoints(svc: KubeObject, pods: readonly KubeObject[], existing: KubeObject | undefined, maxAddresses = MAX_ENDPOINT_ADDRESSES): KubeObject | undefined {
  const subsets = computeEndpointSubsets(svc, pods);
  const truncated = truncateSubsets(subsets, maxAddresses);
  const labels = endpointsLabels(svc);
  const annotations: Record<string, string> = { ...(existing?.metadata.annotations ?? {}) };
  if (truncated) annotations[OVER_CAPACITY_ANNOTATION] = 'truncated';
  else delete annotations[OVER_CAPACITY_ANNOTATION];
  if (
    existing &&
    jsonEqual((existing as any).subsets ?? [], subsets) &&
    jsonEqual(existing.metadata.labels ?? {}, labels) &&
    jsonEqual(existing.metadata.annotations ?? {}, annotations)
  ) {
    return undefined;
  }
  const meta = existing ? { ...existing.metadata, labels } : { name: svc.metadata.name, namespace: svc.metadata.namespace, labels };
  if (Object.keys(annotations).length) meta.annotations = annotations;
  else delete meta.annotations;
  return { apiVersion: 'v1', kind: 'Endpoints', metadata: meta, subsets };
}

/** Structural equality that ignores key order and keys holding undefined (server vs. built objects). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    if (a.length !== bb.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], bb[i])) return false;
    return true;
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  let na = 0;
  for (const k in ao) {
    if (ao[k] === undefined) continue;
    na++;
    if (!jsonEqual(ao[k], bo[k])) return false;
  }
  let nb = 0;
  for (const k in bo) if (bo[k] !== undefined) nb++;
  return na === nb;
}
