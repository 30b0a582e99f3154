// Validation of the remaining built-in kinds: namespaces, nodes, storage, networking, RBAC,
// coordination, discovery, autoscaling, policy, scheduling and CRDs. Each function is one
// upstream Validate<Kind>, reduced to the rules clients actually trip over.
import { fieldErrors } from '../errors.js';
import type { KubeObject } from '../object.js';
import { isDNS1123Label, isDNS1123Subdomain, isIP, isQualifiedName, isValidPortName, isValidPortNum } from './names.js';
import { quantityValue, QUANTITY_SYNTAX_MSG } from '../quantity.js';
import { validateLabelSelector } from './selector.js';
import { arr, type Causes, deepEqual, FIELD_IMMUTABLE, index, key, NON_NEGATIVE, obj, type Obj, str } from './field.js';

const ACCESS_MODES = ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'];
const VOLUME_MODES = ['Block', 'Filesystem'];
const RECLAIM_POLICIES = ['Delete', 'Recycle', 'Retain'];
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];

function nonNegative(v: unknown, path: string, out: Causes): void {
  if (typeof v === 'number' && v < 0) out.push(fieldErrors.invalid(path, v, NON_NEGATIVE));
}

function enumField(v: unknown, path: string, valid: string[], out: Causes, required = false): void {
  if (v === undefined || v === null || v === '') {
    if (required) out.push(fieldErrors.required(path));
    return;
  }
  if (!valid.includes(str(v) ?? '?')) out.push(fieldErrors.notSupported(path, v, valid));
}

function positiveQuantity(q: unknown, path: string, out: Causes): void {
  const v = quantityValue(q);
  if (v === undefined) out.push(fieldErrors.invalid(path, q, QUANTITY_SYNTAX_MSG));
  else if (v <= 0) out.push(fieldErrors.invalid(path, q, 'must be greater than zero'));
}

export function validateNamespace(ns: KubeObject): Causes {
  const out: Causes = [];
  arr(obj(ns.spec)?.finalizers).forEach((f) => {
    if (typeof f !== 'string') return;
    for (const m of isQualifiedName(f)) out.push(fieldErrors.invalid('spec.finalizers', f, m));
    if (!f.includes('/') && f !== 'kubernetes') out.push(fieldErrors.invalid('spec.finalizers', f, 'name is neither a standard finalizer name nor is it fully qualified'));
  });
  return out;
}


export function validateNode(node: KubeObject): Causes {
  const out: Causes = [];
  const spec = obj(node.spec) ?? {};
  const cidr = str(spec.podCIDR);
  if (cidr && !/^[0-9a-fA-F.:]+\/\d{1,3}$/.test(cidr)) out.push(fieldErrors.invalid('spec.podCIDR', cidr, 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)'));
  arr(spec.taints).forEach((raw, i) => {
    const t = obj(raw) ?? {};
    const p = index('spec.taints', i);
    const k = str(t.key) ?? '';
    for (const m of isQualifiedName(k)) out.push(fieldErrors.invalid(`${p}.key`, k, m));
    enumField(t.effect, `${p}.effect`, ['NoSchedule', 'PreferNoSchedule', 'NoExecute'], out, true);
  });
  return out;
}

function validateAccessModes(modes: unknown[], path: string, out: Causes): void {
  if (modes.length === 0) {
    out.push(fieldErrors.required(path));
    return;
  }
  for (const m of modes) if (!ACCESS_MODES.includes(str(m) ?? '?')) out.push(fieldErrors.notSupported(path, m, ACCESS_MODES));
  if (modes.includes('ReadWriteOncePod') && modes.length > 1) out.push(fieldErrors.forbidden(path, 'may not use ReadWriteOncePod with other access modes'));
}

export function validatePersistentVolume(pv: KubeObject): Causes {
  const out: Causes = [];
  const spec = obj(pv.spec) ?? {};
  validateAccessModes(arr(spec.accessModes), 'spec.accessModes', out);
  const storage = obj(spec.capacity)?.storage;
  if (storage === undefined) out.push(fieldErrors.required('spec.capacity'));
  else positiveQuantity(storage, key('spec.capacity', 'storage'), out);
  enumField(spec.persistentVolumeReclaimPolicy, 'spec.persistentVolumeReclaimPolicy', RECLAIM_POLICIES, out);
  enumField(spec.volumeMode, 'spec.volumeMode', VOLUME_MODES, out);
  const sources = ['hostPath', 'local', 'nfs', 'csi', 'iscsi', 'fc', 'rbd', 'cephfs', 'glusterfs', 'azureFile', 'azureDisk', 'gcePersistentDisk', 'awsElasticBlockStore', 'cinder', 'flexVolume', 'vsphereVolume', 'portworxVolume', 'scaleIO', 'storageos', 'quobyte', 'photonPersistentDisk', 'flocker'];
  const set = sources.filter((s) => spec[s] !== undefined && spec[s] !== null);
  if (set.length === 0) out.push(fieldErrors.required('spec', 'must specify a volume type'));
  else if (set.length > 1) out.push(fieldErrors.forbidden(`spec.${set[1]}`, 'may not specify more than 1 volume type'));
  const local = obj(spec.local);
  if (local && !obj(spec.nodeAffinity)) out.push(fieldErrors.required('spec.nodeAffinity', 'Local volume requires node affinity'));
  return out;
}

/** Upstream allows only a few PV spec changes; capacity may grow, claimRef may be set. */
export function validatePersistentVolumeUpdate(pv: KubeObject, old: KubeObject): Causes {
  const spec = obj(pv.spec) ?? {};
  const oldSpec = obj(old.spec) ?? {};
  const out: Causes = [];
  for (const f of ['volumeMode']) {
    if (!deepEqual(spec[f], oldSpec[f])) out.push(fieldErrors.invalid(`spec.${f}`, spec[f] ?? null, FIELD_IMMUTABLE));
  }
  if (oldSpec.nodeAffinity && !deepEqual(spec.nodeAffinity, oldSpec.nodeAffinity)) {
    out.push(fieldErrors.invalid('spec.nodeAffinity', spec.nodeAffinity ?? null, FIELD_IMMUTABLE));
  }
  const sourceKeys = ['hostPath', 'local', 'nfs', 'csi'];
  for (const s of sourceKeys) {
    if (oldSpec[s] !== undefined && !deepEqual(spec[s], oldSpec[s])) out.push(fieldErrors.forbidden('spec.persistentvolumesource', 'spec.persistentvolumesource is immutable after creation'));
  }
  return out;
}

export function validatePersistentVolumeClaim(pvc: KubeObject): Causes {
  const out: Causes = [];
  const spec = obj(pvc.spec) ?? {};
  validateAccessModes(arr(spec.accessModes), 'spec.accessModes', out);
  const storage = obj(obj(spec.resources)?.requests)?.storage;
  if (storage === undefined) out.push(fieldErrors.required(key('spec.resources', 'storage')));
  else positiveQuantity(storage, key('spec.resources', 'storage'), out);
  enumField(spec.volumeMode, 'spec.volumeMode', VOLUME_MODES, out);
  const selector = obj(spec.selector);
  if (selector) validateLabelSelector(selector, 'spec.selector', out);
  return out;
}

export function validatePersistentVolumeClaimUpdate(pvc: KubeObject, old: KubeObject): Causes {
  const spec = structuredClone(obj(pvc.spec) ?? {});
  const oldSpec = structuredClone(obj(old.spec) ?? {});
  const out: Causes = [];
  // Bound claims may only grow their storage request; a pending claim may get its volumeName.
  const req = quantityValue(obj(obj(spec.resources)?.requests)?.storage);
  const oldReq = quantityValue(obj(obj(oldSpec.resources)?.requests)?.storage);
  const bound = obj(old.status)?.phase === 'Bound';
  if (bound && req !== undefined && oldReq !== undefined && req < oldReq) {
    out.push(fieldErrors.forbidden(key('spec.resources.requests', 'storage'), 'field can not be less than status.capacity'));
  }
  for (const s of [spec, oldSpec]) {
    delete s.resources;
    delete s.volumeAttributesClassName;
  }
  if (!oldSpec.volumeName) delete spec.volumeName, delete oldSpec.volumeName;
  if (!deepEqual(spec, oldSpec)) {
    out.push(fieldErrors.forbidden('spec', 'spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims'));
  }
  return out;
}

export function validateStorageClass(sc: KubeObject): Causes {
  const out: Causes = [];
  const prov = str(sc.provisioner) ?? '';
  if (!prov) out.push(fieldErrors.required('provisioner'));
  else if (prov.length > 63) out.push(fieldErrors.tooLong('provisioner', 63));
  enumField(sc.reclaimPolicy, 'reclaimPolicy', RECLAIM_POLICIES.filter((p) => p !== 'Recycle'), out);
  enumField(sc.volumeBindingMode, 'volumeBindingMode', ['Immediate', 'WaitForFirstConsumer'], out, true);
  const params = obj(sc.parameters);
  if (params && Object.keys(params).length > 512) out.push(fieldErrors.tooLong('parameters', 512));
  return out;
}

export function validateStorageClassUpdate(sc: KubeObject, old: KubeObject): Causes {
  const out: Causes = [];
  if (!deepEqual(sc.parameters ?? {}, old.parameters ?? {})) out.push(fieldErrors.forbidden('parameters', 'updates to parameters are forbidden.'));
  if (sc.provisioner !== old.provisioner) out.push(fieldErrors.forbidden('provisioner', 'updates to provisioner are forbidden.'));
  if (sc.reclaimPolicy !== old.reclaimPolicy) out.push(fieldErrors.forbidden('reclaimPolicy', 'updates to reclaimPolicy are forbidden.'));
  if (sc.volumeBindingMode !== old.volumeBindingMode) out.push(fieldErrors.invalid('volumeBindingMode', sc.volumeBindingMode ?? null, FIELD_IMMUTABLE));
  return out;
}

function validatePolicyRules(rules: unknown[], path: string, clusterScoped: boolean, out: Causes): void {
  rules.forEach((raw, i) => {
    const r = obj(raw) ?? {};
    const p = index(path, i);
    if (arr(r.verbs).length === 0) out.push(fieldErrors.required(`${p}.verbs`, 'verbs must contain at least one value'));
    const nonResource = arr(r.nonResourceURLs);
    if (nonResource.length > 0) {
      if (!clusterScoped) out.push(fieldErrors.invalid(`${p}.nonResourceURLs`, nonResource, 'namespaced rules cannot apply to non-resource URLs'));
      if (arr(r.apiGroups).length > 0 || arr(r.resources).length > 0 || arr(r.resourceNames).length > 0) {
        out.push(fieldErrors.invalid(`${p}.nonResourceURLs`, nonResource, 'rules cannot apply to both regular resources and non-resource URLs'));
      }
      return;
    }
    if (arr(r.apiGroups).length === 0) out.push(fieldErrors.required(`${p}.apiGroups`, 'resource rules must supply at least one api group'));
    if (arr(r.resources).length === 0) out.push(fieldErrors.required(`${p}.resources`, 'resource rules must supply at least one resource'));
  });
}

export function validateRole(role: KubeObject): Causes {
  const out: Causes = [];
  validatePolicyRules(arr(role.rules), 'rules', false, out);
  return out;
}

export function validateClusterRole(role: KubeObject): Causes {
  const out: Causes = [];
  validatePolicyRules(arr(role.rules), 'rules', true, out);
  const agg = obj(role.aggregationRule);
  if (agg) {
    if (arr(agg.clusterRoleSelectors).length === 0) out.push(fieldErrors.required('aggregationRule.clusterRoleSelectors', 'at least one clusterRoleSelector required if aggregationRule is non-nil'));
    arr(agg.clusterRoleSelectors).forEach((s, i) => validateLabelSelector(obj(s) ?? {}, index('aggregationRule.clusterRoleSelectors', i), out));
  }
  return out;
}

const SUBJECT_KINDS = ['Group', 'ServiceAccount', 'User'];

export function validateRoleBinding(rb: KubeObject, clusterScoped: boolean): Causes {
  const out: Causes = [];
  const ref = obj(rb.roleRef) ?? {};
  if (ref.apiGroup !== 'rbac.authorization.k8s.io') out.push(fieldErrors.notSupported('roleRef.apiGroup', ref.apiGroup ?? '', ['rbac.authorization.k8s.io']));
  const kinds = clusterScoped ? ['ClusterRole'] : ['ClusterRole', 'Role'];
  if (!ref.kind) out.push(fieldErrors.required('roleRef.kind'));
  else if (!kinds.includes(str(ref.kind) ?? '?')) out.push(fieldErrors.notSupported('roleRef.kind', ref.kind, kinds));
  if (!ref.name) out.push(fieldErrors.required('roleRef.name'));
  arr(rb.subjects).forEach((raw, i) => {
    const s = obj(raw) ?? {};
    const p = index('subjects', i);
    if (!s.name) out.push(fieldErrors.required(`${p}.name`));
    if (!SUBJECT_KINDS.includes(str(s.kind) ?? '?')) out.push(fieldErrors.notSupported(`${p}.kind`, s.kind ?? '', SUBJECT_KINDS));
    if (s.kind === 'ServiceAccount') {
      if (s.apiGroup) out.push(fieldErrors.notSupported(`${p}.apiGroup`, s.apiGroup, ['']));
      if (clusterScoped && !s.namespace) out.push(fieldErrors.required(`${p}.namespace`));
      if (typeof s.name === 'string' && s.name) for (const m of isDNS1123Subdomain(s.name)) out.push(fieldErrors.invalid(`${p}.name`, s.name, m));
    } else if (s.kind === 'User' || s.kind === 'Group') {
      if (s.apiGroup !== 'rbac.authorization.k8s.io') out.push(fieldErrors.notSupported(`${p}.apiGroup`, s.apiGroup ?? '', ['rbac.authorization.k8s.io']));
    }
  });
  return out;
}

export function validateRoleBindingUpdate(rb: KubeObject, old: KubeObject): Causes {
  return deepEqual(rb.roleRef, old.roleRef) ? [] : [fieldErrors.invalid('roleRef', rb.roleRef ?? null, 'cannot change roleRef')];
}

export function validateLease(lease: KubeObject): Causes {
  const out: Causes = [];
  const spec = obj(lease.spec) ?? {};
  const d = spec.leaseDurationSeconds;
  if (typeof d === 'number' && d <= 0) out.push(fieldErrors.invalid('spec.leaseDurationSeconds', d, 'must be greater than 0'));
  nonNegative(spec.leaseTransitions, 'spec.leaseTransitions', out);
  return out;
}

export function validateEndpoints(ep: KubeObject): Causes {
  const out: Causes = [];
  arr(ep.subsets).forEach((raw, i) => {
    const ss = obj(raw) ?? {};
    const p = index('subsets', i);
    const addrs = [...arr(ss.addresses).map((a, j) => [a, index(`${p}.addresses`, j)] as const), ...arr(ss.notReadyAddresses).map((a, j) => [a, index(`${p}.notReadyAddresses`, j)] as const)];
    for (const [a, ap] of addrs) {
      const ip = str(obj(a)?.ip) ?? '';
      if (!isIP(ip)) out.push(fieldErrors.invalid(`${ap}.ip`, ip, 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'));
    }
    const names = new Set<string>();
    const ports = arr(ss.ports);
    ports.forEach((pr, j) => {
      const port = obj(pr) ?? {};
      const pp = index(`${p}.ports`, j);
      const name = str(port.name) ?? '';
      if (ports.length > 1 && !name) out.push(fieldErrors.required(`${pp}.name`));
      if (name) {
        for (const m of isDNS1123Label(name)) out.push(fieldErrors.invalid(`${pp}.name`, name, m));
        if (names.has(name)) out.push(fieldErrors.duplicate(`${pp}.name`, name));
        names.add(name);
      }
      for (const m of isValidPortNum(typeof port.port === 'number' ? port.port : 0)) out.push(fieldErrors.invalid(`${pp}.port`, port.port ?? 0, m));
      enumField(port.protocol, `${pp}.protocol`, PROTOCOLS, out, true);
    });
  });
  return out;
}

export function validateEndpointSlice(es: KubeObject): Causes {
  const out: Causes = [];
  const types = ['FQDN', 'IPv4', 'IPv6'];
  enumField(es.addressType, 'addressType', types, out, true);
  arr(es.endpoints).forEach((raw, i) => {
    const e = obj(raw) ?? {};
    const p = index('endpoints', i);
    const addrs = arr(e.addresses);
    if (addrs.length === 0) out.push(fieldErrors.required(`${p}.addresses`, 'must contain at least 1 address'));
    else if (addrs.length > 100) out.push(fieldErrors.tooMany(`${p}.addresses`, 100));
    addrs.forEach((a, j) => {
      const ap = index(`${p}.addresses`, j);
      if (typeof a !== 'string') return;
      if (es.addressType === 'FQDN') for (const m of isDNS1123Subdomain(a)) out.push(fieldErrors.invalid(ap, a, m));
      else if (!isIP(a)) out.push(fieldErrors.invalid(ap, a, 'must be a valid IP address'));
    });
  });
  arr(es.ports).forEach((raw, i) => {
    const port = obj(raw) ?? {};
    const p = index('ports', i);
    const name = str(port.name);
    if (name) for (const m of isDNS1123Label(name)) out.push(fieldErrors.invalid(`${p}.name`, name, m));
    enumField(port.protocol, `${p}.protocol`, PROTOCOLS, out);
    if (typeof port.port === 'number') for (const m of isValidPortNum(port.port)) out.push(fieldErrors.invalid(`${p}.port`, port.port, m));
  });
  return out;
}

export function validateEndpointSliceUpdate(es: KubeObject, old: KubeObject): Causes {
  return es.addressType === old.addressType ? [] : [fieldErrors.invalid('addressType', es.addressType ?? null, FIELD_IMMUTABLE)];
}

const PATH_TYPES = ['Exact', 'ImplementationSpecific', 'Prefix'];

function validateIngressBackend(b: Obj, path: string, out: Causes): void {
  const svc = obj(b.service);
  const res = obj(b.resource);
  if (svc && res) out.push(fieldErrors.invalid(path, '', 'cannot set both resource and service backends'));
  if (!svc && !res) {
    out.push(fieldErrors.invalid(path, '', 'resource or service backend is required'));
    return;
  }
  if (!svc) return;
  const name = str(svc.name) ?? '';
  if (!name) out.push(fieldErrors.required(`${path}.service.name`));
  else for (const m of isDNS1123Label(name)) out.push(fieldErrors.invalid(`${path}.service.name`, name, m));
  const port = obj(svc.port);
  if (!port) {
    out.push(fieldErrors.required(`${path}.service.port`));
    return;
  }
  const hasName = typeof port.name === 'string' && port.name !== '';
  const hasNum = typeof port.number === 'number' && port.number !== 0;
  if (hasName && hasNum) out.push(fieldErrors.invalid(`${path}.service.port`, port, 'cannot set both port name & port number'));
  else if (hasName) for (const m of isValidPortName(port.name as string)) out.push(fieldErrors.invalid(`${path}.service.port.name`, port.name, m));
  else if (hasNum) for (const m of isValidPortNum(port.number as number)) out.push(fieldErrors.invalid(`${path}.service.port.number`, port.number, m));
  else out.push(fieldErrors.required(`${path}.service.port`, 'port name or number is required'));
}

export function validateIngress(ing: KubeObject): Causes {
  const out: Causes = [];
  const spec = obj(ing.spec) ?? {};
  const rules = arr(spec.rules);
  const def = obj(spec.defaultBackend);
  if (!def && rules.length === 0) out.push(fieldErrors.invalid('spec', [], 'either `defaultBackend` or `rules` must be specified'));
  if (def) validateIngressBackend(def, 'spec.defaultBackend', out);
  rules.forEach((raw, i) => {
    const r = obj(raw) ?? {};
    const p = index('spec.rules', i);
    const host = str(r.host);
    if (host) {
      if (isIP(host)) out.push(fieldErrors.invalid(`${p}.host`, host, 'must be a DNS name, not an IP address'));
      const h = host.startsWith('*.') ? host.slice(2) : host;
      for (const m of isDNS1123Subdomain(h)) out.push(fieldErrors.invalid(`${p}.host`, host, m));
    }
    const http = obj(r.http);
    if (!http) return;
    const paths = arr(http.paths);
    if (paths.length === 0) out.push(fieldErrors.required(`${p}.http.paths`));
    paths.forEach((pr, j) => {
      const hp = obj(pr) ?? {};
      const pp = index(`${p}.http.paths`, j);
      if (hp.pathType === undefined || hp.pathType === null || hp.pathType === '') out.push(fieldErrors.required(`${pp}.pathType`, 'pathType must be specified'));
      else if (!PATH_TYPES.includes(str(hp.pathType) ?? '?')) out.push(fieldErrors.notSupported(`${pp}.pathType`, hp.pathType, PATH_TYPES));
      const path = str(hp.path) ?? '';
      if ((hp.pathType === 'Exact' || hp.pathType === 'Prefix') && !path.startsWith('/')) out.push(fieldErrors.invalid(`${pp}.path`, path, "must be an absolute path"));
      validateIngressBackend(obj(hp.backend) ?? {}, `${pp}.backend`, out);
    });
  });
  arr(spec.tls).forEach((raw, i) => {
    arr(obj(raw)?.hosts).forEach((h, j) => {
      if (typeof h !== 'string') return;
      const hh = h.startsWith('*.') ? h.slice(2) : h;
      for (const m of isDNS1123Subdomain(hh)) out.push(fieldErrors.invalid(index(`${index('spec.tls', i)}.hosts`, j), h, m));
    });
  });
  return out;
}

export function validateIngressClass(ic: KubeObject): Causes {
  const out: Causes = [];
  const controller = str(obj(ic.spec)?.controller) ?? '';
  if (!controller) out.push(fieldErrors.required('spec.controller'));
  else if (controller.length > 250) out.push(fieldErrors.tooLong('spec.controller', 250));
  return out;
}

export function validateIngressClassUpdate(ic: KubeObject, old: KubeObject): Causes {
  const c = obj(ic.spec)?.controller;
  return c === obj(old.spec)?.controller ? [] : [fieldErrors.invalid('spec.controller', c ?? null, FIELD_IMMUTABLE)];
}

export function validateNetworkPolicy(np: KubeObject): Causes {
  const out: Causes = [];
  const spec = obj(np.spec) ?? {};
  validateLabelSelector(obj(spec.podSelector) ?? {}, 'spec.podSelector', out);
  arr(spec.policyTypes).forEach((t, i) => {
    if (t !== 'Ingress' && t !== 'Egress') out.push(fieldErrors.notSupported(index('spec.policyTypes', i), t, ['Ingress', 'Egress']));
  });
  return out;
}

const HPA_POLICIES = ['Max', 'Min', 'Disabled'];

export function validateHorizontalPodAutoscaler(hpa: KubeObject): Causes {
  const out: Causes = [];
  const spec = obj(hpa.spec) ?? {};
  const min = spec.minReplicas;
  const max = spec.maxReplicas;
  if (typeof min === 'number' && min < 1) out.push(fieldErrors.invalid('spec.minReplicas', min, 'must be greater than or equal to 1'));
  if (typeof max !== 'number') out.push(fieldErrors.required('spec.maxReplicas'));
  else {
    if (max < 1) out.push(fieldErrors.invalid('spec.maxReplicas', max, 'must be greater than 0'));
    if (typeof min === 'number' && max < min) out.push(fieldErrors.invalid('spec.maxReplicas', max, 'must be greater than or equal to `minReplicas`'));
  }
  const ref = obj(spec.scaleTargetRef) ?? {};
  if (!ref.kind) out.push(fieldErrors.required('spec.scaleTargetRef.kind'));
  if (!ref.name) out.push(fieldErrors.required('spec.scaleTargetRef.name'));
  const cpu = spec.targetCPUUtilizationPercentage;
  if (typeof cpu === 'number' && cpu < 1) out.push(fieldErrors.invalid('spec.targetCPUUtilizationPercentage', cpu, 'must be greater than 0'));
  const behavior = obj(spec.behavior);
  for (const dir of ['scaleUp', 'scaleDown']) {
    const rules = obj(behavior?.[dir]);
    if (!rules) continue;
    enumField(rules.selectPolicy, `spec.behavior.${dir}.selectPolicy`, HPA_POLICIES, out);
    const w = rules.stabilizationWindowSeconds;
    if (typeof w === 'number' && (w < 0 || w > 3600)) out.push(fieldErrors.invalid(`spec.behavior.${dir}.stabilizationWindowSeconds`, w, 'must be less than or equal to 3600'));
    arr(rules.policies).forEach((raw, i) => {
      const p = obj(raw) ?? {};
      const pp = index(`spec.behavior.${dir}.policies`, i);
      enumField(p.type, `${pp}.type`, ['Percent', 'Pods'], out, true);
      if (typeof p.value !== 'number' || p.value <= 0) out.push(fieldErrors.invalid(`${pp}.value`, p.value ?? 0, 'must be greater than zero'));
      if (typeof p.periodSeconds !== 'number' || p.periodSeconds <= 0) out.push(fieldErrors.invalid(`${pp}.periodSeconds`, p.periodSeconds ?? 0, 'must be greater than zero'));
    });
  }
  return out;
}

export function validatePodDisruptionBudget(pdb: KubeObject): Causes {
  const out: Causes = [];
  const spec = obj(pdb.spec) ?? {};
  if (spec.minAvailable !== undefined && spec.maxUnavailable !== undefined) {
    out.push(fieldErrors.invalid('spec', spec, 'minAvailable and maxUnavailable cannot be both set'));
  }
  for (const f of ['minAvailable', 'maxUnavailable']) {
    const v = spec[f];
    if (typeof v === 'number' && v < 0) out.push(fieldErrors.invalid(`spec.${f}`, v, NON_NEGATIVE));
    if (typeof v === 'string') {
      if (!/^[0-9]+%$/.test(v)) out.push(fieldErrors.invalid(`spec.${f}`, v, "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')"));
      else if (parseInt(v, 10) > 100) out.push(fieldErrors.invalid(`spec.${f}`, v, 'must not be greater than 100%'));
    }
  }
  const sel = obj(spec.selector);
  if (sel) validateLabelSelector(sel, 'spec.selector', out);
  enumField(spec.unhealthyPodEvictionPolicy, 'spec.unhealthyPodEvictionPolicy', ['AlwaysAllow', 'IfHealthyBudget'], out);
  return out;
}

const HIGHEST_USER_PRIORITY = 1_000_000_000;

export function validatePriorityClass(pc: KubeObject): Causes {
  const out: Causes = [];
  const name = pc.metadata.name ?? '';
  const value = pc.value;
  if (typeof value !== 'number') out.push(fieldErrors.required('value'));
  else if (!name.startsWith('system-') && value > HIGHEST_USER_PRIORITY) {
    out.push(fieldErrors.forbidden('value', `maximum allowed value of a user defined priority is ${HIGHEST_USER_PRIORITY}`));
  }
  if (name.startsWith('system-') && !['system-node-critical', 'system-cluster-critical'].includes(name)) {
    out.push(fieldErrors.forbidden('metadata.name', "priority class names with 'system-' prefix are reserved"));
  }
  enumField(pc.preemptionPolicy, 'preemptionPolicy', ['Never', 'PreemptLowerPriority'], out);
  return out;
}

export function validatePriorityClassUpdate(pc: KubeObject, old: KubeObject): Causes {
  const out: Causes = [];
  if (pc.value !== old.value) out.push(fieldErrors.forbidden('value', 'may not be changed in an update.'));
  if (pc.preemptionPolicy !== old.preemptionPolicy) out.push(fieldErrors.invalid('preemptionPolicy', pc.preemptionPolicy ?? null, FIELD_IMMUTABLE));
  return out;
}

export function validateServiceAccount(sa: KubeObject): Causes {
  const out: Causes = [];
  arr(sa.secrets).forEach((s, i) => {
    const n = str(obj(s)?.name);
    if (n) for (const m of isDNS1123Subdomain(n)) out.push(fieldErrors.invalid(`${index('secrets', i)}.name`, n, m));
  });
  return out;
}

export function validateCertificateSigningRequest(csr: KubeObject): Causes {
  const out: Causes = [];
  const spec = obj(csr.spec) ?? {};
  if (!spec.request) out.push(fieldErrors.required('spec.request'));
  if (!spec.signerName) out.push(fieldErrors.required('spec.signerName'));
  else if (!/^[^/]+\/[^/]+$/.test(str(spec.signerName) ?? '')) out.push(fieldErrors.invalid('spec.signerName', spec.signerName, 'must be a fully qualified domain and path of the form \'example.com/signer-name\''));
  const es = spec.expirationSeconds;
  if (typeof es === 'number' && es < 600) out.push(fieldErrors.invalid('spec.expirationSeconds', es, 'may not specify a duration less than 600 seconds (10 minutes)'));
  return out;
}

export function validateCertificateSigningRequestUpdate(csr: KubeObject, old: KubeObject): Causes {
  return deepEqual(csr.spec, old.spec) ? [] : [fieldErrors.invalid('spec', '', FIELD_IMMUTABLE)];
}

function validateResourceList(list: Obj | undefined, path: string, out: Causes): void {
  if (!list) return;
  for (const [k, q] of Object.entries(list)) {
    const v = quantityValue(q);
    if (v === undefined) out.push(fieldErrors.invalid(key(path, k), q, QUANTITY_SYNTAX_MSG));
    else if (v < 0) out.push(fieldErrors.invalid(key(path, k), q, NON_NEGATIVE));
  }
}

export function validateResourceQuota(q: KubeObject): Causes {
  const out: Causes = [];
  validateResourceList(obj(obj(q.spec)?.hard), 'spec.hard', out);
  return out;
}

export function validateLimitRange(lr: KubeObject): Causes {
  const out: Causes = [];
  arr(obj(lr.spec)?.limits).forEach((raw, i) => {
    const l = obj(raw) ?? {};
    const p = index('spec.limits', i);
    enumField(l.type, `${p}.type`, ['Container', 'Pod', 'PersistentVolumeClaim'], out, true);
    for (const f of ['max', 'min', 'default', 'defaultRequest', 'maxLimitRequestRatio']) validateResourceList(obj(l[f]), `${p}.${f}`, out);
  });
  return out;
}

export function validateEvent(ev: KubeObject): Causes {
  const out: Causes = [];
  const io = obj(ev.involvedObject) ?? obj(ev.regarding);
  const ns = ev.metadata.namespace;
  const ioNs = str(io?.namespace);
  if (io && ioNs && ns && ioNs !== ns) {
    out.push(fieldErrors.invalid(ev.regarding ? 'regarding.namespace' : 'involvedObject.namespace', ioNs, 'does not match event.namespace'));
  }
  return out;
}

export function validateWebhookConfiguration(cfg: KubeObject): Causes {
  const out: Causes = [];
  const names = new Set<string>();
  arr(cfg.webhooks).forEach((raw, i) => {
    const w = obj(raw) ?? {};
    const p = index('webhooks', i);
    const name = str(w.name) ?? '';
    if (!name) out.push(fieldErrors.required(`${p}.name`));
    else {
      if (names.has(name)) out.push(fieldErrors.duplicate(`${p}.name`, name));
      names.add(name);
      if (isDNS1123Subdomain(name).length > 0 || name.split('.').length < 3) {
        out.push(fieldErrors.invalid(`${p}.name`, name, 'should be a domain with at least three segments separated by dots'));
      }
    }
    const versions = arr(w.admissionReviewVersions);
    if (versions.length === 0) out.push(fieldErrors.required(`${p}.admissionReviewVersions`, 'must specify one of v1, v1beta1'));
    enumField(w.sideEffects, `${p}.sideEffects`, ['None', 'NoneOnDryRun'], out, true);
    const cc = obj(w.clientConfig) ?? {};
    if (!cc.url && !cc.service) out.push(fieldErrors.required(`${p}.clientConfig`, 'exactly one of url or service is required'));
  });
  return out;
}

export function validateCSIDriver(d: KubeObject): Causes {
  const out: Causes = [];
  const name = d.metadata.name ?? '';
  if (name.length > 63) out.push(fieldErrors.tooLong('metadata.name', 63));
  const spec = obj(d.spec) ?? {};
  arr(spec.volumeLifecycleModes).forEach((m, i) => {
    if (m !== 'Persistent' && m !== 'Ephemeral') out.push(fieldErrors.notSupported(index('spec.volumeLifecycleModes', i), m, ['Persistent', 'Ephemeral']));
  });
  return out;
}

export function validateVolumeAttachment(va: KubeObject): Causes {
  const out: Causes = [];
  const spec = obj(va.spec) ?? {};
  if (!spec.attacher) out.push(fieldErrors.required('spec.attacher'));
  if (!spec.nodeName) out.push(fieldErrors.required('spec.nodeName'));
  const src = obj(spec.source) ?? {};
  if (!src.persistentVolumeName && !src.inlineVolumeSpec) out.push(fieldErrors.required('spec.source', 'must specify exactly one of inlineVolumeSpec and persistentVolumeName'));
  return out;
}
