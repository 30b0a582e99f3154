// The EndpointSlices a Service should have (pure): desired endpoints are grouped by address type
// and resolved port set, kept in the slices that already hold them (so unchanged slices are not
// rewritten), new ones fill free room first, then new slices of at most maxEndpointsPerSlice.
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
} from '../endpoint/pod-endpoints.js';
import { HEADLESS_LABEL, jsonEqual } from '../endpoint/endpoints.js';

export const LABEL_SERVICE_NAME = 'kubernetes.io/service-name';
export const LABEL_MANAGED_BY = 'endpointslice.kubernetes.io/managed-by';
export const CONTROLLER_NAME = 'endpointslice-controller.k8s.io';
export const DEFAULT_MAX_ENDPOINTS_PER_SLICE = 100;

export interface SliceEndpoint {
  addresses: string[];
  conditions: { ready: boolean; serving: boolean; terminating: boolean };
  hostname?: string;
  nodeName?: string;
  zone?: string;
  targetRef?: { kind: string; namespace?: string; name?: string; uid?: string };
}

export interface SlicePort {
  name: string;
  port: number;
  protocol: string;
  appProtocol?: string;
}

export interface SliceChanges {
  create: KubeObject[];
  update: KubeObject[];
  delete: KubeObject[];
}

export interface SliceOptions {
  maxEndpointsPerSlice?: number;
  zoneOf?: (nodeName: string) => string | undefined;
}

interface Group {
  addressType: 'IPv4' | 'IPv6';
  ports: SlicePort[];
  endpoints: Map<string, SliceEndpoint>;
}

const portKey = (p: SlicePort) => `${p.name}/${p.port}/${p.protocol ?? 'TCP'}/${p.appProtocol ?? ''}`;
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const groupKey = (addressType: string, ports: readonly SlicePort[] | undefined) =>
  `${addressType}|${[...(ports ?? [])].map(portKey).sort(cmp).join(',')}`;
const endpointKey = (e: SliceEndpoint) => e.targetRef?.uid ?? e.addresses[0] ?? '';

function podEndpoint(pod: KubeObject, svc: KubeObject, opts: SliceOptions): SliceEndpoint {
  const p = pod as any;
  const serving = isPodReady(pod);
  const terminating = !!pod.metadata.deletionTimestamp;
  const ready = !!(svc as any).spec?.publishNotReadyAddresses || (serving && !terminating);
  const ep: SliceEndpoint = { addresses: [p.status.podIP], conditions: { ready, serving, terminating } };
  const hostname = podHostname(pod, svc);
  if (hostname) ep.hostname = hostname;
  ep.targetRef = { kind: 'Pod', namespace: pod.metadata.namespace, name: pod.metadata.name, uid: pod.metadata.uid };
  if (p.spec?.nodeName) {
    ep.nodeName = p.spec.nodeName;
    const zone = opts.zoneOf?.(p.spec.nodeName);
    if (zone) ep.zone = zone;
  }
  return ep;
}

/** Desired endpoints of a Service, grouped by address type and port set. */
export function desiredGroups(svc: KubeObject, pods: readonly KubeObject[], opts: SliceOptions = {}): Map<string, Group> {
  const groups = new Map<string, Group>();
  const sel = serviceSelector(svc);
  if (!sel) return groups;
  const servicePorts: ServicePort[] = (svc as any).spec?.ports ?? [];
  if (!servicePorts.length && !isHeadless(svc)) return groups;
  for (const pod of pods) {
    if (pod.metadata.namespace !== svc.metadata.namespace) continue;
    if (!selectorMatches(sel, pod.metadata.labels)) continue;
    if (!shouldPodBeInEndpoints(pod, true)) continue;
    const ports: SlicePort[] = [];
    for (const sp of servicePorts) {
      const n = findPort(pod, sp);
      if (n === undefined) continue;
      const port: SlicePort = { name: sp.name ?? '', port: n, protocol: sp.protocol ?? 'TCP' };
      if (sp.appProtocol) port.appProtocol = sp.appProtocol;
      ports.push(port);
    }
    if (servicePorts.length && !ports.length) continue;
    ports.sort((a, b) => cmp(portKey(a), portKey(b)));
    const addressType = String((pod as any).status.podIP).includes(':') ? 'IPv6' : 'IPv4';
    const key = groupKey(addressType, ports);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { addressType, ports, endpoints: new Map() }));
    const ep = podEndpoint(pod, svc, opts);
    g.endpoints.set(endpointKey(ep), ep);
  }
  return groups;
}

export function sliceLabels(svc: KubeObject): Record<string, string> {
  const labels: Record<string, string> = { ...(svc.metadata.labels ?? {}) };
  labels[LABEL_SERVICE_NAME] = svc.metadata.name!;
  labels[LABEL_MANAGED_BY] = CONTROLLER_NAME;
  if (isHeadless(svc)) labels[HEADLESS_LABEL] = '';
  else delete labels[HEADLESS_LABEL];
  return labels;
}

function newSlice(svc: KubeObject, addressType: string, ports: SlicePort[], endpoints: SliceEndpoint[]): KubeObject {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      generateName: `${svc.metadata.name}-`,
      namespace: svc.metadata.namespace,
      labels: sliceLabels(svc),
      ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name: svc.metadata.name!, uid: svc.metadata.uid!, controller: true, blockOwnerDeletion: true }],
    },
    addressType,
    endpoints,
    ports,
  };
}

/**
 * Changes that bring `existing` (the slices this controller manages for the Service) to the
 * desired state. Services without endpoints keep one empty placeholder slice, as upstream.
 */
export function reconcileSlices(svc: KubeObject, pods: readonly KubeObject[], existing: readonly KubeObject[], opts: SliceOptions = {}): SliceChanges {
  const max = opts.maxEndpointsPerSlice ?? DEFAULT_MAX_ENDPOINTS_PER_SLICE;
  const groups = desiredGroups(svc, pods, opts);
  const labels = sliceLabels(svc);
  const out: SliceChanges = { create: [], update: [], delete: [] };
  const placed = new Set<string>(); // group key + endpoint key
  const kept: { slice: KubeObject; group: Group; key: string; endpoints: SliceEndpoint[]; changed: boolean }[] = [];

  for (const slice of existing) {
    const s = slice as any;
    const key = groupKey(s.addressType, s.ports);
    const group = groups.get(key);
    if (!group) {
      out.delete.push(slice);
      continue;
    }
    const endpoints: SliceEndpoint[] = [];
    let changed = !jsonEqual(slice.metadata.labels ?? {}, labels);
    for (const ep of (s.endpoints ?? []) as SliceEndpoint[]) {
      const k = endpointKey(ep);
      const want = group.endpoints.get(k);
      if (!want || placed.has(`${key}#${k}`) || endpoints.length >= max) {
        changed = true;
        continue;
      }
      placed.add(`${key}#${k}`);
      if (!jsonEqual(ep, want)) changed = true;
      endpoints.push(want);
    }
    if (!endpoints.length) {
      out.delete.push(slice);
      continue;
    }
    kept.push({ slice, group, key, endpoints, changed });
  }

  for (const [key, group] of groups) {
    const pending = [...group.endpoints.entries()].filter(([k]) => !placed.has(`${key}#${k}`)).map(([, e]) => e);
    for (const k of kept) {
      if (!pending.length) break;
      if (k.key !== key || k.endpoints.length >= max) continue;
      k.endpoints.push(...pending.splice(0, max - k.endpoints.length));
      k.changed = true;
    }
    for (let i = 0; i < pending.length; i += max) out.create.push(newSlice(svc, group.addressType, group.ports, pending.slice(i, i + max)));
  }

  for (const k of kept) {
    if (!k.changed) continue;
    out.update.push({ ...k.slice, metadata: { ...k.slice.metadata, labels }, endpoints: k.endpoints, ports: k.group.ports } as KubeObject);
  }

  // No endpoints at all: one empty placeholder slice, reusing an existing one when possible.
  if (!kept.length && !out.create.length) {
    const reusable = out.delete.findIndex((s) => (s as any).addressType === 'IPv4' && !((s as any).ports ?? []).length);
    if (reusable >= 0) {
      const [slice] = out.delete.splice(reusable, 1);
      const s = slice as any;
      if ((s.endpoints ?? []).length || !jsonEqual(slice!.metadata.labels ?? {}, labels)) {
        out.update.push({ ...slice!, metadata: { ...slice!.metadata, labels }, endpoints: [] } as KubeObject);
      }
    } else {
      out.create.push(newSlice(svc, 'IPv4', [], []));
    }
  }
  return out;
}
