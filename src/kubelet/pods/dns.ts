// The resolv.conf a pod's sandbox gets (CRI ResolvConf), by dnsPolicy as upstream: ClusterFirst
// (cluster DNS, namespace search path, ndots:5), Default (the host's resolv.conf), None (only
// spec.dnsConfig), ClusterFirstWithHostNet; spec.dnsConfig is merged on top. Pure.
import type { Pod } from './types.js';

/** A resolv.conf's content (CRI ResolvConf with every list present). */
export interface ResolvConf { servers: string[]; searches: string[]; options: string[] }

export interface DnsSettings {
  clusterDNS: string[];
  clusterDomain: string;
  /** Parsed host resolv.conf (for Default, and ClusterFirst on hostNetwork). */
  host: ResolvConf;
}

const MAX_SEARCHES = 32;

export function podDNSConfig(pod: Pod, s: DnsSettings): ResolvConf {
  const policy: string = pod.spec.dnsPolicy ?? 'ClusterFirst';
  const hostNetwork = pod.spec.hostNetwork === true;
  let base: ResolvConf;
  const useCluster = s.clusterDNS.length > 0 && (policy === 'ClusterFirstWithHostNet' || (policy === 'ClusterFirst' && !hostNetwork));
  if (policy === 'None') base = { servers: [], searches: [], options: [] };
  else if (useCluster) {
    const ns = pod.metadata.namespace ?? 'default';
    const d = s.clusterDomain;
    base = { servers: [...s.clusterDNS], searches: [`${ns}.svc.${d}`, `svc.${d}`, d, ...s.host.searches], options: ['ndots:5'] };
  } else base = { servers: [...s.host.servers], searches: [...s.host.searches], options: [...s.host.options] };
  const extra = pod.spec.dnsConfig as { nameservers?: string[]; searches?: string[]; options?: { name: string; value?: string }[] } | undefined;
  if (extra) {
    base.servers = dedupe([...base.servers, ...(extra.nameservers ?? [])]);
    base.searches = dedupe([...base.searches, ...(extra.searches ?? [])]);
    base.options = mergeOptions(base.options, extra.options ?? []);
  }
  base.searches = base.searches.slice(0, MAX_SEARCHES);
  return base;
}

/** Parses resolv.conf text into servers, searches and options. */
export function parseResolvConf(text: string): ResolvConf {
  const out: ResolvConf = { servers: [], searches: [], options: [] };
  for (const raw of text.split('\n')) {
    const line = raw.replace(/[#;].*$/, '').trim();
    if (!line) continue;
    const [key, ...rest] = line.split(/\s+/);
    if (key === 'nameserver' && rest[0]) out.servers.push(rest[0]);
    else if (key === 'search') out.searches = rest;
    else if (key === 'domain' && rest[0]) out.searches = [rest[0]];
    else if (key === 'options') out.options.push(...rest);
  }
  return out;
}

function dedupe(xs: string[]): string[] {
  return [...new Set(xs)];
}

/** Options by name; a later one with the same name replaces the earlier (as upstream). */
function mergeOptions(base: string[], extra: { name: string; value?: string }[]): string[] {
  const byName = new Map<string, string>();
  for (const o of base) byName.set(o.split(':')[0]!, o);
  for (const o of extra) byName.set(o.name, o.value !== undefined && o.value !== '' ? `${o.name}:${o.value}` : o.name);
  return [...byName.values()];
}
