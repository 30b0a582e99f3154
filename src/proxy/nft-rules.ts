// The nftables program of the service proxy, as text for `nft -f -`. Everything here is a pure
// function of (services, endpoint slices, node facts): the table's fixed skeleton (hooks, verdict
// maps, masquerading, reject), each Service's own chains, affinity sets and map elements, a full
// program that recreates the table atomically, and the smallest update that turns one Service's
// previous rules into its new ones. Layout and names follow upstream's nftables kube-proxy.
import { createHash } from 'node:crypto';
import {
  endpointsOf,
  servicePortsOf,
  usableEndpoints,
  type EndpointModel,
  type EndpointSliceLike,
  type ServiceLike,
  type ServicePortModel,
} from './service-model.js';

export interface ProxyNodeInfo {
  nodeName: string;
  /** the cluster's pod range; traffic from outside it to a ClusterIP is masqueraded */
  clusterCIDR?: string;
}

/** The packet mark bit that asks the postrouting chain to masquerade (upstream's 0x4000). */
export const MASQUERADE_MARK = 0x4000;

export const MAP_SERVICE_IPS = 'service-ips';
export const MAP_SERVICE_NODEPORTS = 'service-nodeports';
export const MAP_NO_ENDPOINT_SERVICES = 'no-endpoint-services';
export const MAP_NO_ENDPOINT_NODEPORTS = 'no-endpoint-nodeports';
export const CHAIN_REJECT = 'reject-chain';
export const CHAIN_MARK_MASQ = 'mark-for-masquerade';

const IP_PORT_KEY = 'ipv4_addr . inet_proto . inet_service';
const PORT_KEY = 'inet_proto . inet_service';

/** One element of a verdict map. */
export interface MapElement {
  map: string;
  key: string;
  verdict: string;
}

/** Everything one Service contributes to the table. Chain bodies are rule lines in order. */
export interface ServiceRules {
  chains: Map<string, string[]>;
  /** affinity set name -> set specification (the part inside braces) */
  sets: Map<string, string>;
  /** "map key" -> element */
  elements: Map<string, MapElement>;
}

export function emptyServiceRules(): ServiceRules {
  return { chains: new Map(), sets: new Map(), elements: new Map() };
}

/** The table's name for an agent whose pods live on `bridge`, unique per agent on a machine. */
export function proxyTableName(bridge = 'cni0'): string {
  return bridge === 'cni0' ? 'k8ts-proxy' : `k8ts-proxy-${bridge}`;
}

const hashCache = new Map<string, string>();

/** A short stable hash that keeps names unique whatever the readable part looks like. */
function shortHash(s: string): string {
  let h = hashCache.get(s);
  if (!h) {
    h = createHash('sha256').update(s).digest('hex').slice(0, 8);
    if (hashCache.size > 200_000) hashCache.clear();
    hashCache.set(s, h);
  }
  return h;
}

export function serviceChainName(sp: ServicePortModel): string {
  return `svc-${shortHash(sp.id)}-${sp.id}`;
}
export function localChainName(sp: ServicePortModel): string {
  return `local-${shortHash(sp.id)}-${sp.id}`;
}
export function externalChainName(sp: ServicePortModel): string {
  return `ext-${shortHash(sp.id)}-${sp.id}`;
}
export function endpointChainName(sp: ServicePortModel, ep: EndpointModel): string {
  const suffix = `${sp.id}__${ep.ip}/${ep.port}`;
  return `ep-${shortHash(suffix)}-${suffix}`;
}
/** The timeout is part of the name, so a changed timeout is a new set rather than an edit. */
export function affinitySetName(sp: ServicePortModel, ep: EndpointModel): string {
  const suffix = `${sp.id}__${ep.ip}/${ep.port}`;
  return `aff-${shortHash(`${suffix}@${sp.affinitySeconds}`)}-${suffix}`;
}

function addElement(out: ServiceRules, map: string, key: string, verdict: string): void {
  out.elements.set(`${map} ${key}`, { map, key, verdict });
}

/** Rules that pick one endpoint: sticky clients first, then a uniform random choice. */
function balanceRules(sp: ServicePortModel, eps: readonly EndpointModel[]): string[] {
  const rules: string[] = [];
  if (sp.affinitySeconds !== undefined) {
    for (const ep of eps) rules.push(`ip saddr @${affinitySetName(sp, ep)} goto ${endpointChainName(sp, ep)}`);
  }
  if (eps.length === 1) rules.push(`goto ${endpointChainName(sp, eps[0]!)}`);
  else rules.push(`numgen random mod ${eps.length} vmap { ${eps.map((ep, i) => `${i} : goto ${endpointChainName(sp, ep)}`).join(', ')} }`);
  return rules;
}

/** Adds one service port's chains, sets and map elements to out. */
export function addServicePortRules(out: ServiceRules, sp: ServicePortModel, all: readonly EndpointModel[], node: ProxyNodeInfo): void {
  const { cluster, local } = usableEndpoints(all);
  const proto = sp.protocol;
  const svcChain = serviceChainName(sp);
  const localChain = localChainName(sp);
  const extChain = externalChainName(sp);
  const externalAddrs = [...sp.externalIPs, ...sp.loadBalancerIPs];
  const externallyAccessible = sp.nodePort !== undefined || externalAddrs.length > 0;
  const usesLocal = local.length > 0 && (sp.internalPolicyLocal || sp.externalPolicyLocal);

  const used = new Map<string, EndpointModel>();
  for (const ep of cluster) used.set(endpointChainName(sp, ep), ep);
  if (usesLocal) for (const ep of local) used.set(endpointChainName(sp, ep), ep);
  for (const [name, ep] of used) {
    const rules = [`ip saddr ${ep.ip} jump ${CHAIN_MARK_MASQ}`];
    if (sp.affinitySeconds !== undefined) {
      const set = affinitySetName(sp, ep);
      out.sets.set(set, `type ipv4_addr; flags dynamic,timeout; timeout ${sp.affinitySeconds}s;`);
      rules.push(`update @${set} { ip saddr }`);
    }
    rules.push(`meta l4proto ${proto} dnat to ${ep.ip}:${ep.port}`);
    out.chains.set(name, rules);
  }

  if (cluster.length) {
    const rules: string[] = [];
    // Clients outside the pod range (the host, other machines) would get replies straight from
    // the pod, bypassing the reverse NAT; masquerading sends them back through this node.
    if (node.clusterCIDR) for (const ip of sp.clusterIPs) rules.push(`ip daddr ${ip} ip saddr != ${node.clusterCIDR} jump ${CHAIN_MARK_MASQ}`);
    rules.push(...balanceRules(sp, cluster));
    out.chains.set(svcChain, rules);
  }
  if (usesLocal) out.chains.set(localChain, balanceRules(sp, local));
  if (externallyAccessible && cluster.length) {
    const rules: string[] = [];
    if (sp.externalPolicyLocal) {
      // Pods and the node itself are not "external": they use every endpoint, as upstream.
      if (node.clusterCIDR) rules.push(`ip saddr ${node.clusterCIDR} goto ${svcChain}`);
      rules.push(`fib saddr type local jump ${CHAIN_MARK_MASQ}`, `fib saddr type local goto ${svcChain}`);
      // No SNAT, so the pod sees the client's address; without local endpoints the node drops.
      rules.push(local.length ? `goto ${localChain}` : 'drop');
    } else {
      rules.push(`jump ${CHAIN_MARK_MASQ}`, `goto ${svcChain}`);
    }
    out.chains.set(extChain, rules);
  }

  const reject = `goto ${CHAIN_REJECT}`;
  for (const ip of sp.clusterIPs) {
    const key = `${ip} . ${proto} . ${sp.port}`;
    if (!cluster.length) addElement(out, MAP_NO_ENDPOINT_SERVICES, key, reject);
    else if (sp.internalPolicyLocal) addElement(out, MAP_SERVICE_IPS, key, local.length ? `goto ${localChain}` : 'drop');
    else addElement(out, MAP_SERVICE_IPS, key, `goto ${svcChain}`);
  }
  for (const ip of externalAddrs) {
    const key = `${ip} . ${proto} . ${sp.port}`;
    if (cluster.length) addElement(out, MAP_SERVICE_IPS, key, `goto ${extChain}`);
    else addElement(out, MAP_NO_ENDPOINT_SERVICES, key, reject);
  }
  if (sp.nodePort !== undefined) {
    const key = `${proto} . ${sp.nodePort}`;
    if (cluster.length) addElement(out, MAP_SERVICE_NODEPORTS, key, `goto ${extChain}`);
    else addElement(out, MAP_NO_ENDPOINT_NODEPORTS, key, reject);
  }
}

/** Everything one Service contributes, from the Service and the slices labelled with its name. */
export function serviceRulesFor(svc: ServiceLike, slices: readonly EndpointSliceLike[], node: ProxyNodeInfo): ServiceRules {
  const out = emptyServiceRules();
  for (const sp of servicePortsOf(svc)) addServicePortRules(out, sp, endpointsOf(sp, slices, node.nodeName), node);
  return out;
}

/** The fixed part of the table: hooks, verdict maps, masquerading and reject. */
export function skeletonCommands(table: string): string[] {
  const t = `ip ${table}`;
  const cmds = [
    `add table ${t}`,
    `add chain ${t} nat-prerouting { type nat hook prerouting priority dstnat; policy accept; }`,
    `add chain ${t} nat-output { type nat hook output priority -100; policy accept; }`,
    `add chain ${t} nat-postrouting { type nat hook postrouting priority srcnat; policy accept; }`,
    // nft 1.0.6 knows the name dstnat (-100) only for prerouting.
    // Before DNAT, so traffic to a Service without endpoints is refused instead of timing out.
    `add chain ${t} filter-prerouting { type filter hook prerouting priority dstnat - 10; policy accept; }`,
    `add chain ${t} filter-output { type filter hook output priority -110; policy accept; }`,
    `add chain ${t} services`,
    `add chain ${t} endpoints-check`,
    `add chain ${t} ${CHAIN_MARK_MASQ}`,
    `add chain ${t} masquerading`,
    `add chain ${t} ${CHAIN_REJECT}`,
    `add map ${t} ${MAP_SERVICE_IPS} { type ${IP_PORT_KEY} : verdict; }`,
    `add map ${t} ${MAP_SERVICE_NODEPORTS} { type ${PORT_KEY} : verdict; }`,
    `add map ${t} ${MAP_NO_ENDPOINT_SERVICES} { type ${IP_PORT_KEY} : verdict; }`,
    `add map ${t} ${MAP_NO_ENDPOINT_NODEPORTS} { type ${PORT_KEY} : verdict; }`,
    `add rule ${t} nat-prerouting jump services`,
    `add rule ${t} nat-output jump services`,
    `add rule ${t} nat-postrouting jump masquerading`,
    // route_localnet (needed for NodePorts on 127.0.0.1) would otherwise let other machines
    // reach the node's loopback services (CVE-2020-8558).
    `add rule ${t} filter-prerouting iifname != "lo" ip daddr 127.0.0.0/8 drop`,
    `add rule ${t} filter-prerouting ct state new jump endpoints-check`,
    `add rule ${t} filter-output ct state new jump endpoints-check`,
    `add rule ${t} endpoints-check ip daddr . meta l4proto . th dport vmap @${MAP_NO_ENDPOINT_SERVICES}`,
    `add rule ${t} endpoints-check fib daddr type local meta l4proto . th dport vmap @${MAP_NO_ENDPOINT_NODEPORTS}`,
    `add rule ${t} services ip daddr . meta l4proto . th dport vmap @${MAP_SERVICE_IPS}`,
    `add rule ${t} services fib daddr type local meta l4proto . th dport vmap @${MAP_SERVICE_NODEPORTS}`,
    `add rule ${t} ${CHAIN_MARK_MASQ} meta mark set meta mark | ${hex(MASQUERADE_MARK)}`,
    `add rule ${t} masquerading meta mark & ${hex(MASQUERADE_MARK)} == 0 return`,
    // Cleared so a packet forwarded again (hairpin through another table) is not masqueraded twice.
    `add rule ${t} masquerading meta mark set meta mark ^ ${hex(MASQUERADE_MARK)}`,
    `add rule ${t} masquerading masquerade fully-random`,
    `add rule ${t} ${CHAIN_REJECT} meta l4proto tcp reject with tcp reset`,
    `add rule ${t} ${CHAIN_REJECT} reject`,
  ];
  return cmds;
}

function hex(n: number): string {
  return `0x${n.toString(16)}`;
}

const ELEMENTS_PER_COMMAND = 500;

function elementCommands(verb: 'add' | 'delete', table: string, elements: Iterable<MapElement>): string[] {
  const byMap = new Map<string, string[]>();
  for (const e of elements) {
    let list = byMap.get(e.map);
    if (!list) byMap.set(e.map, (list = []));
    list.push(verb === 'add' ? `${e.key} : ${e.verdict}` : e.key);
  }
  const out: string[] = [];
  for (const [map, items] of byMap) {
    for (let i = 0; i < items.length; i += ELEMENTS_PER_COMMAND) {
      out.push(`${verb} element ip ${table} ${map} { ${items.slice(i, i + ELEMENTS_PER_COMMAND).join(', ')} }`);
    }
  }
  return out;
}

/**
 * A program that replaces the whole table in one transaction (the first sync, and recovery
 * after a failed update). A packet key (ip . proto . port) claimed by two Services goes to the first.
 */
export function fullProgram(table: string, services: Iterable<ServiceRules>): string {
  const t = `ip ${table}`;
  // "add" first so "delete" never fails on a fresh machine; both commit together.
  const cmds = [`add table ${t}`, `delete table ${t}`, ...skeletonCommands(table)];
  const rules: string[] = [];
  const elements = new Map<string, MapElement>();
  for (const s of services) {
    for (const [name, spec] of s.sets) cmds.push(`add set ${t} ${name} { ${spec} }`);
    for (const name of s.chains.keys()) cmds.push(`add chain ${t} ${name}`);
    for (const [name, body] of s.chains) for (const r of body) rules.push(`add rule ${t} ${name} ${r}`);
    // Keyed by the packet key: a reject in one map would shadow another Service's entry in the other.
    for (const e of s.elements.values()) if (!elements.has(e.key)) elements.set(e.key, e);
  }
  return [...cmds, ...rules, ...elementCommands('add', table, elements.values())].join('\n') + '\n';
}

/** The commands to delete the table (nothing else is ever touched). */
export function deleteTableProgram(table: string): string {
  return `add table ip ${table}\ndelete table ip ${table}\n`;
}

function sameRules(a: readonly string[] | undefined, b: readonly string[]): boolean {
  if (!a || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A change of one Service's rules; before or after is undefined when it appears or goes away. */
export interface ServiceRulesChange {
  before?: ServiceRules;
  after?: ServiceRules;
}

/**
 * The smallest update for a batch of Service changes, in one transaction ordered so that
 * nothing is referenced before it exists or deleted while referenced: new sets and chains,
 * rewritten chain bodies, map elements, then what went away. Empty when nothing changed.
 */
export function updateProgram(table: string, changes: Iterable<ServiceRulesChange>): string {
  const t = `ip ${table}`;
  const declare: string[] = [];
  const bodies: string[] = [];
  const removeElements: MapElement[] = [];
  const addElements: MapElement[] = [];
  const flushGone: string[] = [];
  const deleteGone: string[] = [];
  const empty = emptyServiceRules();
  for (const c of changes) {
    const before = c.before ?? empty;
    const after = c.after ?? empty;
    for (const [name, spec] of after.sets) if (!before.sets.has(name)) declare.push(`add set ${t} ${name} { ${spec} }`);
    for (const [name, body] of after.chains) {
      const old = before.chains.get(name);
      if (sameRules(old, body)) continue;
      if (old) bodies.push(`flush chain ${t} ${name}`);
      else declare.push(`add chain ${t} ${name}`);
      for (const r of body) bodies.push(`add rule ${t} ${name} ${r}`);
    }
    for (const [k, e] of before.elements) {
      const now = after.elements.get(k);
      if (!now || now.verdict !== e.verdict) removeElements.push(e);
    }
    for (const [k, e] of after.elements) {
      const old = before.elements.get(k);
      if (!old || old.verdict !== e.verdict) addElements.push(e);
    }
    for (const name of before.chains.keys()) {
      if (after.chains.has(name)) continue;
      flushGone.push(`flush chain ${t} ${name}`);
      deleteGone.push(`delete chain ${t} ${name}`);
    }
    for (const name of before.sets.keys()) if (!after.sets.has(name)) deleteGone.push(`delete set ${t} ${name}`);
  }
  // Chains before sets: a set cannot go while a rule still names it.
  deleteGone.sort((a, b) => Number(a.startsWith('delete set')) - Number(b.startsWith('delete set')));
  const cmds = [
    ...declare,
    ...bodies,
    ...elementCommands('delete', table, removeElements),
    ...elementCommands('add', table, addElements),
    ...flushGone,
    ...deleteGone,
  ];
  return cmds.length ? cmds.join('\n') + '\n' : '';
}

/** The whole program for a set of Services and slices: the pure view of what the proxy programs. */
export function programFor(
  table: string,
  services: readonly ServiceLike[],
  slices: readonly EndpointSliceLike[],
  node: ProxyNodeInfo,
): string {
  const byService = new Map<string, EndpointSliceLike[]>();
  for (const s of slices) {
    const name = s.metadata.labels?.['kubernetes.io/service-name'];
    if (!name) continue;
    const key = `${s.metadata.namespace}/${name}`;
    let list = byService.get(key);
    if (!list) byService.set(key, (list = []));
    list.push(s);
  }
  return fullProgram(
    table,
    services.map((svc) => serviceRulesFor(svc, byService.get(`${svc.metadata.namespace}/${svc.metadata.name}`) ?? [], node)),
  );
}
