// Rows for Services, Endpoints, EndpointSlices, Ingresses, IngressClasses and NetworkPolicies.
import { AGE, NAME, col, columns } from './columns.js';
import { translateTimestampSince } from './duration.js';
import { formatLabelSelector, formatLabels, listWithMore } from './format.js';
import type { Obj, Printer } from './types.js';

const age = (o: Obj, nowMs: number) => translateTimestampSince(o?.metadata?.creationTimestamp, nowMs);

/** Sorted, de-duplicated ingress points (IP, else hostname) joined with `,`. */
function loadBalancerString(status: Obj): string {
  const ingress = status?.ingress;
  if (!Array.isArray(ingress) || ingress.length === 0) return '';
  const set = new Set<string>();
  for (const i of ingress) {
    if (i?.ip) set.add(i.ip);
    else if (i?.hostname) set.add(i.hostname);
  }
  return [...set].sort().join(',');
}

function serviceExternalIP(svc: Obj): string {
  const spec = svc?.spec ?? {};
  const externalIPs: string[] = Array.isArray(spec.externalIPs) ? spec.externalIPs : [];
  switch (spec.type ?? 'ClusterIP') {
    case 'ClusterIP':
    case 'NodePort':
      return externalIPs.length > 0 ? externalIPs.join(',') : '<none>';
    case 'LoadBalancer': {
      const lb = loadBalancerString(svc?.status?.loadBalancer);
      if (externalIPs.length > 0) return (lb ? lb.split(',').concat(externalIPs) : externalIPs).join(',');
      return lb || '<pending>';
    }
    case 'ExternalName':
      return spec.externalName ?? '';
  }
  return '<unknown>';
}

function servicePorts(ports: Obj): string {
  if (!Array.isArray(ports) || ports.length === 0) return '<none>';
  let out = '';
  for (let i = 0; i < ports.length; i++) {
    const p = ports[i];
    if (i > 0) out += ',';
    const protocol = p?.protocol ?? 'TCP';
    out += p?.nodePort > 0 ? `${p.port}:${p.nodePort}/${protocol}` : `${p?.port}/${protocol}`;
  }
  return out;
}

export const servicePrinter: Printer = {
  columns: columns(
    NAME,
    col('Type', 'string', 'How the service is exposed.'),
    col('Cluster-IP', 'string', 'Virtual IP inside the cluster.'),
    col('External-IP', 'string', 'Addresses reachable from outside the cluster.'),
    col('Port(s)', 'string', 'Service ports, with node ports when allocated.'),
    AGE,
    col('Selector', 'string', 'Labels of the pods that back the service.', 1),
  ),
  cells(o, now) {
    const ips = o?.spec?.clusterIPs;
    return [
      o?.metadata?.name ?? '',
      o?.spec?.type ?? 'ClusterIP',
      Array.isArray(ips) && ips.length > 0 ? ips[0] : '<none>',
      serviceExternalIP(o),
      servicePorts(o?.spec?.ports),
      age(o, now),
      formatLabels(o?.spec?.selector),
    ];
  },
};

function joinHostPort(ip: string, port: unknown): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** First three `ip:port` pairs across all subsets, then ` + N more...`. */
function formatEndpoints(subsets: Obj): string {
  if (!Array.isArray(subsets) || subsets.length === 0) return '<none>';
  const max = 3;
  const list: string[] = [];
  let more = false;
  let total = 0;
  for (const ss of subsets) {
    const addrs: Obj[] = Array.isArray(ss?.addresses) ? ss.addresses : [];
    const ports: Obj[] = Array.isArray(ss?.ports) ? ss.ports : [];
    if (ports.length === 0) {
      // Headless services may have no ports.
      total += addrs.length;
      for (const a of addrs) {
        if (list.length === max) {
          more = true;
          break;
        }
        list.push(a?.ip ?? '');
      }
      continue;
    }
    for (const p of ports) {
      total += addrs.length;
      for (const a of addrs) {
        if (list.length === max) {
          more = true;
          break;
        }
        list.push(joinHostPort(a?.ip ?? '', p?.port ?? 0));
      }
    }
  }
  const joined = list.join(',');
  return more ? `${joined} + ${total - max} more...` : joined;
}

export const endpointsPrinter: Printer = {
  columns: columns(NAME, col('Endpoints', 'string', 'Ready addresses and ports behind the service.'), AGE),
  cells(o, now) {
    return [o?.metadata?.name ?? '', formatEndpoints(o?.subsets), age(o, now)];
  },
};

export const endpointSlicePrinter: Printer = {
  columns: columns(
    NAME,
    col('AddressType', 'string', 'Address family of the endpoints.'),
    col('Ports', 'string', 'Ports exposed by the endpoints.'),
    col('Endpoints', 'string', 'Endpoint addresses.'),
    AGE,
  ),
  cells(o, now) {
    const max = 3;
    const ports: string[] = [];
    const portList: Obj[] = Array.isArray(o?.ports) ? o.ports : [];
    for (const p of portList) {
      if (ports.length >= max) break;
      ports.push(typeof p?.port === 'number' ? String(p.port) : typeof p?.name === 'string' ? p.name : '*');
    }
    const addrs: string[] = [];
    let addrTotal = 0;
    for (const e of Array.isArray(o?.endpoints) ? o.endpoints : []) {
      for (const a of Array.isArray(e?.addresses) ? e.addresses : []) {
        if (addrs.length < max) addrs.push(a);
        addrTotal++;
      }
    }
    return [
      o?.metadata?.name ?? '',
      o?.addressType ?? '',
      listWithMore(ports, portList.length, max),
      listWithMore(addrs, addrTotal, max),
      age(o, now),
    ];
  },
};

/** First three rule hosts, `*` when none, ` + N more...` counting rules beyond the third. */
function formatHosts(rules: Obj): string {
  if (!Array.isArray(rules)) return '*';
  const max = 3;
  const list: string[] = [];
  let more = false;
  for (const r of rules) {
    if (list.length === max) more = true;
    if (!more && r?.host) list.push(r.host);
  }
  if (list.length === 0) return '*';
  const joined = list.join(',');
  return more ? `${joined} + ${rules.length - max} more...` : joined;
}

export const ingressPrinter: Printer = {
  columns: columns(
    NAME,
    col('Class', 'string', 'IngressClass that handles this ingress.'),
    col('Hosts', 'string', 'Host names the rules match.'),
    col('Address', 'string', 'Addresses of the load balancer serving the ingress.'),
    col('Ports', 'string', 'Ports the ingress listens on.'),
    AGE,
  ),
  cells(o, now) {
    const tls = o?.spec?.tls;
    return [
      o?.metadata?.name ?? '',
      typeof o?.spec?.ingressClassName === 'string' ? o.spec.ingressClassName : '<none>',
      formatHosts(o?.spec?.rules),
      loadBalancerString(o?.status?.loadBalancer),
      Array.isArray(tls) && tls.length > 0 ? '80, 443' : '80',
      age(o, now),
    ];
  },
};

export const ingressClassPrinter: Printer = {
  columns: columns(
    NAME,
    col('Controller', 'string', 'Controller that implements this class.'),
    col('Parameters', 'string', 'Object holding extra configuration for the controller.'),
    AGE,
  ),
  cells(o, now) {
    const p = o?.spec?.parameters;
    let params = '<none>';
    if (p) params = (p.apiGroup ? `${p.kind}.${p.apiGroup}` : `${p.kind ?? ''}`) + '/' + (p.name ?? '');
    return [o?.metadata?.name ?? '', o?.spec?.controller ?? '', params, age(o, now)];
  },
};

export const networkPolicyPrinter: Printer = {
  columns: columns(NAME, col('Pod-Selector', 'string', 'Pods the policy applies to.'), AGE),
  cells(o, now) {
    return [o?.metadata?.name ?? '', formatLabelSelector(o?.spec?.podSelector ?? {}), age(o, now)];
  },
};
