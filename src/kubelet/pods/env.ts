// A container's environment as upstream's kubelet builds it (pure): service variables for the
// namespace (docker-links style), then envFrom, then env with $(VAR) expansion, valueFrom
// configMapKeyRef / secretKeyRef / fieldRef / resourceFieldRef, optional references; and
// $(VAR) expansion of command and args. The caller fetches the referenced objects first.
import { parseQuantity } from '../../api/quantity.js';
import type { Obj, Pod } from './types.js';

export interface EnvSources {
  /** name → ConfigMap, or null when it does not exist. */
  configMaps: Map<string, Obj | null>;
  secrets: Map<string, Obj | null>;
  /** Services of the pod's namespace, and the default namespace's "kubernetes" service. */
  services: Obj[];
  podIP?: string;
  podIPs?: string[];
  hostIP?: string;
  /** Node allocatable, for resourceFieldRef on containers without a limit. */
  nodeAllocatable: Record<string, string>;
}

export type EnvResult = { env: { key: string; value: string }[] } | { error: string };

/** Names of the ConfigMaps and Secrets container's env refers to (to fetch before buildEnv). */
export function referencedObjects(container: Obj): { configMaps: Set<string>; secrets: Set<string> } {
  const configMaps = new Set<string>();
  const secrets = new Set<string>();
  for (const f of (container.envFrom as Obj[] | undefined) ?? []) {
    if (f.configMapRef?.name) configMaps.add(f.configMapRef.name);
    if (f.secretRef?.name) secrets.add(f.secretRef.name);
  }
  for (const e of (container.env as Obj[] | undefined) ?? []) {
    if (e.valueFrom?.configMapKeyRef?.name) configMaps.add(e.valueFrom.configMapKeyRef.name);
    if (e.valueFrom?.secretKeyRef?.name) secrets.add(e.valueFrom.secretKeyRef.name);
  }
  return { configMaps, secrets };
}

export function buildEnv(pod: Pod, container: Obj, src: EnvSources): EnvResult {
  const ns = pod.metadata.namespace ?? 'default';
  const serviceVars = serviceEnv(src.services, ns, pod.spec.enableServiceLinks !== false);
  const vars = new Map<string, string>();
  const lookup = (name: string): string | undefined => vars.get(name) ?? serviceVars.get(name);

  for (const f of (container.envFrom as Obj[] | undefined) ?? []) {
    const prefix: string = f.prefix ?? '';
    if (f.configMapRef) {
      const cm = src.configMaps.get(f.configMapRef.name);
      if (!cm) {
        if (f.configMapRef.optional === true) continue;
        return { error: `configmap "${f.configMapRef.name}" not found` };
      }
      for (const [k, v] of Object.entries((cm.data as Record<string, string> | undefined) ?? {})) if (!k.includes('=')) vars.set(prefix + k, v);
    } else if (f.secretRef) {
      const s = src.secrets.get(f.secretRef.name);
      if (!s) {
        if (f.secretRef.optional === true) continue;
        return { error: `secret "${f.secretRef.name}" not found` };
      }
      for (const [k, v] of Object.entries((s.data as Record<string, string> | undefined) ?? {})) if (!k.includes('=')) vars.set(prefix + k, decodeSecret(v));
    }
  }

  for (const e of (container.env as Obj[] | undefined) ?? []) {
    const name: string = e.name;
    if (e.valueFrom) {
      const r = valueFrom(pod, container, e.valueFrom, src, ns);
      if (typeof r === 'object') return r;
      if (r === undefined) continue; // optional reference that is missing: the variable is not set
      vars.set(name, r);
    } else vars.set(name, expandVars(e.value ?? '', lookup));
  }

  for (const [k, v] of serviceVars) if (!vars.has(k)) vars.set(k, v);
  const env: { key: string; value: string }[] = [];
  for (const [key, value] of vars) env.push({ key, value });
  return { env };
}

function valueFrom(pod: Pod, container: Obj, vf: Obj, src: EnvSources, ns: string): string | undefined | { error: string } {
  if (vf.configMapKeyRef) {
    const ref = vf.configMapKeyRef;
    const cm = src.configMaps.get(ref.name);
    if (!cm) return ref.optional === true ? undefined : { error: `configmap "${ref.name}" not found` };
    const v = (cm.data as Record<string, string> | undefined)?.[ref.key];
    if (v === undefined) return ref.optional === true ? undefined : { error: `couldn't find key ${ref.key} in ConfigMap ${ns}/${ref.name}` };
    return v;
  }
  if (vf.secretKeyRef) {
    const ref = vf.secretKeyRef;
    const s = src.secrets.get(ref.name);
    if (!s) return ref.optional === true ? undefined : { error: `secret "${ref.name}" not found` };
    const v = (s.data as Record<string, string> | undefined)?.[ref.key];
    if (v === undefined) return ref.optional === true ? undefined : { error: `couldn't find key ${ref.key} in Secret ${ns}/${ref.name}` };
    return decodeSecret(v);
  }
  if (vf.fieldRef) return fieldRefValue(pod, vf.fieldRef.fieldPath, src) ?? { error: `unsupported fieldPath: ${vf.fieldRef.fieldPath}` };
  if (vf.resourceFieldRef) return resourceFieldValue(pod, container, vf.resourceFieldRef, src.nodeAllocatable);
  return '';
}

/** The downward API value of fieldPath for pod; undefined for unsupported paths. */
export function fieldRefValue(pod: Pod, fieldPath: string, src: Pick<EnvSources, 'podIP' | 'podIPs' | 'hostIP'>): string | undefined {
  const m = /^metadata\.(labels|annotations)\['(.*)'\]$/.exec(fieldPath);
  if (m) return (pod.metadata[m[1] as 'labels' | 'annotations'] ?? {})[m[2]!] ?? '';
  switch (fieldPath) {
    case 'metadata.name': return pod.metadata.name ?? '';
    case 'metadata.namespace': return pod.metadata.namespace ?? '';
    case 'metadata.uid': return pod.metadata.uid ?? '';
    case 'metadata.labels': return formatMap(pod.metadata.labels);
    case 'metadata.annotations': return formatMap(pod.metadata.annotations);
    case 'spec.nodeName': return pod.spec.nodeName ?? '';
    case 'spec.serviceAccountName': return pod.spec.serviceAccountName ?? '';
    case 'status.hostIP': return src.hostIP ?? '';
    case 'status.hostIPs': return src.hostIP ?? '';
    case 'status.podIP': return src.podIP ?? '';
    case 'status.podIPs': return (src.podIPs ?? (src.podIP ? [src.podIP] : [])).join(',');
    default: return undefined;
  }
}

function formatMap(m: Record<string, string> | undefined): string {
  return Object.keys(m ?? {}).sort().map((k) => `${k}="${m![k]}"`).join('\n');
}

/** resourceFieldRef: the container's limit (node allocatable when unset) or request, over the divisor, rounded up. */
export function resourceFieldValue(pod: Pod, container: Obj, ref: Obj, nodeAllocatable: Record<string, string>): string | { error: string } {
  const target: Obj = ref.containerName ? ([...(pod.spec.containers ?? []), ...(pod.spec.initContainers ?? [])] as Obj[]).find((c) => c.name === ref.containerName) ?? container : container;
  const [kind, resource] = String(ref.resource).split(/\.(.*)/s) as [string, string];
  if ((kind !== 'limits' && kind !== 'requests') || !resource) return { error: `unsupported resource: ${ref.resource}` };
  let q = target.resources?.[kind]?.[resource];
  if (q === undefined && kind === 'limits') q = nodeAllocatable[resource];
  if (q === undefined && kind === 'requests') q = resource === 'cpu' || resource === 'memory' ? '0' : undefined;
  const value = parseQuantity(q ?? '0')?.nano ?? 0n;
  const divisor = parseQuantity(ref.divisor ?? '1')?.nano ?? 1_000_000_000n;
  if (divisor === 0n) return { error: 'divisor is zero' };
  const out = (value + divisor - 1n) / divisor;
  // A CPU limit or request of less than a core still reports at least 1 (upstream rounds up).
  return String(resource === 'cpu' && out === 0n && value > 0n ? 1n : out);
}

/** Service environment variables as upstream: only services with a cluster IP. */
export function serviceEnv(services: Obj[], namespace: string, enableServiceLinks: boolean): Map<string, string> {
  const out = new Map<string, string>();
  const chosen = new Map<string, Obj>();
  for (const s of services) {
    const ip: string | undefined = s.spec?.clusterIP;
    if (!ip || ip === 'None') continue;
    const ns = s.metadata?.namespace;
    if (ns === namespace && enableServiceLinks) chosen.set(s.metadata.name, s);
    // The API server's own service is visible everywhere, links or not.
    else if (ns === 'default' && s.metadata?.name === 'kubernetes' && !chosen.has('kubernetes')) chosen.set('kubernetes', s);
  }
  for (const [name, s] of [...chosen].sort(([a], [b]) => a.localeCompare(b))) {
    const n = name.toUpperCase().replace(/-/g, '_');
    const ip: string = s.spec.clusterIP;
    const ports: Obj[] = s.spec.ports ?? [];
    if (!ports.length) continue;
    out.set(`${n}_SERVICE_HOST`, ip);
    out.set(`${n}_SERVICE_PORT`, String(ports[0]!.port));
    for (const p of ports) if (p.name) out.set(`${n}_SERVICE_PORT_${String(p.name).toUpperCase().replace(/-/g, '_')}`, String(p.port));
    const first = ports[0]!;
    const proto0 = String(first.protocol ?? 'TCP').toLowerCase();
    out.set(`${n}_PORT`, `${proto0}://${ip}:${first.port}`);
    for (const p of ports) {
      const proto = String(p.protocol ?? 'TCP');
      const prefix = `${n}_PORT_${p.port}_${proto.toUpperCase()}`;
      out.set(prefix, `${proto.toLowerCase()}://${ip}:${p.port}`);
      out.set(`${prefix}_PROTO`, proto.toLowerCase());
      out.set(`${prefix}_PORT`, String(p.port));
      out.set(`${prefix}_ADDR`, ip);
    }
  }
  return out;
}

/**
 * Upstream's $(VAR) expansion: a defined variable is replaced, an undefined one is left as
 * written, "$$" escapes a "$", anything else is kept.
 */
export function expandVars(input: string, lookup: (name: string) => string | undefined): string {
  if (!input.includes('$')) return input;
  let out = '';
  for (let i = 0; i < input.length; i++) {
    const ch = input[i];
    if (ch !== '$' || i + 1 >= input.length) {
      out += ch;
      continue;
    }
    const next = input[i + 1];
    if (next === '$') {
      out += '$';
      i++;
    } else if (next === '(') {
      const end = input.indexOf(')', i + 2);
      if (end < 0) {
        out += input.slice(i);
        break;
      }
      const name = input.slice(i + 2, end);
      const v = name ? lookup(name) : undefined;
      out += v ?? `$(${name})`;
      i = end;
    } else out += ch;
  }
  return out;
}

/** command and args with $(VAR) replaced from the container's final environment. */
export function expandCommand(container: Obj, env: { key: string; value: string }[]): { command: string[]; args: string[] } {
  const m = new Map(env.map((e) => [e.key, e.value]));
  const lookup = (n: string): string | undefined => m.get(n);
  return {
    command: ((container.command as string[] | undefined) ?? []).map((s) => expandVars(s, lookup)),
    args: ((container.args as string[] | undefined) ?? []).map((s) => expandVars(s, lookup)),
  };
}

function decodeSecret(v: string): string {
  return Buffer.from(v, 'base64').toString('utf8');
}
