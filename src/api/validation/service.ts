// Service validation (upstream ValidateService / ValidateServiceUpdate). Allocation of
// clusterIPs and nodePorts (range, conflicts) is src/api/alloc's business, not this file's.
import { fieldErrors } from '../errors.js';
import type { KubeObject } from '../object.js';
import { isDNS1035Label, isDNS1123Label, isDNS1123Subdomain, isIP, isValidPortName, isValidPortNum } from './names.js';
import { validateLabels } from './meta.js';
import { arr, type Causes, deepEqual, index, obj, type Obj, str } from './field.js';

export const SERVICE_TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const AFFINITIES = ['ClientIP', 'None'];
const FAMILY_POLICIES = ['PreferDualStack', 'RequireDualStack', 'SingleStack'];
const TRAFFIC_POLICIES = ['Cluster', 'Local'];
const IP_MSG = 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)';

function isHeadless(spec: Obj): boolean {
  const ips = arr(spec.clusterIPs);
  return spec.clusterIP === 'None' || (ips.length > 0 && ips[0] === 'None');
}

/** Service names must be DNS-1035 labels; report only what the generic label rule misses. */
export function validateServiceName(svc: KubeObject): Causes {
  const name = svc.metadata.name;
  if (!name || isDNS1123Label(name).length > 0) return [];
  return isDNS1035Label(name).map((m) => fieldErrors.invalid('metadata.name', name, m));
}

export function validateService(svc: KubeObject): Causes {
  const out: Causes = validateServiceName(svc);
  const spec = obj(svc.spec) ?? {};
  const type = spec.type ?? 'ClusterIP';
  if (!SERVICE_TYPES.includes(str(type) ?? '?')) out.push(fieldErrors.notSupported('spec.type', type, SERVICE_TYPES));
  const ports = arr(spec.ports);
  if (ports.length === 0 && !isHeadless(spec) && type !== 'ExternalName') out.push(fieldErrors.required('spec.ports'));
  const clusterIPs = arr(spec.clusterIPs);
  if (type === 'ExternalName') {
    if (clusterIPs.length > 0 || (spec.clusterIP && spec.clusterIP !== '')) out.push(fieldErrors.forbidden('spec.clusterIPs', 'may not be set for ExternalName services'));
    const en = str(spec.externalName) ?? '';
    const trimmed = en.endsWith('.') ? en.slice(0, -1) : en;
    if (!en) out.push(fieldErrors.required('spec.externalName'));
    else for (const m of isDNS1123Subdomain(trimmed)) out.push(fieldErrors.invalid('spec.externalName', en, m));
  } else {
    clusterIPs.forEach((ip, i) => {
      if (ip === 'None' && i === 0) return;
      if (typeof ip !== 'string' || !isIP(ip)) out.push(fieldErrors.invalid(index('spec.clusterIPs', i), ip, IP_MSG));
    });
    if (clusterIPs.length > 2) out.push(fieldErrors.invalid('spec.clusterIPs', clusterIPs, 'may only hold up to 2 values'));
    if (spec.clusterIP && clusterIPs.length > 0 && spec.clusterIP !== clusterIPs[0]) {
      out.push(fieldErrors.invalid('spec.clusterIPs', clusterIPs, 'first value must match `clusterIP`'));
    }
    if (spec.clusterIP && clusterIPs.length === 0 && spec.clusterIP !== 'None' && !isIP(str(spec.clusterIP) ?? '')) {
      out.push(fieldErrors.invalid('spec.clusterIP', spec.clusterIP, IP_MSG));
    }
  }
  const names = new Set<string>();
  const portKeys = new Set<string>();
  ports.forEach((raw, i) => {
    const p = index('spec.ports', i);
    const port = obj(raw) ?? {};
    const name = str(port.name) ?? '';
    if (ports.length > 1 && !name) out.push(fieldErrors.required(`${p}.name`));
    if (name) {
      for (const m of isDNS1123Label(name)) out.push(fieldErrors.invalid(`${p}.name`, name, m));
      if (names.has(name)) out.push(fieldErrors.duplicate(`${p}.name`, name));
      names.add(name);
    }
    const num = port.port;
    for (const m of isValidPortNum(typeof num === 'number' ? num : 0)) out.push(fieldErrors.invalid(`${p}.port`, num ?? 0, m));
    const proto = port.protocol;
    if (proto === undefined || proto === '') out.push(fieldErrors.required(`${p}.protocol`));
    else if (!PROTOCOLS.includes(str(proto) ?? '?')) out.push(fieldErrors.notSupported(`${p}.protocol`, proto, PROTOCOLS));
    const tp = port.targetPort;
    if (typeof tp === 'number') for (const m of isValidPortNum(tp)) out.push(fieldErrors.invalid(`${p}.targetPort`, tp, m));
    else if (typeof tp === 'string') for (const m of isValidPortName(tp)) out.push(fieldErrors.invalid(`${p}.targetPort`, tp, m));
    if (typeof port.nodePort === 'number' && port.nodePort !== 0) {
      if (type === 'ClusterIP') out.push(fieldErrors.forbidden(`${p}.nodePort`, "may not be used when `type` is 'ClusterIP'"));
      else if (type === 'ExternalName') out.push(fieldErrors.forbidden(`${p}.nodePort`, "may not be used when `type` is 'ExternalName'"));
      else for (const m of isValidPortNum(port.nodePort)) out.push(fieldErrors.invalid(`${p}.nodePort`, port.nodePort, m));
    }
    const k = `${String(proto)}/${String(num)}`;
    if (portKeys.has(k)) out.push(fieldErrors.duplicate(p, { protocol: proto, port: num }));
    portKeys.add(k);
  });
  if (spec.sessionAffinity !== undefined && !AFFINITIES.includes(str(spec.sessionAffinity) ?? '?')) {
    out.push(fieldErrors.notSupported('spec.sessionAffinity', spec.sessionAffinity, AFFINITIES));
  }
  if (spec.ipFamilyPolicy !== undefined && spec.ipFamilyPolicy !== null && !FAMILY_POLICIES.includes(str(spec.ipFamilyPolicy) ?? '?')) {
    out.push(fieldErrors.notSupported('spec.ipFamilyPolicy', spec.ipFamilyPolicy, FAMILY_POLICIES));
  }
  arr(spec.ipFamilies).forEach((f, i) => {
    if (f !== 'IPv4' && f !== 'IPv6') out.push(fieldErrors.notSupported(index('spec.ipFamilies', i), f, ['IPv4', 'IPv6']));
  });
  const etp = spec.externalTrafficPolicy;
  if (etp !== undefined && etp !== '') {
    if (type !== 'NodePort' && type !== 'LoadBalancer') {
      out.push(fieldErrors.invalid('spec.externalTrafficPolicy', etp, "may only be set when `type` is 'NodePort' or 'LoadBalancer'"));
    } else if (!TRAFFIC_POLICIES.includes(str(etp) ?? '?')) out.push(fieldErrors.notSupported('spec.externalTrafficPolicy', etp, TRAFFIC_POLICIES));
  }
  if (spec.internalTrafficPolicy !== undefined && spec.internalTrafficPolicy !== null && type !== 'ExternalName' && !TRAFFIC_POLICIES.includes(str(spec.internalTrafficPolicy) ?? '?')) {
    out.push(fieldErrors.notSupported('spec.internalTrafficPolicy', spec.internalTrafficPolicy, TRAFFIC_POLICIES));
  }
  const selector = obj(spec.selector);
  if (selector) validateLabels(selector as Record<string, string>, 'spec.selector', out);
  arr(spec.externalIPs).forEach((ip, i) => {
    if (typeof ip !== 'string' || !isIP(ip)) out.push(fieldErrors.invalid(index('spec.externalIPs', i), ip, IP_MSG));
  });
  return out;
}

/** ClusterIPs are fixed once allocated, except when the service becomes ExternalName. */
export function validateServiceUpdate(svc: KubeObject, old: KubeObject): Causes {
  const out: Causes = [];
  const spec = obj(svc.spec) ?? {};
  const oldSpec = obj(old.spec) ?? {};
  if (spec.type === 'ExternalName' || oldSpec.type === 'ExternalName') return out;
  const oldIPs = arr(oldSpec.clusterIPs);
  const newIPs = arr(spec.clusterIPs);
  if (oldIPs.length > 0 && newIPs.length > 0 && newIPs[0] !== oldIPs[0]) {
    out.push(fieldErrors.invalid(index('spec.clusterIPs', 0), newIPs[0], 'may not change once set'));
  } else if (oldSpec.clusterIP && spec.clusterIP && spec.clusterIP !== oldSpec.clusterIP) {
    out.push(fieldErrors.invalid('spec.clusterIP', spec.clusterIP, 'may not change once set'));
  }
  if (oldIPs.length > 1 && newIPs.length > 1 && !deepEqual(newIPs[1], oldIPs[1])) {
    out.push(fieldErrors.invalid(index('spec.clusterIPs', 1), newIPs[1], 'may not change once set'));
  }
  return out;
}
