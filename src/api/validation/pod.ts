// PodSpec and PodTemplateSpec validation (upstream ValidatePodSpec and friends), reused by every
// workload type that embeds a pod template.
import { fieldErrors, type StatusCause } from '../errors.js';
import type { KubeObject } from '../object.js';
import { isDNS1123Label, isDNS1123Subdomain, isValidPortName, isValidPortNum } from './names.js';
import { validateAnnotations, validateLabels } from './meta.js';
import { quantityValue, QUANTITY_SYNTAX_MSG } from '../quantity.js';
import { arr, type Causes, deepEqual, index, isObj, key, NON_NEGATIVE, num, obj, type Obj, str } from './field.js';

const RESTART_POLICIES = ['Always', 'OnFailure', 'Never'];
const DNS_POLICIES = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'];
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'];
const TERMINATION_MESSAGE_POLICIES = ['File', 'FallbackToLogsOnError'];
const HANDLER_KEYS = ['exec', 'httpGet', 'tcpSocket', 'grpc'];
const VOLUME_SOURCES = [
  'hostPath', 'emptyDir', 'gcePersistentDisk', 'awsElasticBlockStore', 'gitRepo', 'secret', 'nfs', 'iscsi', 'glusterfs',
  'persistentVolumeClaim', 'rbd', 'flexVolume', 'cinder', 'cephfs', 'flocker', 'downwardAPI', 'fc', 'azureFile', 'configMap',
  'vsphereVolume', 'quobyte', 'azureDisk', 'photonPersistentDisk', 'projected', 'portworxVolume', 'scaleIO', 'storageos', 'csi',
  'ephemeral', 'image',
];
const HOST_PATH_TYPES = ['', 'DirectoryOrCreate', 'Directory', 'FileOrCreate', 'File', 'Socket', 'CharDevice', 'BlockDevice'];

export function notFound(field: string, value: unknown): StatusCause {
  return { reason: 'FieldValueNotFound', field, message: `Not found: ${JSON.stringify(value)}` };
}

function nonNegative(v: unknown, path: string, out: Causes): void {
  if (typeof v === 'number' && v < 0) out.push(fieldErrors.invalid(path, v, NON_NEGATIVE));
}

function validateVolumes(volumes: unknown[], path: string, out: Causes): Set<string> {
  const names = new Set<string>();
  volumes.forEach((raw, i) => {
    const p = index(path, i);
    const v = obj(raw) ?? {};
    const name = str(v.name) ?? '';
    if (!name) out.push(fieldErrors.required(`${p}.name`));
    else {
      for (const m of isDNS1123Label(name)) out.push(fieldErrors.invalid(`${p}.name`, name, m));
      if (names.has(name)) out.push(fieldErrors.duplicate(`${p}.name`, name));
      names.add(name);
    }
    const sources = VOLUME_SOURCES.filter((s) => v[s] !== undefined && v[s] !== null);
    if (sources.length === 0) out.push(fieldErrors.required(p, 'must specify a volume type'));
    else if (sources.length > 1) out.push(fieldErrors.forbidden(`${p}.${sources[1]}`, 'may not specify more than 1 volume type'));
    const hp = obj(v.hostPath);
    if (hp) {
      if (!str(hp.path)) out.push(fieldErrors.required(`${p}.hostPath.path`));
      if (hp.type !== undefined && !HOST_PATH_TYPES.includes(str(hp.type) ?? '?')) out.push(fieldErrors.notSupported(`${p}.hostPath.type`, hp.type, HOST_PATH_TYPES));
    }
    for (const src of ['configMap', 'secret'] as const) {
      const s = obj(v[src]);
      if (!s) continue;
      const mode = s.defaultMode;
      if (typeof mode === 'number' && (mode < 0 || mode > 0o777)) {
        out.push(fieldErrors.invalid(`${p}.${src}.defaultMode`, mode, 'must be a number between 0 and 0777 (octal), both inclusive'));
      }
      if (src === 'configMap' && !str(s.name)) out.push(fieldErrors.required(`${p}.configMap.name`));
      if (src === 'secret' && !str(s.secretName)) out.push(fieldErrors.required(`${p}.secret.secretName`));
    }
    const pvc = obj(v.persistentVolumeClaim);
    if (pvc && !str(pvc.claimName)) out.push(fieldErrors.required(`${p}.persistentVolumeClaim.claimName`));
  });
  return names;
}

function validateProbe(probe: Obj, path: string, mustBeOne: boolean, out: Causes): void {
  const handlers = HANDLER_KEYS.filter((h) => probe[h] !== undefined && probe[h] !== null);
  if (handlers.length === 0) out.push(fieldErrors.required(path, 'must specify a handler type'));
  else if (handlers.length > 1) out.push(fieldErrors.forbidden(`${path}.${handlers[1]}`, 'may not specify more than 1 handler type'));
  for (const f of ['initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold']) nonNegative(probe[f], `${path}.${f}`, out);
  if (mustBeOne && typeof probe.successThreshold === 'number' && probe.successThreshold !== 1) {
    out.push(fieldErrors.invalid(`${path}.successThreshold`, probe.successThreshold, 'must be 1'));
  }
  const http = obj(probe.httpGet);
  if (http) validatePortRef(http.port, `${path}.httpGet.port`, out);
  const tcp = obj(probe.tcpSocket);
  if (tcp) validatePortRef(tcp.port, `${path}.tcpSocket.port`, out);
}

function validatePortRef(port: unknown, path: string, out: Causes): void {
  if (typeof port === 'number') for (const m of isValidPortNum(port)) out.push(fieldErrors.invalid(path, port, m));
  else if (typeof port === 'string') for (const m of isValidPortName(port)) out.push(fieldErrors.invalid(path, port, m));
  else out.push(fieldErrors.required(path));
}

function validateResources(res: Obj, path: string, out: Causes): void {
  const limits = obj(res.limits) ?? {};
  const requests = obj(res.requests) ?? {};
  const parsedLimits = new Map<string, number>();
  for (const [name, q] of Object.entries(limits)) {
    const v = quantityValue(q);
    if (v === undefined) out.push(fieldErrors.invalid(key(`${path}.limits`, name), q, QUANTITY_SYNTAX_MSG));
    else if (v < 0) out.push(fieldErrors.invalid(key(`${path}.limits`, name), q, NON_NEGATIVE));
    else parsedLimits.set(name, v);
  }
  for (const [name, q] of Object.entries(requests)) {
    const p = key(`${path}.requests`, name);
    const v = quantityValue(q);
    if (v === undefined) { out.push(fieldErrors.invalid(p, q, QUANTITY_SYNTAX_MSG)); continue; }
    if (v < 0) { out.push(fieldErrors.invalid(p, q, NON_NEGATIVE)); continue; }
    const limit = parsedLimits.get(name);
    if (limit !== undefined && v > limit) {
      out.push(fieldErrors.invalid(p, String(q), `must be less than or equal to ${name} limit of ${String(limits[name])}`));
    }
  }
}

function validateEnv(env: unknown[], path: string, out: Causes): void {
  env.forEach((raw, i) => {
    const p = index(path, i);
    const e = obj(raw) ?? {};
    const name = str(e.name) ?? '';
    if (!name) out.push(fieldErrors.required(`${p}.name`));
    else if (/[=]/.test(name) || name.length === 0) out.push(fieldErrors.invalid(`${p}.name`, name, "a valid environment variable name must consist only of printable ASCII characters other than '='"));
    const from = obj(e.valueFrom);
    if (from) {
      const refs = ['fieldRef', 'resourceFieldRef', 'configMapKeyRef', 'secretKeyRef'].filter((r) => from[r] !== undefined);
      if (refs.length === 0) out.push(fieldErrors.invalid(`${p}.valueFrom`, '', 'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`'));
      else if (refs.length > 1) out.push(fieldErrors.invalid(`${p}.valueFrom`, '', 'may not have more than one field specified at a time'));
      if (e.value !== undefined && e.value !== '') out.push(fieldErrors.invalid(`${p}.valueFrom`, '', 'may not be specified when `value` is not empty'));
    }
  });
}

function validateContainer(c: Obj, path: string, volumes: Set<string>, kind: 'containers' | 'initContainers' | 'ephemeralContainers', out: Causes): void {
  const name = str(c.name) ?? '';
  if (!name) out.push(fieldErrors.required(`${path}.name`));
  else for (const m of isDNS1123Label(name)) out.push(fieldErrors.invalid(`${path}.name`, name, m));
  const image = str(c.image);
  if (!image || image.trim() === '') out.push(fieldErrors.required(`${path}.image`));
  else if (image !== image.trim()) out.push(fieldErrors.invalid(`${path}.image`, image, 'must not have leading or trailing whitespace'));
  if (c.imagePullPolicy !== undefined && !PULL_POLICIES.includes(str(c.imagePullPolicy) ?? '?')) {
    out.push(fieldErrors.notSupported(`${path}.imagePullPolicy`, c.imagePullPolicy, PULL_POLICIES));
  }
  if (c.terminationMessagePolicy !== undefined && !TERMINATION_MESSAGE_POLICIES.includes(str(c.terminationMessagePolicy) ?? '?')) {
    out.push(fieldErrors.notSupported(`${path}.terminationMessagePolicy`, c.terminationMessagePolicy, TERMINATION_MESSAGE_POLICIES));
  }
  const portNames = new Set<string>();
  arr(c.ports).forEach((raw, i) => {
    const p = index(`${path}.ports`, i);
    const port = obj(raw) ?? {};
    const pname = str(port.name);
    if (pname) {
      for (const m of isValidPortName(pname)) out.push(fieldErrors.invalid(`${p}.name`, pname, m));
      if (portNames.has(pname)) out.push(fieldErrors.duplicate(`${p}.name`, pname));
      portNames.add(pname);
    }
    const cp = num(port.containerPort);
    if (!cp) out.push(fieldErrors.required(`${p}.containerPort`));
    else for (const m of isValidPortNum(cp)) out.push(fieldErrors.invalid(`${p}.containerPort`, cp, m));
    const hp = num(port.hostPort);
    if (hp) for (const m of isValidPortNum(hp)) out.push(fieldErrors.invalid(`${p}.hostPort`, hp, m));
    if (port.protocol === undefined || port.protocol === '') out.push(fieldErrors.required(`${p}.protocol`));
    else if (!PROTOCOLS.includes(str(port.protocol) ?? '?')) out.push(fieldErrors.notSupported(`${p}.protocol`, port.protocol, PROTOCOLS));
  });
  validateEnv(arr(c.env), `${path}.env`, out);
  const mountPaths = new Set<string>();
  arr(c.volumeMounts).forEach((raw, i) => {
    const p = index(`${path}.volumeMounts`, i);
    const m = obj(raw) ?? {};
    const mname = str(m.name) ?? '';
    if (!mname) out.push(fieldErrors.required(`${p}.name`));
    else if (!volumes.has(mname)) out.push(notFound(`${p}.name`, mname));
    const mp = str(m.mountPath) ?? '';
    if (!mp) out.push(fieldErrors.required(`${p}.mountPath`));
    else {
      if (mountPaths.has(mp)) out.push(fieldErrors.invalid(`${p}.mountPath`, mp, 'must be unique'));
      mountPaths.add(mp);
    }
  });
  const probes: [string, boolean][] = [['livenessProbe', true], ['readinessProbe', false], ['startupProbe', true]];
  for (const [field, one] of probes) {
    const probe = obj(c[field]);
    if (!probe) continue;
    if (kind !== 'containers' && !(kind === 'initContainers' && c.restartPolicy === 'Always')) {
      out.push(fieldErrors.forbidden(`${path}.${field}`, `may not be set for init containers without restartPolicy=Always`));
      continue;
    }
    if (field === 'readinessProbe' && kind === 'initContainers') {
      out.push(fieldErrors.forbidden(`${path}.${field}`, `may not be set for init containers`));
      continue;
    }
    validateProbe(probe, `${path}.${field}`, one, out);
  }
  const res = obj(c.resources);
  if (res) validateResources(res, `${path}.resources`, out);
  if (kind === 'initContainers' && c.restartPolicy !== undefined && c.restartPolicy !== 'Always') {
    out.push(fieldErrors.notSupported(`${path}.restartPolicy`, c.restartPolicy, ['Always']));
  }
  if (kind === 'containers' && c.restartPolicy !== undefined) {
    out.push(fieldErrors.forbidden(`${path}.restartPolicy`, 'may not be set for non-init containers'));
  }
}

/** Upstream ValidatePodSpec; `path` is "spec" for pods and "spec.template.spec" for templates. */
export function validatePodSpec(spec: Obj | undefined, path: string): Causes {
  const out: Causes = [];
  const s = spec ?? {};
  const volumes = validateVolumes(arr(s.volumes), `${path}.volumes`, out);
  const containers = arr(s.containers);
  if (containers.length === 0) out.push(fieldErrors.required(`${path}.containers`));
  const names = new Set<string>();
  const checkNames = (list: unknown[], p: string) =>
    list.forEach((raw, i) => {
      const n = str(obj(raw)?.name);
      if (!n) return;
      if (names.has(n)) out.push(fieldErrors.duplicate(`${index(p, i)}.name`, n));
      names.add(n);
    });
  const initContainers = arr(s.initContainers);
  checkNames(initContainers, `${path}.initContainers`);
  checkNames(containers, `${path}.containers`);
  initContainers.forEach((c, i) => validateContainer(obj(c) ?? {}, index(`${path}.initContainers`, i), volumes, 'initContainers', out));
  containers.forEach((c, i) => validateContainer(obj(c) ?? {}, index(`${path}.containers`, i), volumes, 'containers', out));
  arr(s.ephemeralContainers).forEach((c, i) => validateContainer(obj(c) ?? {}, index(`${path}.ephemeralContainers`, i), volumes, 'ephemeralContainers', out));
  if (s.restartPolicy === undefined || s.restartPolicy === '') out.push(fieldErrors.required(`${path}.restartPolicy`));
  else if (!RESTART_POLICIES.includes(str(s.restartPolicy) ?? '?')) out.push(fieldErrors.notSupported(`${path}.restartPolicy`, s.restartPolicy, RESTART_POLICIES));
  if (s.dnsPolicy !== undefined && !DNS_POLICIES.includes(str(s.dnsPolicy) ?? '?')) out.push(fieldErrors.notSupported(`${path}.dnsPolicy`, s.dnsPolicy, DNS_POLICIES));
  if (s.dnsPolicy === 'None' && !obj(s.dnsConfig)) out.push(fieldErrors.required(`${path}.dnsConfig`, 'must provide `dnsConfig` when `dnsPolicy` is None'));
  nonNegative(s.terminationGracePeriodSeconds, `${path}.terminationGracePeriodSeconds`, out);
  const ads = s.activeDeadlineSeconds;
  if (typeof ads === 'number' && (ads < 1 || ads > 2147483647)) {
    out.push(fieldErrors.invalid(`${path}.activeDeadlineSeconds`, ads, 'must be between 1 and 2147483647, inclusive'));
  }
  if (typeof s.nodeName === 'string' && s.nodeName) for (const m of isDNS1123Subdomain(s.nodeName)) out.push(fieldErrors.invalid(`${path}.nodeName`, s.nodeName, m));
  if (typeof s.serviceAccountName === 'string' && s.serviceAccountName) {
    for (const m of isDNS1123Subdomain(s.serviceAccountName)) out.push(fieldErrors.invalid(`${path}.serviceAccountName`, s.serviceAccountName, m));
  }
  if (typeof s.hostname === 'string' && s.hostname) for (const m of isDNS1123Label(s.hostname)) out.push(fieldErrors.invalid(`${path}.hostname`, s.hostname, m));
  const nodeSelector = obj(s.nodeSelector);
  if (nodeSelector) validateLabels(nodeSelector as Record<string, string>, `${path}.nodeSelector`, out);
  arr(s.tolerations).forEach((raw, i) => {
    const t = obj(raw) ?? {};
    const p = index(`${path}.tolerations`, i);
    const op = t.operator ?? 'Equal';
    if (op !== 'Equal' && op !== 'Exists') out.push(fieldErrors.notSupported(`${p}.operator`, op, ['Equal', 'Exists']));
    if (op === 'Exists' && t.value) out.push(fieldErrors.invalid(`${p}.operator`, t.value, 'value must be empty when `operator` is \'Exists\''));
    if (!t.key && op !== 'Exists') out.push(fieldErrors.invalid(`${p}.operator`, op, 'operator must be Exists when `key` is empty, which means "match all values and all keys"'));
    const effects = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];
    if (t.effect !== undefined && t.effect !== '' && !effects.includes(str(t.effect) ?? '?')) out.push(fieldErrors.notSupported(`${p}.effect`, t.effect, effects));
  });
  arr(s.imagePullSecrets).forEach((raw, i) => {
    if (!str(obj(raw)?.name)) out.push(fieldErrors.required(`${index(`${path}.imagePullSecrets`, i)}.name`));
  });
  return out;
}

/** Upstream ValidatePodTemplateSpec (labels, annotations, spec) under `path` ("spec.template"). */
export function validatePodTemplateSpec(template: Obj | undefined, path: string): Causes {
  const out: Causes = [];
  const meta = obj(template?.metadata) ?? {};
  validateLabels(obj(meta.labels) as Record<string, string> | undefined, `${path}.metadata.labels`, out);
  validateAnnotations(obj(meta.annotations) as Record<string, string> | undefined, `${path}.metadata.annotations`, out);
  out.push(...validatePodSpec(obj(template?.spec), `${path}.spec`));
  return out;
}

export function validatePod(pod: KubeObject): Causes {
  return validatePodSpec(obj(pod.spec), 'spec');
}

/**
 * Pod updates may change only a few spec fields (container images, activeDeadlineSeconds,
 * added tolerations, terminationGracePeriodSeconds for already-deleting pods).
 */
export function validatePodUpdate(pod: KubeObject, old: KubeObject): Causes {
  const spec = obj(pod.spec) ?? {};
  const oldSpec = obj(old.spec) ?? {};
  const out: Causes = [];
  const ads = oldSpec.activeDeadlineSeconds;
  if (typeof ads === 'number') {
    const next = spec.activeDeadlineSeconds;
    if (typeof next !== 'number' || next > ads) {
      out.push(fieldErrors.invalid('spec.activeDeadlineSeconds', next ?? null, 'must be less than or equal to previous value'));
    }
  }
  // Compare with the mutable fields copied from the old spec: any other difference is forbidden.
  const mutable = structuredClone(spec);
  const withOldMutables = (list: unknown, oldList: unknown) =>
    arr(list).map((c, i) => {
      const oc = obj(arr(oldList)[i]);
      if (!isObj(c) || !oc) return c;
      return { ...c, image: oc.image };
    });
  mutable.containers = withOldMutables(mutable.containers, oldSpec.containers);
  mutable.initContainers = withOldMutables(mutable.initContainers, oldSpec.initContainers);
  if (mutable.initContainers && (mutable.initContainers as unknown[]).length === 0 && oldSpec.initContainers === undefined) delete mutable.initContainers;
  mutable.activeDeadlineSeconds = oldSpec.activeDeadlineSeconds;
  const oldTolerations = arr(oldSpec.tolerations);
  const newTolerations = arr(spec.tolerations);
  const keepsOld = oldTolerations.every((t) => newTolerations.some((n) => deepEqual(n, t)));
  if (keepsOld) mutable.tolerations = oldSpec.tolerations;
  if (old.metadata.deletionTimestamp) mutable.terminationGracePeriodSeconds = oldSpec.terminationGracePeriodSeconds;
  for (const k of Object.keys(mutable)) if (mutable[k] === undefined) delete mutable[k];
  if (!deepEqual(mutable, oldSpec)) {
    out.push(fieldErrors.forbidden('spec', 'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)'));
  }
  return out;
}

