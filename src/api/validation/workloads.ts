// Validation of the controllers that own a pod template: Deployment, ReplicaSet,
// ReplicationController, StatefulSet and DaemonSet (upstream apps validation).
import { fieldErrors } from '../errors.js';
import type { KubeObject } from '../object.js';
import { validatePodTemplateSpec } from './pod.js';
import { isEmptySelector, selectorMatches, validateLabelSelector } from './selector.js';
import { arr, type Causes, deepEqual, FIELD_IMMUTABLE, NON_NEGATIVE, obj, type Obj, str } from './field.js';

const PERCENT_RE = /^[0-9]+%$/;
const PERCENT_MSG = "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')";

/** Integer, or the percentage as a negative sentinel-free number; undefined when invalid. */
function intOrPercent(v: unknown, path: string, out: Causes): { value: number; percent: boolean } | undefined {
  if (typeof v === 'number') {
    if (v < 0) { out.push(fieldErrors.invalid(path, v, NON_NEGATIVE)); return undefined; }
    return { value: v, percent: false };
  }
  if (typeof v === 'string') {
    if (!PERCENT_RE.test(v)) { out.push(fieldErrors.invalid(path, v, PERCENT_MSG)); return undefined; }
    return { value: parseInt(v, 10), percent: true };
  }
  return undefined;
}

function notMoreThan100(v: { value: number; percent: boolean } | undefined, raw: unknown, path: string, out: Causes): void {
  if (v?.percent && v.value > 100) out.push(fieldErrors.invalid(path, raw, 'must not be greater than 100%'));
}

function nonNegative(v: unknown, path: string, out: Causes): void {
  if (typeof v === 'number' && v < 0) out.push(fieldErrors.invalid(path, v, NON_NEGATIVE));
}

function validateRollingUpdate(ru: Obj, path: string, out: Causes): void {
  const surge = intOrPercent(ru.maxSurge, `${path}.maxSurge`, out);
  const unavailable = intOrPercent(ru.maxUnavailable, `${path}.maxUnavailable`, out);
  if (surge?.value === 0 && unavailable?.value === 0) {
    out.push(fieldErrors.invalid(`${path}.maxUnavailable`, ru.maxUnavailable, 'may not be 0 when `maxSurge` is 0'));
  }
  notMoreThan100(unavailable, ru.maxUnavailable, `${path}.maxUnavailable`, out);
}

/**
 * Selector and template checks shared by every workload. `kindWord` goes into the
 * "empty selector is invalid for <kind>" message exactly as upstream words it.
 */
function validateSelectorAndTemplate(spec: Obj, kindWord: string, adsKind: string, out: Causes): void {
  const selector = obj(spec.selector);
  const template = obj(spec.template);
  if (!selector) {
    out.push(fieldErrors.required('spec.selector'));
  } else {
    validateLabelSelector(selector, 'spec.selector', out);
    if (isEmptySelector(selector)) out.push(fieldErrors.invalid('spec.selector', selector, `empty selector is invalid for ${kindWord}`));
  }
  if (!template) {
    out.push(fieldErrors.required('spec.template'));
    return;
  }
  const labels = obj(obj(template.metadata)?.labels) as Record<string, string> | undefined;
  if (selector && !isEmptySelector(selector) && !selectorMatches(selector, labels)) {
    out.push(fieldErrors.invalid('spec.template.metadata.labels', labels ?? {}, '`selector` does not match template `labels`'));
  }
  out.push(...validatePodTemplateSpec(template, 'spec.template'));
  const rp = obj(template.spec)?.restartPolicy;
  if (rp !== undefined && rp !== 'Always') out.push(fieldErrors.notSupported('spec.template.spec.restartPolicy', rp, ['Always']));
  const ads = obj(template.spec)?.activeDeadlineSeconds;
  if (ads !== undefined && ads !== null) out.push(fieldErrors.forbidden('spec.template.spec.activeDeadlineSeconds', `activeDeadlineSeconds in ${adsKind} is not Supported`));
}

export function validateDeployment(d: KubeObject): Causes {
  const out: Causes = [];
  const spec = obj(d.spec) ?? {};
  nonNegative(spec.replicas, 'spec.replicas', out);
  validateSelectorAndTemplate(spec, 'deployment', 'ReplicaSet', out);
  const strategy = obj(spec.strategy) ?? {};
  const types = ['Recreate', 'RollingUpdate'];
  const t = strategy.type;
  if (t === undefined || t === '') out.push(fieldErrors.required('spec.strategy.type'));
  else if (!types.includes(str(t) ?? '?')) out.push(fieldErrors.notSupported('spec.strategy.type', t, types));
  const ru = obj(strategy.rollingUpdate);
  if (t === 'Recreate' && ru) out.push(fieldErrors.forbidden('spec.strategy.rollingUpdate', "may not be specified when strategy `type` is 'Recreate'"));
  if (t === 'RollingUpdate' && ru) validateRollingUpdate(ru, 'spec.strategy.rollingUpdate', out);
  nonNegative(spec.revisionHistoryLimit, 'spec.revisionHistoryLimit', out);
  nonNegative(spec.minReadySeconds, 'spec.minReadySeconds', out);
  const pds = spec.progressDeadlineSeconds;
  if (typeof pds === 'number') {
    nonNegative(pds, 'spec.progressDeadlineSeconds', out);
    if (typeof spec.minReadySeconds === 'number' && pds <= spec.minReadySeconds) {
      out.push(fieldErrors.invalid('spec.progressDeadlineSeconds', pds, 'must be greater than minReadySeconds'));
    }
  }
  return out;
}

export function validateReplicaSet(rs: KubeObject): Causes {
  const out: Causes = [];
  const spec = obj(rs.spec) ?? {};
  nonNegative(spec.replicas, 'spec.replicas', out);
  nonNegative(spec.minReadySeconds, 'spec.minReadySeconds', out);
  validateSelectorAndTemplate(spec, 'deployment', 'ReplicaSet', out);
  return out;
}

/** ReplicationController selectors are plain label maps. */
export function validateReplicationController(rc: KubeObject): Causes {
  const out: Causes = [];
  const spec = obj(rc.spec) ?? {};
  nonNegative(spec.replicas, 'spec.replicas', out);
  nonNegative(spec.minReadySeconds, 'spec.minReadySeconds', out);
  const selector = obj(spec.selector) as Record<string, string> | undefined;
  if (!selector || Object.keys(selector).length === 0) out.push(fieldErrors.required('spec.selector'));
  const template = obj(spec.template);
  if (!template) {
    out.push(fieldErrors.required('spec.template'));
    return out;
  }
  const labels = (obj(obj(template.metadata)?.labels) ?? {}) as Record<string, string>;
  if (selector && Object.keys(selector).length > 0 && !Object.entries(selector).every(([k, v]) => labels[k] === v)) {
    out.push(fieldErrors.invalid('spec.template.metadata.labels', labels, '`selector` does not match template `labels`'));
  }
  out.push(...validatePodTemplateSpec(template, 'spec.template'));
  const rp = obj(template.spec)?.restartPolicy;
  if (rp !== undefined && rp !== 'Always') out.push(fieldErrors.notSupported('spec.template.spec.restartPolicy', rp, ['Always']));
  return out;
}

export function validateStatefulSet(sts: KubeObject): Causes {
  const out: Causes = [];
  const spec = obj(sts.spec) ?? {};
  const policies = ['OrderedReady', 'Parallel'];
  if (spec.podManagementPolicy !== undefined && !policies.includes(str(spec.podManagementPolicy) ?? '?')) {
    out.push(fieldErrors.invalid('spec.podManagementPolicy', spec.podManagementPolicy, `must be 'OrderedReady' or 'Parallel'`));
  }
  const us = obj(spec.updateStrategy) ?? {};
  const types = ['OnDelete', 'RollingUpdate'];
  if (us.type === undefined || us.type === '') out.push(fieldErrors.required('spec.updateStrategy'));
  else if (!types.includes(str(us.type) ?? '?')) out.push(fieldErrors.invalid('spec.updateStrategy', us, `must be 'RollingUpdate' or 'OnDelete'`));
  const ru = obj(us.rollingUpdate);
  if (us.type === 'OnDelete' && ru) out.push(fieldErrors.invalid('spec.updateStrategy.rollingUpdate', ru, "only allowed for updateStrategy 'RollingUpdate'"));
  if (ru) {
    nonNegative(ru.partition, 'spec.updateStrategy.rollingUpdate.partition', out);
    if (ru.maxUnavailable !== undefined) {
      const mu = intOrPercent(ru.maxUnavailable, 'spec.updateStrategy.rollingUpdate.maxUnavailable', out);
      if (mu && mu.value === 0) out.push(fieldErrors.invalid('spec.updateStrategy.rollingUpdate.maxUnavailable', ru.maxUnavailable, 'must be greater than 0'));
      notMoreThan100(mu, ru.maxUnavailable, 'spec.updateStrategy.rollingUpdate.maxUnavailable', out);
    }
  }
  const retention = obj(spec.persistentVolumeClaimRetentionPolicy);
  if (retention) {
    for (const f of ['whenDeleted', 'whenScaled']) {
      const v = retention[f];
      if (v !== undefined && v !== 'Retain' && v !== 'Delete') {
        out.push(fieldErrors.notSupported(`spec.persistentVolumeClaimRetentionPolicy.${f}`, v, ['Retain', 'Delete']));
      }
    }
  }
  nonNegative(spec.replicas, 'spec.replicas', out);
  nonNegative(spec.minReadySeconds, 'spec.minReadySeconds', out);
  nonNegative(spec.revisionHistoryLimit, 'spec.revisionHistoryLimit', out);
  const ordinals = obj(spec.ordinals);
  if (ordinals) nonNegative(ordinals.start, 'spec.ordinals.start', out);
  // Containers may mount the claims of volumeClaimTemplates: the controller adds those volumes to each pod.
  validateSelectorAndTemplate(withClaimTemplateVolumes(spec), 'statefulset', 'StatefulSet', out);
  return out;
}

function withClaimTemplateVolumes(spec: Obj): Obj {
  const templates = arr(spec.volumeClaimTemplates);
  const template = obj(spec.template);
  const podSpec = obj(template?.spec);
  if (!templates.length || !template || !podSpec) return spec;
  const names = new Set(arr(podSpec.volumes).map((v) => str(obj(v)?.name)));
  const claimVolumes = templates
    .map((t) => str(obj(obj(t)?.metadata)?.name))
    .filter((n): n is string => !!n && !names.has(n))
    .map((name) => ({ name, persistentVolumeClaim: { claimName: name } }));
  return { ...spec, template: { ...template, spec: { ...podSpec, volumes: [...arr(podSpec.volumes), ...claimVolumes] } } };
}

export function validateDaemonSet(ds: KubeObject): Causes {
  const out: Causes = [];
  const spec = obj(ds.spec) ?? {};
  validateSelectorAndTemplate(spec, 'daemonset', 'DaemonSet', out);
  nonNegative(spec.minReadySeconds, 'spec.minReadySeconds', out);
  nonNegative(spec.revisionHistoryLimit, 'spec.revisionHistoryLimit', out);
  const us = obj(spec.updateStrategy) ?? {};
  const types = ['OnDelete', 'RollingUpdate'];
  if (us.type === undefined || us.type === '') out.push(fieldErrors.required('spec.updateStrategy.type'));
  else if (!types.includes(str(us.type) ?? '?')) out.push(fieldErrors.notSupported('spec.updateStrategy.type', us.type, types));
  const ru = obj(us.rollingUpdate);
  if (us.type === 'RollingUpdate') {
    if (!ru) out.push(fieldErrors.required('spec.updateStrategy.rollingUpdate'));
    else validateRollingUpdate(ru, 'spec.updateStrategy.rollingUpdate', out);
  }
  return out;
}

function selectorImmutable(spec: Obj, oldSpec: Obj, out: Causes): void {
  if (!deepEqual(spec.selector, oldSpec.selector)) out.push(fieldErrors.invalid('spec.selector', spec.selector ?? null, FIELD_IMMUTABLE));
}

/** Deployment, ReplicaSet, DaemonSet: the selector is frozen after create. */
export function validateSelectorUpdate(obj1: KubeObject, old: KubeObject): Causes {
  const out: Causes = [];
  selectorImmutable(obj(obj1.spec) ?? {}, obj(old.spec) ?? {}, out);
  return out;
}

const STS_MUTABLE = ['replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy', 'minReadySeconds'];

export function validateStatefulSetUpdate(sts: KubeObject, old: KubeObject): Causes {
  const spec = { ...(obj(sts.spec) ?? {}) };
  const oldSpec = { ...(obj(old.spec) ?? {}) };
  for (const k of STS_MUTABLE) { delete spec[k]; delete oldSpec[k]; }
  if (deepEqual(spec, oldSpec)) return [];
  return [fieldErrors.forbidden('spec', "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden")];
}
