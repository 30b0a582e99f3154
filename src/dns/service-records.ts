// The DNS records one Service contributes to the cluster zone, computed from the Service and its
// EndpointSlices with the CoreDNS `kubernetes` plugin's rules:
//   <svc>.<ns>.svc.<zone>                A/AAAA: the ClusterIPs, or every ready endpoint when headless
//   <ep>.<svc>.<ns>.svc.<zone>           A/AAAA of one ready endpoint (<ep> = hostname or dashed address)
//   _<port>._<proto>.<svc>.<ns>.svc...   SRV per named port (per endpoint when headless)
//   ExternalName                         CNAME to spec.externalName
// plus PTR entries for ClusterIPs and ready endpoint addresses. Pure.
import { canonicalName, dashedAddress, reverseName } from './names.js';

export interface ServicePort { name?: string; port?: number; protocol?: string }
export interface ServiceObject {
  metadata: { name?: string; namespace?: string };
  spec?: { type?: string; clusterIP?: string; clusterIPs?: string[]; externalName?: string; ports?: ServicePort[] };
}
export interface SliceEndpoint { addresses?: string[]; hostname?: string; conditions?: { ready?: boolean | null } }
export interface EndpointSliceObject {
  metadata: { name?: string; namespace?: string; labels?: Record<string, string> };
  addressType?: string;
  endpoints?: SliceEndpoint[] | null;
  ports?: { name?: string; port?: number; protocol?: string }[] | null;
}

export interface SrvRecord { port: number; target: string; weight: number }
/** Records under one owner name; `srv` targets' addresses are looked up in the index for the additional section. */
export interface RRSet { a: string[]; aaaa: string[]; srv: SrvRecord[]; cname?: string }
export interface ServiceRecords {
  names: Map<string, RRSet>;
  /** [reverse name, target name] */
  ptrs: [string, string][];
}

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

const emptySet = (): RRSet => ({ a: [], aaaa: [], srv: [] });

function setFor(names: Map<string, RRSet>, name: string): RRSet {
  let s = names.get(name);
  if (!s) names.set(name, (s = emptySet()));
  return s;
}

function addAddress(set: RRSet, ip: string): void {
  const list = ip.includes(':') ? set.aaaa : set.a;
  if (!list.includes(ip)) list.push(ip);
}

/** Upstream's SRV weight: the priority's 100 points shared evenly between its records. */
function weigh(srv: SrvRecord[]): void {
  const w = Math.max(1, Math.floor(100 / Math.max(1, srv.length)));
  for (const r of srv) r.weight = w;
}

const portLabel = (name: string, protocol: string | undefined): string => `_${name.toLowerCase()}._${(protocol ?? 'TCP').toLowerCase()}`;

export function serviceRecords(svc: ServiceObject, slices: readonly EndpointSliceObject[], zone: string): ServiceRecords {
  const names = new Map<string, RRSet>();
  const ptrs: [string, string][] = [];
  const spec = svc.spec ?? {};
  const base = `${canonicalName(svc.metadata.name ?? '')}.${canonicalName(svc.metadata.namespace ?? '')}.svc.${zone}`;

  if (spec.type === 'ExternalName') {
    if (spec.externalName) setFor(names, base).cname = canonicalName(spec.externalName);
    return { names, ptrs };
  }

  const headless = spec.clusterIP === 'None';
  if (!headless) {
    const ips = spec.clusterIPs?.length ? spec.clusterIPs : spec.clusterIP ? [spec.clusterIP] : [];
    if (ips.length) {
      const set = setFor(names, base);
      for (const ip of ips) {
        addAddress(set, ip);
        const rev = reverseName(ip);
        if (rev) ptrs.push([rev, base]);
      }
      for (const p of spec.ports ?? []) {
        if (!p.port) continue;
        set.srv.push({ port: p.port, target: base, weight: 0 });
        if (p.name) setFor(names, `${portLabel(p.name, p.protocol)}.${base}`).srv.push({ port: p.port, target: base, weight: 0 });
      }
    }
  }

  // Endpoint names exist for every service (upstream answers <ep>.<svc> for ClusterIP services
  // too); the service name itself lists endpoints only when headless.
  for (const slice of slices) {
    const ports = slice.ports ?? [];
    for (const ep of slice.endpoints ?? []) {
      if (ep.conditions?.ready === false) continue;
      for (const ip of ep.addresses ?? []) {
        const epName = `${ep.hostname ? canonicalName(ep.hostname) : dashedAddress(ip)}.${base}`;
        addAddress(setFor(names, epName), ip);
        const rev = reverseName(ip);
        if (rev) ptrs.push([rev, epName]);
        if (!headless) continue;
        addAddress(setFor(names, base), ip);
        for (const p of ports) {
          if (p.port === undefined || p.port === null) continue;
          const srv = { port: p.port, target: epName, weight: 0 };
          setFor(names, base).srv.push(srv);
          if (p.name) setFor(names, `${portLabel(p.name, p.protocol)}.${base}`).srv.push({ ...srv });
        }
      }
    }
  }
  // As upstream, a headless service without ready endpoints has no records at all (NXDOMAIN).
  for (const set of names.values()) if (set.srv.length) weigh(set.srv);
  return { names, ptrs };
}
