// ResourceQuota usage (pure), as upstream's quota evaluators count it: object counts per
// resource (`pods`, `services`, `count/deployments.apps`, ...), compute resources of pods that
// are not terminal (requests.cpu, limits.memory, ...; init containers by the max rule), storage
// requested by claims, and NodePort/LoadBalancer service counts. Scopes narrow pod accounting.
import type { KubeObject } from '../../api/object.js';
import { add, canonical, formatQuantity, fromCount, max, parseQuantity, zero, type Quantity } from '../../api/quantity.js';

/** Legacy count names and the resource (plural.group) they count. */
export const LEGACY_COUNTS: Record<string, string> = {
  pods: 'pods',
  services: 'services',
  configmaps: 'configmaps',
  secrets: 'secrets',
  persistentvolumeclaims: 'persistentvolumeclaims',
  replicationcontrollers: 'replicationcontrollers',
  resourcequotas: 'resourcequotas',
};

/** The resource (plural, or plural.group) an object-count quota key counts, if it is one. */
export function countedResource(key: string): string | undefined {
  if (key.startsWith('count/')) return key.slice(6);
  return LEGACY_COUNTS[key];
}

export function isTerminalPod(pod: KubeObject, nowMs: number): boolean {
  const phase = (pod as any).status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return true;
  const m = pod.metadata;
  if (m.deletionTimestamp && m.deletionGracePeriodSeconds !== undefined) {
    return nowMs > Date.parse(m.deletionTimestamp) + m.deletionGracePeriodSeconds * 1000;
  }
  return false;
}

type ResourceList = Record<string, Quantity>;

function containerResources(c: any, kind: 'requests' | 'limits'): ResourceList {
  const out: ResourceList = {};
  const src = c.resources?.[kind] ?? {};
  // An unset request defaults to the limit, as API defaulting does.
  const fallback = kind === 'requests' ? c.resources?.limits ?? {} : {};
  for (const name of new Set([...Object.keys(src), ...Object.keys(fallback)])) {
    const q = parseQuantity(src[name] ?? fallback[name]);
    if (q) out[name] = q;
  }
  return out;
}

/** Effective pod requests or limits: max(sum of containers, each init container) plus overhead. */
export function podResources(pod: KubeObject, kind: 'requests' | 'limits'): ResourceList {
  const spec = (pod as any).spec ?? {};
  const sum: ResourceList = {};
  for (const c of spec.containers ?? []) {
    for (const [n, q] of Object.entries(containerResources(c, kind))) sum[n] = add(sum[n] ?? zero(q.format), q);
  }
  for (const c of spec.initContainers ?? []) {
    for (const [n, q] of Object.entries(containerResources(c, kind))) sum[n] = sum[n] ? max(sum[n]!, q) : q;
  }
  for (const [n, v] of Object.entries(spec.overhead ?? {})) {
    const q = parseQuantity(v);
    if (q) sum[n] = add(sum[n] ?? zero(q.format), q);
  }
  return sum;
}

function isBestEffort(pod: KubeObject): boolean {
  const spec = (pod as any).spec ?? {};
  for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) {
    if (Object.keys(c.resources?.requests ?? {}).length || Object.keys(c.resources?.limits ?? {}).length) return false;
  }
  return true;
}

/** Whether a pod falls under every scope of the quota (spec.scopes). */
export function podMatchesScopes(pod: KubeObject, scopes: readonly string[]): boolean {
  const terminating = (pod as any).spec?.activeDeadlineSeconds != null;
  for (const s of scopes) {
    if (s === 'Terminating' && !terminating) return false;
    if (s === 'NotTerminating' && terminating) return false;
    if (s === 'BestEffort' && !isBestEffort(pod)) return false;
    if (s === 'NotBestEffort' && isBestEffort(pod)) return false;
  }
  return true;
}

/** Objects of one resource in the quota's namespace, by "plural" or "plural.group". */
export type ObjectsOf = (resource: string) => readonly KubeObject[] | undefined;

/**
 * status.used for each key of hard that can be computed (keys it cannot compute are left out),
 * in canonical string form.
 */
export function computeUsed(hard: Record<string, unknown>, scopes: readonly string[], objectsOf: ObjectsOf, nowMs: number): Record<string, string> {
  const used: Record<string, string> = {};
  let podsCache: KubeObject[] | undefined;
  const pods = () => (podsCache ??= (objectsOf('pods') ?? []).filter((p) => !isTerminalPod(p, nowMs) && podMatchesScopes(p, scopes)));
  for (const key of Object.keys(hard)) {
    const counted = countedResource(key);
    if (counted === 'pods') {
      used[key] = String(pods().length);
      continue;
    }
    if (counted) {
      const objs = objectsOf(counted);
      if (objs) used[key] = String(objs.length);
      continue;
    }
    const compute = /^(requests\.|limits\.)?(cpu|memory|ephemeral-storage|hugepages-.+)$/.exec(key);
    if (compute) {
      const kind = compute[1] === 'limits.' ? 'limits' : 'requests';
      let total: Quantity = zero();
      for (const p of pods()) {
        const q = podResources(p, kind)[compute[2]!];
        if (q) total = add(total, q);
      }
      used[key] = formatQuantity(total);
      continue;
    }
    if (key === 'requests.storage' || key.endsWith('.storageclass.storage.k8s.io/requests.storage') || key.endsWith('.storageclass.storage.k8s.io/persistentvolumeclaims')) {
      const claims = objectsOf('persistentvolumeclaims');
      if (!claims) continue;
      const cls = key.includes('.storageclass.') ? key.slice(0, key.indexOf('.storageclass.')) : undefined;
      const mine = cls === undefined ? claims : claims.filter((c) => (c as any).spec?.storageClassName === cls);
      if (key.endsWith('persistentvolumeclaims')) {
        used[key] = String(mine.length);
        continue;
      }
      let total: Quantity = zero();
      for (const c of mine) {
        const q = parseQuantity((c as any).spec?.resources?.requests?.storage);
        if (q) total = add(total, q);
      }
      used[key] = formatQuantity(total);
      continue;
    }
    if (key === 'services.nodeports' || key === 'services.loadbalancers') {
      const svcs = objectsOf('services');
      if (!svcs) continue;
      let n = 0;
      for (const s of svcs) {
        const spec = (s as any).spec ?? {};
        if (key === 'services.loadbalancers') n += spec.type === 'LoadBalancer' ? 1 : 0;
        else if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') n += (spec.ports ?? []).filter((p: any) => p.nodePort).length || (spec.ports ?? []).length;
      }
      used[key] = formatQuantity(fromCount(n));
    }
  }
  return used;
}

/** status.hard: spec.hard in canonical form. */
export function canonicalHard(hard: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(hard)) out[k] = canonical(v) ?? String(v);
  return out;
}
