// Per-type registry strategies for the built-in kinds: which defaulter, validators and
// create/update preparation apply to a (group, kind), and which name rule its objects follow.
// It only wires the pure functions from ../defaults and ../validation together; generic request
// handling (status/spec split, generation bumps, storage) belongs to the API server.
import type { StatusCause } from '../errors.js';
import type { KubeObject } from '../object.js';
import type { ResourceInfo, ResourceStrategy } from './types.js';
import * as podDefaults from '../defaults/pod.js';
import * as workloadDefaults from '../defaults/workloads.js';
import * as coreDefaults from '../defaults/core.js';
import * as clusterDefaults from '../defaults/cluster.js';
import { validatePod, validatePodTemplateSpec, validatePodUpdate } from '../validation/pod.js';
import * as workloads from '../validation/workloads.js';
import * as batch from '../validation/batch.js';
import { dropTypeDependentFields } from './service-type-change.js';
import * as service from '../validation/service.js';
import * as config from '../validation/config.js';
import * as cluster from '../validation/cluster.js';
import * as crd from '../validation/crd.js';
import { validateObjectMeta, validateObjectMetaUpdate } from '../validation/meta.js';
import { isObj, type Obj } from '../defaults/util.js';

function key(group: string, kind: string): string {
  return `${group}/${kind}`;
}

function spec(o: KubeObject): Obj {
  if (!isObj(o.spec)) o.spec = {};
  return o.spec as Obj;
}

/** Upstream's QoS class: Guaranteed when every container's requests equal its cpu+memory limits. */
export function podQOSClass(pod: KubeObject): 'Guaranteed' | 'Burstable' | 'BestEffort' {
  const s = isObj(pod.spec) ? pod.spec : {};
  const containers = [...(Array.isArray(s.initContainers) ? s.initContainers : []), ...(Array.isArray(s.containers) ? s.containers : [])];
  let any = false;
  let guaranteed = true;
  for (const c of containers) {
    const res = isObj(c) && isObj(c.resources) ? c.resources : {};
    const limits = isObj(res.limits) ? res.limits : {};
    const requests = isObj(res.requests) ? res.requests : {};
    const names = ['cpu', 'memory'];
    if (names.some((n) => limits[n] !== undefined || requests[n] !== undefined)) any = true;
    for (const n of names) {
      if (limits[n] === undefined) guaranteed = false;
      else if (requests[n] !== undefined && String(requests[n]) !== String(limits[n])) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

const withStatus = (s: ResourceStrategy): ResourceStrategy => ({ ...s, hasStatus: true });

function resetStatus(o: KubeObject): void {
  o.status = {};
}

const table = new Map<string, ResourceStrategy>([
  // core/v1
  [key('', 'Pod'), withStatus({
    default: podDefaults.defaultPod,
    prepareForCreate: (o) => { o.status = { phase: 'Pending', qosClass: podQOSClass(o) }; },
    validate: validatePod,
    validateUpdate: validatePodUpdate,
  })],
  [key('', 'PodTemplate'), {
    default: podDefaults.defaultPodTemplate,
    validate: (o) => validatePodTemplateSpec(isObj(o.template) ? o.template : undefined, 'template'),
    generationPaths: ['template'],
  }],
  [key('', 'ReplicationController'), withStatus({
    default: workloadDefaults.defaultReplicationController,
    prepareForCreate: resetStatus,
    validate: workloads.validateReplicationController,
  })],
  [key('', 'Service'), withStatus({
    default: coreDefaults.defaultService,
    prepareForCreate: (o) => { o.status = { loadBalancer: {} }; },
    prepareForUpdate: dropTypeDependentFields,
    validate: service.validateService,
    validateUpdate: service.validateServiceUpdate,
    nameRule: 'dns1123Label',
  })],
  [key('', 'Endpoints'), { default: coreDefaults.defaultEndpoints, validate: cluster.validateEndpoints, generationPaths: [] }],
  [key('', 'Node'), withStatus({ default: coreDefaults.defaultNode, validate: cluster.validateNode })],
  [key('', 'ConfigMap'), { validate: config.validateConfigMap, validateUpdate: config.validateConfigMapUpdate, generationPaths: [] }],
  [key('', 'Secret'), { default: coreDefaults.defaultSecret, validate: config.validateSecret, validateUpdate: config.validateSecretUpdate, generationPaths: [] }],
  [key('', 'ServiceAccount'), { validate: cluster.validateServiceAccount, generationPaths: [] }],
  [key('', 'Namespace'), withStatus({
    default: coreDefaults.defaultNamespace,
    prepareForCreate: (o) => {
      const s = spec(o);
      const f = Array.isArray(s.finalizers) ? (s.finalizers as string[]) : [];
      s.finalizers = f.includes('kubernetes') ? f : [...f, 'kubernetes'];
      o.status = { phase: 'Active' };
    },
    prepareForUpdate: (o, old, ctx) => {
      // spec.finalizers change only through the finalize subresource.
      if (ctx.subresource !== 'finalize') spec(o).finalizers = isObj(old.spec) ? old.spec.finalizers : undefined;
    },
    validate: cluster.validateNamespace,
    nameRule: 'dns1123Label',
    generationPaths: [],
  })],
  [key('', 'PersistentVolume'), withStatus({
    default: coreDefaults.defaultPersistentVolume,
    prepareForCreate: (o) => { o.status = { phase: 'Pending' }; },
    validate: cluster.validatePersistentVolume,
    validateUpdate: cluster.validatePersistentVolumeUpdate,
  })],
  [key('', 'PersistentVolumeClaim'), withStatus({
    default: coreDefaults.defaultPersistentVolumeClaim,
    prepareForCreate: (o) => { o.status = { phase: 'Pending' }; },
    validate: cluster.validatePersistentVolumeClaim,
    validateUpdate: cluster.validatePersistentVolumeClaimUpdate,
  })],
  [key('', 'Event'), { validate: cluster.validateEvent, nameRule: 'path', generationPaths: [] }],
  [key('', 'LimitRange'), { validate: cluster.validateLimitRange }],
  [key('', 'ResourceQuota'), withStatus({ validate: cluster.validateResourceQuota })],
  // apps/v1
  [key('apps', 'Deployment'), withStatus({
    default: workloadDefaults.defaultDeployment,
    prepareForCreate: resetStatus,
    validate: workloads.validateDeployment,
    validateUpdate: workloads.validateSelectorUpdate,
  })],
  [key('apps', 'ReplicaSet'), withStatus({
    default: workloadDefaults.defaultReplicaSet,
    prepareForCreate: resetStatus,
    validate: workloads.validateReplicaSet,
    validateUpdate: workloads.validateSelectorUpdate,
  })],
  [key('apps', 'StatefulSet'), withStatus({
    default: workloadDefaults.defaultStatefulSet,
    prepareForCreate: resetStatus,
    validate: workloads.validateStatefulSet,
    validateUpdate: (o, old) => [...workloads.validateSelectorUpdate(o, old), ...workloads.validateStatefulSetUpdate(o, old)],
    nameRule: 'dns1123Label',
  })],
  [key('apps', 'DaemonSet'), withStatus({
    default: workloadDefaults.defaultDaemonSet,
    prepareForCreate: resetStatus,
    validate: workloads.validateDaemonSet,
    validateUpdate: workloads.validateSelectorUpdate,
  })],
  [key('apps', 'ControllerRevision'), {
    validateUpdate: (o, old) => (JSON.stringify(o.data) === JSON.stringify(old.data) ? [] : [{ reason: 'FieldValueInvalid', field: 'data', message: 'Invalid value: "": field is immutable' }]),
    generationPaths: [],
  }],
  // batch/v1
  [key('batch', 'Job'), withStatus({
    default: workloadDefaults.defaultJob,
    prepareForCreate: (o) => { o.status = {}; batch.generateJobSelector(o); },
    validate: batch.validateJob,
    validateUpdate: batch.validateJobUpdate,
  })],
  [key('batch', 'CronJob'), withStatus({
    default: workloadDefaults.defaultCronJob,
    prepareForCreate: resetStatus,
    validate: batch.validateCronJob,
  })],
  // autoscaling
  [key('autoscaling', 'HorizontalPodAutoscaler'), withStatus({
    default: (o) => (o.apiVersion === 'autoscaling/v1' ? clusterDefaults.defaultHorizontalPodAutoscalerV1(o) : clusterDefaults.defaultHorizontalPodAutoscalerV2(o)),
    prepareForCreate: resetStatus,
    validate: cluster.validateHorizontalPodAutoscaler,
  })],
  [key('policy', 'PodDisruptionBudget'), withStatus({ prepareForCreate: resetStatus, validate: cluster.validatePodDisruptionBudget })],
  // networking, discovery
  [key('networking.k8s.io', 'Ingress'), withStatus({ prepareForCreate: resetStatus, validate: cluster.validateIngress })],
  [key('networking.k8s.io', 'IngressClass'), { default: clusterDefaults.defaultIngressClass, validate: cluster.validateIngressClass, validateUpdate: cluster.validateIngressClassUpdate }],
  [key('networking.k8s.io', 'NetworkPolicy'), { default: clusterDefaults.defaultNetworkPolicy, validate: cluster.validateNetworkPolicy }],
  [key('discovery.k8s.io', 'EndpointSlice'), {
    default: clusterDefaults.defaultEndpointSlice,
    validate: cluster.validateEndpointSlice,
    validateUpdate: cluster.validateEndpointSliceUpdate,
    generationPaths: ['endpoints', 'ports'],
  }],
  // storage
  [key('storage.k8s.io', 'StorageClass'), {
    default: clusterDefaults.defaultStorageClass,
    validate: cluster.validateStorageClass,
    validateUpdate: cluster.validateStorageClassUpdate,
    generationPaths: [],
  }],
  [key('storage.k8s.io', 'CSIDriver'), { default: clusterDefaults.defaultCSIDriver, validate: cluster.validateCSIDriver }],
  [key('storage.k8s.io', 'VolumeAttachment'), withStatus({ validate: cluster.validateVolumeAttachment })],
  // rbac
  [key('rbac.authorization.k8s.io', 'Role'), { validate: cluster.validateRole, nameRule: 'rbac', generationPaths: [] }],
  [key('rbac.authorization.k8s.io', 'ClusterRole'), { validate: cluster.validateClusterRole, nameRule: 'rbac', generationPaths: [] }],
  [key('rbac.authorization.k8s.io', 'RoleBinding'), {
    default: clusterDefaults.defaultRoleBinding,
    validate: (o) => cluster.validateRoleBinding(o, false),
    validateUpdate: cluster.validateRoleBindingUpdate,
    nameRule: 'rbac',
    generationPaths: [],
  }],
  [key('rbac.authorization.k8s.io', 'ClusterRoleBinding'), {
    default: clusterDefaults.defaultRoleBinding,
    validate: (o) => cluster.validateRoleBinding(o, true),
    validateUpdate: cluster.validateRoleBindingUpdate,
    nameRule: 'rbac',
    generationPaths: [],
  }],
  // the rest
  [key('coordination.k8s.io', 'Lease'), { validate: cluster.validateLease }],
  [key('events.k8s.io', 'Event'), { validate: cluster.validateEvent, generationPaths: [] }],
  [key('certificates.k8s.io', 'CertificateSigningRequest'), withStatus({
    default: clusterDefaults.defaultCertificateSigningRequest,
    prepareForCreate: resetStatus,
    validate: cluster.validateCertificateSigningRequest,
    validateUpdate: cluster.validateCertificateSigningRequestUpdate,
  })],
  [key('scheduling.k8s.io', 'PriorityClass'), {
    default: clusterDefaults.defaultPriorityClass,
    validate: cluster.validatePriorityClass,
    validateUpdate: cluster.validatePriorityClassUpdate,
    generationPaths: [],
  }],
  [key('admissionregistration.k8s.io', 'MutatingWebhookConfiguration'), {
    default: (o) => clusterDefaults.defaultWebhookConfiguration(o, true),
    validate: cluster.validateWebhookConfiguration,
    generationPaths: ['webhooks'],
  }],
  [key('admissionregistration.k8s.io', 'ValidatingWebhookConfiguration'), {
    default: (o) => clusterDefaults.defaultWebhookConfiguration(o, false),
    validate: cluster.validateWebhookConfiguration,
    generationPaths: ['webhooks'],
  }],
  [key('apiextensions.k8s.io', 'CustomResourceDefinition'), withStatus({
    default: clusterDefaults.defaultCustomResourceDefinition,
    prepareForCreate: (o) => { o.status = { storedVersions: [] }; },
    validate: crd.validateCustomResourceDefinition,
    validateUpdate: crd.validateCustomResourceDefinitionUpdate,
  })],
]);

const EMPTY: ResourceStrategy = {};

/** The strategy for a built-in kind; unknown kinds (e.g. reviews) get an empty strategy. */
export function strategyFor(group: string, kind: string): ResourceStrategy {
  return table.get(key(group, kind)) ?? EMPTY;
}

/** Create-time validation: ObjectMeta by the type's scope and name rule, then the type's own rules. */
export function validateForCreate(info: Pick<ResourceInfo, 'group' | 'kind' | 'namespaced'>, obj: KubeObject): StatusCause[] {
  const s = strategyFor(info.group, info.kind);
  const out = validateObjectMeta(obj.metadata, { namespaced: info.namespaced, nameRule: s.nameRule });
  if (s.validate) out.push(...s.validate(obj));
  return out;
}

/** Update-time validation: everything create checks, plus identity and type-specific immutability. */
export function validateForUpdate(info: Pick<ResourceInfo, 'group' | 'kind' | 'namespaced'>, obj: KubeObject, old: KubeObject): StatusCause[] {
  const s = strategyFor(info.group, info.kind);
  const out = validateObjectMeta(obj.metadata, { namespaced: info.namespaced, nameRule: s.nameRule });
  out.push(...validateObjectMetaUpdate(obj.metadata, old.metadata));
  if (s.validate) out.push(...s.validate(obj));
  if (s.validateUpdate) out.push(...s.validateUpdate(obj, old));
  return out;
}

