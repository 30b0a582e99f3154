// The built-in resource table: every kind the API server serves before any CRD exists, with the
// discovery facts kubectl relies on (plural, singular, short names, categories, scope, verbs,
// subresources and the kind each subresource answers with). It owns only these facts; it must
// never hold behaviour (that is strategies.ts) or schemas (that is the schema registry).
import type { GroupVersionKind, ResourceInfo, SubresourceInfo } from './types.js';

const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const NO_COLLECTION_DELETE = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];
const CREATE_ONLY = ['create'];
const READ_WRITE = ['get', 'patch', 'update'];
const PROXY_VERBS = ['create', 'delete', 'get', 'patch', 'update'];
const CONNECT_VERBS = ['create', 'get'];

/** Package path of each group's OpenAPI component names (upstream's Go package layout). */
const SCHEMA_PACKAGE: Record<string, string> = {
  '': 'io.k8s.api.core',
  'apiextensions.k8s.io': 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions',
  'admissionregistration.k8s.io': 'io.k8s.api.admissionregistration',
  'authentication.k8s.io': 'io.k8s.api.authentication',
  'authorization.k8s.io': 'io.k8s.api.authorization',
  'rbac.authorization.k8s.io': 'io.k8s.api.rbac',
  'certificates.k8s.io': 'io.k8s.api.certificates',
  'coordination.k8s.io': 'io.k8s.api.coordination',
  'discovery.k8s.io': 'io.k8s.api.discovery',
  'events.k8s.io': 'io.k8s.api.events',
  'networking.k8s.io': 'io.k8s.api.networking',
  'scheduling.k8s.io': 'io.k8s.api.scheduling',
  'storage.k8s.io': 'io.k8s.api.storage',
};

export function schemaNameFor(group: string, version: string, kind: string): string {
  const pkg = SCHEMA_PACKAGE[group] ?? `io.k8s.api.${group}`;
  return `${pkg}.${version}.${kind}`;
}

function gvk(group: string, version: string, kind: string): GroupVersionKind {
  return { group, version, kind };
}

interface Spec {
  kind: string;
  plural: string;
  namespaced: boolean;
  shortNames?: string[];
  categories?: string[];
  verbs?: string[];
  subresources?: SubresourceInfo[];
  virtual?: boolean;
}

function resources(group: string, version: string, specs: Spec[]): ResourceInfo[] {
  return specs.map((s) => {
    const info: ResourceInfo = {
      group,
      version,
      kind: s.kind,
      listKind: `${s.kind}List`,
      plural: s.plural,
      singular: s.kind.toLowerCase(),
      shortNames: s.shortNames ?? [],
      categories: s.categories ?? [],
      namespaced: s.namespaced,
      verbs: s.verbs ?? ALL_VERBS,
      subresources: s.subresources ?? [],
      schemaName: schemaNameFor(group, version, s.kind),
    };
    if (s.virtual) info.virtual = true;
    return info;
  });
}

/** The subresource answers with its parent's kind (status, approval, ephemeralcontainers, log). */
function same(group: string, version: string, kind: string, name: string, verbs = READ_WRITE): SubresourceInfo {
  return { name, responseKind: gvk(group, version, kind), verbs };
}

const scale: SubresourceInfo = { name: 'scale', responseKind: gvk('autoscaling', 'v1', 'Scale'), verbs: READ_WRITE };

const core = (kind: string, name: string, verbs = READ_WRITE) => same('', 'v1', kind, name, verbs);
const apps = (kind: string) => [scale, same('apps', 'v1', kind, 'status')];

export const builtinResources: ResourceInfo[] = [
  ...resources('', 'v1', [
    { kind: 'Binding', plural: 'bindings', namespaced: true, verbs: CREATE_ONLY },
    { kind: 'ConfigMap', plural: 'configmaps', namespaced: true, shortNames: ['cm'] },
    { kind: 'Endpoints', plural: 'endpoints', namespaced: true, shortNames: ['ep'] },
    { kind: 'Event', plural: 'events', namespaced: true, shortNames: ['ev'] },
    { kind: 'LimitRange', plural: 'limitranges', namespaced: true, shortNames: ['limits'] },
    {
      kind: 'Namespace', plural: 'namespaces', namespaced: false, shortNames: ['ns'], verbs: NO_COLLECTION_DELETE,
      subresources: [core('Namespace', 'finalize', ['update']), core('Namespace', 'status')],
    },
    {
      kind: 'Node', plural: 'nodes', namespaced: false, shortNames: ['no'],
      subresources: [{ name: 'proxy', responseKind: gvk('', 'v1', 'NodeProxyOptions'), verbs: PROXY_VERBS }, core('Node', 'status')],
    },
    { kind: 'PersistentVolumeClaim', plural: 'persistentvolumeclaims', namespaced: true, shortNames: ['pvc'], subresources: [core('PersistentVolumeClaim', 'status')] },
    { kind: 'PersistentVolume', plural: 'persistentvolumes', namespaced: false, shortNames: ['pv'], subresources: [core('PersistentVolume', 'status')] },
    {
      kind: 'Pod', plural: 'pods', namespaced: true, shortNames: ['po'], categories: ['all'],
      subresources: [
        { name: 'attach', responseKind: gvk('', 'v1', 'PodAttachOptions'), verbs: CONNECT_VERBS },
        { name: 'binding', responseKind: gvk('', 'v1', 'Binding'), verbs: CREATE_ONLY },
        core('Pod', 'ephemeralcontainers'),
        { name: 'eviction', responseKind: gvk('policy', 'v1', 'Eviction'), verbs: CREATE_ONLY },
        { name: 'exec', responseKind: gvk('', 'v1', 'PodExecOptions'), verbs: CONNECT_VERBS },
        core('Pod', 'log', ['get']),
        { name: 'portforward', responseKind: gvk('', 'v1', 'PodPortForwardOptions'), verbs: CONNECT_VERBS },
        { name: 'proxy', responseKind: gvk('', 'v1', 'PodProxyOptions'), verbs: PROXY_VERBS },
        core('Pod', 'status'),
      ],
    },
    { kind: 'PodTemplate', plural: 'podtemplates', namespaced: true },
    {
      kind: 'ReplicationController', plural: 'replicationcontrollers', namespaced: true, shortNames: ['rc'], categories: ['all'],
      subresources: [scale, core('ReplicationController', 'status')],
    },
    { kind: 'ResourceQuota', plural: 'resourcequotas', namespaced: true, shortNames: ['quota'], subresources: [core('ResourceQuota', 'status')] },
    { kind: 'Secret', plural: 'secrets', namespaced: true },
    {
      kind: 'ServiceAccount', plural: 'serviceaccounts', namespaced: true, shortNames: ['sa'],
      subresources: [{ name: 'token', responseKind: gvk('authentication.k8s.io', 'v1', 'TokenRequest'), verbs: CREATE_ONLY }],
    },
    {
      kind: 'Service', plural: 'services', namespaced: true, shortNames: ['svc'], categories: ['all'],
      subresources: [{ name: 'proxy', responseKind: gvk('', 'v1', 'ServiceProxyOptions'), verbs: PROXY_VERBS }, core('Service', 'status')],
    },
  ]),
  ...resources('apps', 'v1', [
    { kind: 'ControllerRevision', plural: 'controllerrevisions', namespaced: true },
    { kind: 'DaemonSet', plural: 'daemonsets', namespaced: true, shortNames: ['ds'], categories: ['all'], subresources: [same('apps', 'v1', 'DaemonSet', 'status')] },
    { kind: 'Deployment', plural: 'deployments', namespaced: true, shortNames: ['deploy'], categories: ['all'], subresources: apps('Deployment') },
    { kind: 'ReplicaSet', plural: 'replicasets', namespaced: true, shortNames: ['rs'], categories: ['all'], subresources: apps('ReplicaSet') },
    { kind: 'StatefulSet', plural: 'statefulsets', namespaced: true, shortNames: ['sts'], categories: ['all'], subresources: apps('StatefulSet') },
  ]),
  ...resources('events.k8s.io', 'v1', [{ kind: 'Event', plural: 'events', namespaced: true, shortNames: ['ev'] }]),
  ...resources('authentication.k8s.io', 'v1', [
    { kind: 'SelfSubjectReview', plural: 'selfsubjectreviews', namespaced: false, verbs: CREATE_ONLY, virtual: true },
    { kind: 'TokenReview', plural: 'tokenreviews', namespaced: false, verbs: CREATE_ONLY, virtual: true },
  ]),
  ...resources('authorization.k8s.io', 'v1', [
    { kind: 'LocalSubjectAccessReview', plural: 'localsubjectaccessreviews', namespaced: true, verbs: CREATE_ONLY, virtual: true },
    { kind: 'SelfSubjectAccessReview', plural: 'selfsubjectaccessreviews', namespaced: false, verbs: CREATE_ONLY, virtual: true },
    { kind: 'SelfSubjectRulesReview', plural: 'selfsubjectrulesreviews', namespaced: false, verbs: CREATE_ONLY, virtual: true },
    { kind: 'SubjectAccessReview', plural: 'subjectaccessreviews', namespaced: false, verbs: CREATE_ONLY, virtual: true },
  ]),
  ...(['v2', 'v1'] as const).flatMap((v) =>
    resources('autoscaling', v, [
      {
        kind: 'HorizontalPodAutoscaler', plural: 'horizontalpodautoscalers', namespaced: true, shortNames: ['hpa'], categories: ['all'],
        subresources: [same('autoscaling', v, 'HorizontalPodAutoscaler', 'status')],
      },
    ]),
  ),
  ...resources('batch', 'v1', [
    { kind: 'CronJob', plural: 'cronjobs', namespaced: true, shortNames: ['cj'], categories: ['all'], subresources: [same('batch', 'v1', 'CronJob', 'status')] },
    { kind: 'Job', plural: 'jobs', namespaced: true, categories: ['all'], subresources: [same('batch', 'v1', 'Job', 'status')] },
  ]),
  ...resources('certificates.k8s.io', 'v1', [
    {
      kind: 'CertificateSigningRequest', plural: 'certificatesigningrequests', namespaced: false, shortNames: ['csr'],
      subresources: [same('certificates.k8s.io', 'v1', 'CertificateSigningRequest', 'approval'), same('certificates.k8s.io', 'v1', 'CertificateSigningRequest', 'status')],
    },
  ]),
  ...resources('networking.k8s.io', 'v1', [
    { kind: 'IngressClass', plural: 'ingressclasses', namespaced: false },
    { kind: 'Ingress', plural: 'ingresses', namespaced: true, shortNames: ['ing'], subresources: [same('networking.k8s.io', 'v1', 'Ingress', 'status')] },
    { kind: 'NetworkPolicy', plural: 'networkpolicies', namespaced: true, shortNames: ['netpol'] },
  ]),
  ...resources('policy', 'v1', [
    { kind: 'PodDisruptionBudget', plural: 'poddisruptionbudgets', namespaced: true, shortNames: ['pdb'], subresources: [same('policy', 'v1', 'PodDisruptionBudget', 'status')] },
  ]),
  ...resources('rbac.authorization.k8s.io', 'v1', [
    { kind: 'ClusterRoleBinding', plural: 'clusterrolebindings', namespaced: false },
    { kind: 'ClusterRole', plural: 'clusterroles', namespaced: false },
    { kind: 'RoleBinding', plural: 'rolebindings', namespaced: true },
    { kind: 'Role', plural: 'roles', namespaced: true },
  ]),
  ...resources('storage.k8s.io', 'v1', [
    { kind: 'CSIDriver', plural: 'csidrivers', namespaced: false },
    { kind: 'CSINode', plural: 'csinodes', namespaced: false },
    { kind: 'StorageClass', plural: 'storageclasses', namespaced: false, shortNames: ['sc'] },
    { kind: 'VolumeAttachment', plural: 'volumeattachments', namespaced: false, subresources: [same('storage.k8s.io', 'v1', 'VolumeAttachment', 'status')] },
  ]),
  ...resources('admissionregistration.k8s.io', 'v1', [
    { kind: 'MutatingWebhookConfiguration', plural: 'mutatingwebhookconfigurations', namespaced: false, categories: ['api-extensions'] },
    { kind: 'ValidatingWebhookConfiguration', plural: 'validatingwebhookconfigurations', namespaced: false, categories: ['api-extensions'] },
    {
      kind: 'ValidatingAdmissionPolicy', plural: 'validatingadmissionpolicies', namespaced: false, categories: ['api-extensions'],
      subresources: [same('admissionregistration.k8s.io', 'v1', 'ValidatingAdmissionPolicy', 'status')],
    },
    { kind: 'ValidatingAdmissionPolicyBinding', plural: 'validatingadmissionpolicybindings', namespaced: false, categories: ['api-extensions'] },
  ]),
  ...resources('apiextensions.k8s.io', 'v1', [
    {
      kind: 'CustomResourceDefinition', plural: 'customresourcedefinitions', namespaced: false, shortNames: ['crd', 'crds'], categories: ['api-extensions'],
      subresources: [same('apiextensions.k8s.io', 'v1', 'CustomResourceDefinition', 'status')],
    },
  ]),
  ...resources('scheduling.k8s.io', 'v1', [{ kind: 'PriorityClass', plural: 'priorityclasses', namespaced: false, shortNames: ['pc'] }]),
  ...resources('coordination.k8s.io', 'v1', [{ kind: 'Lease', plural: 'leases', namespaced: true }]),
  ...resources('discovery.k8s.io', 'v1', [{ kind: 'EndpointSlice', plural: 'endpointslices', namespaced: true }]),
];

export interface GroupPreference {
  group: string;
  /** Served versions, preferred first. */
  versions: string[];
}

/**
 * Discovery order of the groups and their versions, as upstream's API service priorities place
 * them (core first, then apps, events, ...). Ties in priority are broken by group name.
 */
export const groupOrder: GroupPreference[] = [
  { group: '', versions: ['v1'] },
  { group: 'apps', versions: ['v1'] },
  { group: 'events.k8s.io', versions: ['v1'] },
  { group: 'authentication.k8s.io', versions: ['v1'] },
  { group: 'authorization.k8s.io', versions: ['v1'] },
  { group: 'autoscaling', versions: ['v2', 'v1'] },
  { group: 'batch', versions: ['v1'] },
  { group: 'certificates.k8s.io', versions: ['v1'] },
  { group: 'networking.k8s.io', versions: ['v1'] },
  { group: 'policy', versions: ['v1'] },
  { group: 'rbac.authorization.k8s.io', versions: ['v1'] },
  { group: 'storage.k8s.io', versions: ['v1'] },
  { group: 'admissionregistration.k8s.io', versions: ['v1'] },
  { group: 'apiextensions.k8s.io', versions: ['v1'] },
  { group: 'scheduling.k8s.io', versions: ['v1'] },
  { group: 'coordination.k8s.io', versions: ['v1'] },
  { group: 'discovery.k8s.io', versions: ['v1'] },
];

/** Preferred version of a built-in group, or undefined when the group is not built in. */
export function preferredVersion(group: string): string | undefined {
  return groupOrder.find((g) => g.group === group)?.versions[0];
}
