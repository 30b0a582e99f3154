// The default ClusterRoles and ClusterRoleBindings a cluster starts with (upstream's bootstrap
// policy, as of v1.32): user-facing roles (cluster-admin, admin, edit, view and their
// aggregate-to-* parts), discovery and public-info roles, and one role per system component
// and per controller. Data only; reconcile-defaults.ts writes it.
import type { BindingObject, PolicyRule, RoleObject, Subject } from './rbac-types.js';
import { RBAC_GROUP } from './rbac-types.js';

export const BOOTSTRAP_LABEL = { 'kubernetes.io/bootstrapping': 'rbac-defaults' } as const;
export const AUTOUPDATE_ANNOTATION = 'rbac.authorization.kubernetes.io/autoupdate';
export const CONTROLLER_ROLE_PREFIX = 'system:controller:';

const READ = ['get', 'list', 'watch'];
const WRITE = ['create', 'delete', 'deletecollection', 'patch', 'update'];
const ALL_RW = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

const r = (verbs: string[], apiGroups: string[], resources: string[], resourceNames?: string[]): PolicyRule =>
  resourceNames ? { apiGroups, resources, resourceNames, verbs } : { apiGroups, resources, verbs };
const urls = (verbs: string[], nonResourceURLs: string[]): PolicyRule => ({ nonResourceURLs, verbs });
const events = (): PolicyRule => r(['create', 'patch', 'update'], ['', 'events.k8s.io'], ['events']);

function clusterRole(name: string, rules: PolicyRule[] | null, extra: { labels?: Record<string, string>; aggregateTo?: string } = {}): RoleObject {
  const labels: Record<string, string> = { ...BOOTSTRAP_LABEL, ...extra.labels };
  const role: RoleObject = {
    apiVersion: `${RBAC_GROUP}/v1`,
    kind: 'ClusterRole',
    metadata: { name, labels, annotations: { [AUTOUPDATE_ANNOTATION]: 'true' } },
    rules,
  };
  if (extra.aggregateTo) role.aggregationRule = { clusterRoleSelectors: [{ matchLabels: { [`rbac.authorization.k8s.io/aggregate-to-${extra.aggregateTo}`]: 'true' } }] };
  return role;
}

const aggregateLabel = (to: string) => ({ [`rbac.authorization.k8s.io/aggregate-to-${to}`]: 'true' });

export function defaultClusterRoles(): RoleObject[] {
  return [
    clusterRole('cluster-admin', [r(['*'], ['*'], ['*']), urls(['*'], ['*'])]),
    clusterRole('admin', null, { aggregateTo: 'admin' }),
    clusterRole('edit', null, { aggregateTo: 'edit', labels: aggregateLabel('admin') }),
    clusterRole('view', null, { aggregateTo: 'view', labels: aggregateLabel('edit') }),
    clusterRole('system:aggregate-to-admin', [
      r(['create'], ['authorization.k8s.io'], ['localsubjectaccessreviews']),
      r(ALL_RW, ['rbac.authorization.k8s.io'], ['rolebindings', 'roles']),
    ], { labels: aggregateLabel('admin') }),
    clusterRole('system:aggregate-to-edit', [
      r(READ, [''], ['pods/attach', 'pods/exec', 'pods/portforward', 'pods/proxy', 'secrets', 'services/proxy']),
      r(['impersonate'], [''], ['serviceaccounts']),
      r(WRITE, [''], ['pods', 'pods/attach', 'pods/exec', 'pods/portforward', 'pods/proxy']),
      r(['create'], [''], ['pods/eviction']),
      r(WRITE, [''], ['configmaps', 'events', 'persistentvolumeclaims', 'replicationcontrollers', 'replicationcontrollers/scale', 'secrets', 'serviceaccounts', 'services', 'services/proxy']),
      r(['create'], [''], ['serviceaccounts/token']),
      r(WRITE, ['apps'], ['daemonsets', 'deployments', 'deployments/rollback', 'deployments/scale', 'replicasets', 'replicasets/scale', 'statefulsets', 'statefulsets/scale']),
      r(WRITE, ['autoscaling'], ['horizontalpodautoscalers']),
      r(WRITE, ['batch'], ['cronjobs', 'jobs']),
      r(WRITE, ['extensions'], ['daemonsets', 'deployments', 'deployments/rollback', 'deployments/scale', 'ingresses', 'networkpolicies', 'replicasets', 'replicasets/scale', 'replicationcontrollers/scale']),
      r(WRITE, ['policy'], ['poddisruptionbudgets']),
      r(WRITE, ['networking.k8s.io'], ['ingresses', 'networkpolicies']),
      r(ALL_RW, ['coordination.k8s.io'], ['leases']),
    ], { labels: aggregateLabel('edit') }),
    clusterRole('system:aggregate-to-view', [
      r(READ, [''], ['configmaps', 'endpoints', 'persistentvolumeclaims', 'persistentvolumeclaims/status', 'pods', 'replicationcontrollers', 'replicationcontrollers/scale', 'serviceaccounts', 'services', 'services/status']),
      r(READ, [''], ['bindings', 'events', 'limitranges', 'namespaces/status', 'pods/log', 'pods/status', 'replicationcontrollers/status', 'resourcequotas', 'resourcequotas/status']),
      r(READ, [''], ['namespaces']),
      r(READ, ['discovery.k8s.io'], ['endpointslices']),
      r(READ, ['apps'], ['controllerrevisions', 'daemonsets', 'daemonsets/status', 'deployments', 'deployments/scale', 'deployments/status', 'replicasets', 'replicasets/scale', 'replicasets/status', 'statefulsets', 'statefulsets/scale', 'statefulsets/status']),
      r(READ, ['autoscaling'], ['horizontalpodautoscalers', 'horizontalpodautoscalers/status']),
      r(READ, ['batch'], ['cronjobs', 'cronjobs/status', 'jobs', 'jobs/status']),
      r(READ, ['extensions'], ['daemonsets', 'daemonsets/status', 'deployments', 'deployments/scale', 'deployments/status', 'ingresses', 'ingresses/status', 'networkpolicies', 'replicasets', 'replicasets/scale', 'replicasets/status', 'replicationcontrollers/scale']),
      r(READ, ['policy'], ['poddisruptionbudgets', 'poddisruptionbudgets/status']),
      r(READ, ['networking.k8s.io'], ['ingresses', 'ingresses/status', 'networkpolicies']),
    ], { labels: aggregateLabel('view') }),
    clusterRole('system:auth-delegator', [r(['create'], ['authentication.k8s.io'], ['tokenreviews']), r(['create'], ['authorization.k8s.io'], ['subjectaccessreviews'])]),
    clusterRole('system:basic-user', [
      r(['create'], ['authorization.k8s.io'], ['selfsubjectaccessreviews', 'selfsubjectrulesreviews']),
      r(['create'], ['authentication.k8s.io'], ['selfsubjectreviews']),
    ]),
    clusterRole('system:certificates.k8s.io:certificatesigningrequests:nodeclient', [r(['create'], ['certificates.k8s.io'], ['certificatesigningrequests/nodeclient'])]),
    clusterRole('system:certificates.k8s.io:certificatesigningrequests:selfnodeclient', [r(['create'], ['certificates.k8s.io'], ['certificatesigningrequests/selfnodeclient'])]),
    ...['kube-apiserver-client', 'kube-apiserver-client-kubelet', 'kubelet-serving', 'legacy-unknown'].map((s) =>
      clusterRole(`system:certificates.k8s.io:${s}-approver`, [r(['approve'], ['certificates.k8s.io'], ['signers'], [`kubernetes.io/${s}`])]),
    ),
    clusterRole('system:discovery', [urls(['get'], ['/api', '/api/*', '/apis', '/apis/*', '/healthz', '/livez', '/openapi', '/openapi/*', '/readyz', '/version', '/version/'])]),
    clusterRole('system:heapster', [r(READ, [''], ['events', 'namespaces', 'nodes', 'pods']), r(READ, ['extensions'], ['deployments'])]),
    clusterRole('system:kube-aggregator', [r(READ, [''], ['endpoints', 'services'])]),
    clusterRole('system:kube-controller-manager', [
      events(),
      r(['create'], ['coordination.k8s.io'], ['leases']),
      r(['get', 'update'], ['coordination.k8s.io'], ['leases'], ['kube-controller-manager']),
      r(['create'], [''], ['secrets', 'serviceaccounts']),
      r(['delete'], [''], ['secrets']),
      r(['get'], [''], ['configmaps', 'namespaces', 'secrets', 'serviceaccounts']),
      r(['update'], [''], ['secrets', 'serviceaccounts']),
      r(['create'], ['authentication.k8s.io'], ['tokenreviews']),
      r(['create'], ['authorization.k8s.io'], ['subjectaccessreviews']),
      r(['list', 'watch'], ['*'], ['*']),
      r(['create'], [''], ['serviceaccounts/token']),
    ]),
    clusterRole('system:kube-dns', [r(['list', 'watch'], [''], ['endpoints', 'services'])]),
    // Not upstream bootstrap policy: CoreDNS's own manifest role, for the agents' cluster DNS.
    clusterRole('system:coredns', [r(['list', 'watch'], [''], ['endpoints', 'services', 'pods', 'namespaces']), r(['list', 'watch'], ['discovery.k8s.io'], ['endpointslices'])]),
    clusterRole('system:kube-scheduler', [
      events(),
      r(['create'], ['coordination.k8s.io'], ['leases']),
      r(['get', 'update'], ['coordination.k8s.io'], ['leases'], ['kube-scheduler']),
      r(READ, [''], ['nodes']),
      r(['delete', 'get', 'list', 'watch'], [''], ['pods']),
      r(['create'], [''], ['bindings', 'pods/binding']),
      r(['patch', 'update'], [''], ['pods/status']),
      r(READ, [''], ['replicationcontrollers', 'services']),
      r(READ, ['apps', 'extensions'], ['replicasets']),
      r(READ, ['apps'], ['statefulsets']),
      r(READ, ['policy'], ['poddisruptionbudgets']),
      r(READ, [''], ['persistentvolumeclaims', 'persistentvolumes']),
      r(['create'], ['authentication.k8s.io'], ['tokenreviews']),
      r(['create'], ['authorization.k8s.io'], ['subjectaccessreviews']),
      r(READ, ['storage.k8s.io'], ['csinodes']),
      r(READ, [''], ['namespaces']),
      r(READ, ['storage.k8s.io'], ['csidrivers']),
      r(READ, ['storage.k8s.io'], ['csistoragecapacities']),
    ]),
    clusterRole('system:kubelet-api-admin', [r(READ, [''], ['nodes']), r(['proxy'], [''], ['nodes']), r(['*'], [''], ['nodes/log', 'nodes/metrics', 'nodes/proxy', 'nodes/stats'])]),
    clusterRole('system:monitoring', [urls(['get'], ['/healthz', '/healthz/*', '/livez', '/livez/*', '/metrics', '/metrics/slis', '/readyz', '/readyz/*'])]),
    clusterRole('system:node', [
      r(['create'], ['authentication.k8s.io'], ['tokenreviews']),
      r(['create'], ['authorization.k8s.io'], ['localsubjectaccessreviews', 'subjectaccessreviews']),
      r(READ, [''], ['services']),
      r(['create', 'get', 'list', 'watch'], [''], ['nodes']),
      r(['patch', 'update'], [''], ['nodes/status']),
      r(['patch', 'update'], [''], ['nodes']),
      r(['create', 'patch', 'update'], [''], ['events']),
      r(READ, [''], ['pods']),
      r(['create', 'delete'], [''], ['pods']),
      r(['patch', 'update'], [''], ['pods/status']),
      r(['create'], [''], ['pods/eviction']),
      r(READ, [''], ['configmaps', 'secrets']),
      r(['get'], [''], ['persistentvolumeclaims', 'persistentvolumes']),
      r(['get'], [''], ['endpoints']),
      r(['create', 'get', 'list', 'watch'], ['certificates.k8s.io'], ['certificatesigningrequests']),
      r(['create', 'delete', 'get', 'patch', 'update'], ['coordination.k8s.io'], ['leases']),
      r(['get'], ['storage.k8s.io'], ['volumeattachments']),
      r(['create'], [''], ['serviceaccounts/token']),
      r(['get', 'patch', 'update'], [''], ['persistentvolumeclaims/status']),
      r(READ, ['storage.k8s.io'], ['csidrivers']),
      r(['create', 'delete', 'get', 'patch', 'update'], ['storage.k8s.io'], ['csinodes']),
      r(READ, ['node.k8s.io'], ['runtimeclasses']),
    ]),
    clusterRole('system:node-bootstrapper', [r(['create', 'get', 'list', 'watch'], ['certificates.k8s.io'], ['certificatesigningrequests'])]),
    // A joining agent reads the cluster CA (and checks it against its token's hash) before it has an identity.
    clusterRole('k8ts:bootstrap-ca-reader', [r(['get'], [''], ['configmaps'], ['kube-root-ca.crt'])]),
    clusterRole('system:node-problem-detector', [r(['get'], [''], ['nodes']), r(['patch'], [''], ['nodes/status']), events()]),
    clusterRole('system:node-proxier', [r(['list', 'watch'], [''], ['endpoints', 'services']), r(READ, [''], ['nodes']), events(), r(['list', 'watch'], ['discovery.k8s.io'], ['endpointslices'])]),
    clusterRole('system:persistent-volume-provisioner', [
      r(['create', 'delete', 'get', 'list', 'watch'], [''], ['persistentvolumes']),
      r(['get', 'list', 'update', 'watch'], [''], ['persistentvolumeclaims']),
      r(READ, ['storage.k8s.io'], ['storageclasses']),
      r(['watch'], [''], ['events']),
      events(),
    ]),
    clusterRole('system:public-info-viewer', [urls(['get'], ['/healthz', '/livez', '/readyz', '/version', '/version/'])]),
    clusterRole('system:service-account-issuer-discovery', [urls(['get'], ['/.well-known/openid-configuration', '/openid/v1/jwks'])]),
    // The built-in ingress controller (agent side): reads routing inputs cluster-wide, writes Ingress
    // status; its own EndpointSlices in kube-system come from the Role k8ts:ingress-endpoints there.
    clusterRole('system:k8ts:ingress', [
      r(READ, ['networking.k8s.io'], ['ingresses', 'ingressclasses']),
      r(['patch', 'update'], ['networking.k8s.io'], ['ingresses/status']),
      r(READ, [''], ['services', 'secrets']),
      r(READ, ['discovery.k8s.io'], ['endpointslices']),
      events(),
    ]),
    // The node half of the local-path driver: finds released volumes of its node, confirms their data is gone.
    clusterRole('system:k8ts:local-path-node', [r(['get', 'list', 'watch', 'patch'], [''], ['persistentvolumes']), r(['get'], [''], ['persistentvolumeclaims']), events()]),
    clusterRole('system:volume-scheduler', [
      r(['get', 'list', 'patch', 'update', 'watch'], [''], ['persistentvolumes']),
      r(READ, ['storage.k8s.io'], ['storageclasses']),
      r(['get', 'list', 'patch', 'update', 'watch'], [''], ['persistentvolumeclaims']),
    ]),
    ...controllerRoles(),
  ];
}

/** Per-controller roles, named system:controller:<service account>. Only controllers k8ts runs. */
export function controllerRoles(): RoleObject[] {
  const role = (sa: string, rules: PolicyRule[]) => clusterRole(CONTROLLER_ROLE_PREFIX + sa, rules);
  const wl = ['extensions', 'apps'];
  return [
    role('certificate-controller', [
      r(['get', 'list', 'watch', 'delete'], ['certificates.k8s.io'], ['certificatesigningrequests']),
      r(['update'], ['certificates.k8s.io'], ['certificatesigningrequests/approval', 'certificatesigningrequests/status']),
      // k8ts also approves node agents' serving and component certificates (controllers/certificates/agent-policy.ts).
      r(['approve'], ['certificates.k8s.io'], ['signers'], ['kubernetes.io/kube-apiserver-client-kubelet', 'kubernetes.io/kubelet-serving', 'kubernetes.io/kube-apiserver-client']),
      r(['sign'], ['certificates.k8s.io'], ['signers'], ['kubernetes.io/kube-apiserver-client', 'kubernetes.io/kube-apiserver-client-kubelet', 'kubernetes.io/kubelet-serving']),
      r(['create'], ['authorization.k8s.io'], ['subjectaccessreviews']),
      events(),
    ]),
    role('tokens-controller', [
      r(['get', 'list', 'watch', 'create', 'update', 'delete'], [''], ['secrets']),
      r(['get', 'list', 'watch'], [''], ['serviceaccounts']),
      events(),
    ]),
    role('clusterrole-aggregation-controller', [r(['escalate', 'get', 'list', 'watch', 'update', 'patch'], [RBAC_GROUP], ['clusterroles'])]),
    role('cronjob-controller', [
      r(['get', 'list', 'watch', 'update'], ['batch'], ['cronjobs']),
      r(['get', 'list', 'watch', 'create', 'update', 'delete', 'patch'], ['batch'], ['jobs']),
      r(['update'], ['batch'], ['cronjobs/status']),
      r(['update'], ['batch'], ['cronjobs/finalizers']),
      r(['list', 'watch', 'delete'], [''], ['pods']),
      events(),
    ]),
    role('daemon-set-controller', [
      r(READ, wl, ['daemonsets']),
      r(['update'], wl, ['daemonsets/status']),
      r(['update'], wl, ['daemonsets/finalizers']),
      r(['list', 'watch'], [''], ['nodes']),
      r(['list', 'watch', 'create', 'delete', 'patch'], [''], ['pods']),
      r(['create'], [''], ['pods/binding']),
      r(['get', 'list', 'watch', 'create', 'delete', 'update', 'patch'], ['apps'], ['controllerrevisions']),
      events(),
    ]),
    role('deployment-controller', [
      // patch: k8ts's controller writes the revision annotation with a merge patch (upstream: update).
      r(['get', 'list', 'watch', 'update', 'patch'], wl, ['deployments']),
      r(['update'], wl, ['deployments/status']),
      r(['update'], wl, ['deployments/finalizers']),
      r(['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'], ['apps', 'extensions'], ['replicasets']),
      r(['get', 'list', 'watch', 'update'], [''], ['pods']),
      events(),
    ]),
    role('disruption-controller', [
      r(READ, wl, ['deployments']),
      r(READ, ['apps', 'extensions'], ['replicasets']),
      r(READ, [''], ['replicationcontrollers']),
      r(READ, ['policy'], ['poddisruptionbudgets']),
      r(READ, ['apps'], ['statefulsets']),
      r(['update'], ['policy'], ['poddisruptionbudgets/status']),
      r(['patch', 'update'], [''], ['pods/status']),
      r(['get'], ['*'], ['*/scale']),
      events(),
    ]),
    role('endpoint-controller', [
      r(READ, [''], ['services', 'pods']),
      r(['get', 'list', 'watch', 'create', 'update', 'delete'], [''], ['endpoints']),
      r(['create'], [''], ['endpoints/restricted']),
      events(),
    ]),
    role('endpointslice-controller', [
      r(READ, [''], ['services', 'pods', 'nodes']),
      r(['update'], [''], ['services/finalizers']),
      r(['get', 'list', 'watch', 'create', 'update', 'delete'], ['discovery.k8s.io'], ['endpointslices']),
      events(),
    ]),
    role('generic-garbage-collector', [r(['get', 'list', 'watch', 'patch', 'update', 'delete'], ['*'], ['*']), events()]),
    role('horizontal-pod-autoscaler', [
      r(READ, ['autoscaling'], ['horizontalpodautoscalers']),
      r(['update'], ['autoscaling'], ['horizontalpodautoscalers/status']),
      r(['get', 'update'], ['*'], ['*/scale']),
      r(['list', 'watch'], [''], ['pods']),
      r(['list', 'watch'], ['metrics.k8s.io'], ['pods']),
      r(READ, ['custom.metrics.k8s.io'], ['*']),
      r(READ, ['external.metrics.k8s.io'], ['*']),
      events(),
    ]),
    role('job-controller', [
      // delete: k8ts's job controller also does ttlSecondsAfterFinished (upstream: ttl-after-finished-controller).
      r(['get', 'list', 'watch', 'update', 'patch', 'delete'], ['batch'], ['jobs']),
      r(['update'], ['batch'], ['jobs/status']),
      r(['update'], ['batch'], ['jobs/finalizers']),
      r(['list', 'watch', 'create', 'delete', 'patch'], [''], ['pods']),
      events(),
    ]),
    role('namespace-controller', [
      r(['get', 'list', 'watch', 'delete'], [''], ['namespaces']),
      r(['update'], [''], ['namespaces/finalize', 'namespaces/status']),
      r(['get', 'list', 'watch', 'delete', 'deletecollection'], ['*'], ['*']),
    ]),
    role('node-controller', [
      r(['get', 'list', 'watch', 'update', 'delete', 'patch'], [''], ['nodes']),
      r(['patch', 'update'], [''], ['nodes/status']),
      r(['patch', 'update'], [''], ['pods/status']),
      r(['list', 'watch', 'get', 'delete'], [''], ['pods']),
      events(),
    ]),
    role('pod-garbage-collector', [r(['list', 'watch', 'delete'], [''], ['pods']), r(READ, [''], ['nodes']), r(['patch'], [''], ['pods/status'])]),
    role('replicaset-controller', [
      r(['get', 'list', 'watch', 'update'], ['apps', 'extensions'], ['replicasets']),
      r(['update'], ['apps', 'extensions'], ['replicasets/status']),
      r(['update'], ['apps', 'extensions'], ['replicasets/finalizers']),
      r(['list', 'watch', 'patch', 'create', 'delete'], [''], ['pods']),
      events(),
    ]),
    role('resourcequota-controller', [r(['list', 'watch'], ['*'], ['*']), r(['update'], [''], ['resourcequotas/status']), events()]),
    role('service-account-controller', [r(['create'], [''], ['serviceaccounts']), events()]),
    // The built-in service load balancer (upstream's service-controller role, for k8ts's ServiceLB).
    role('service-controller', [r(READ, [''], ['services']), r(['patch', 'update'], [''], ['services/status']), r(['list', 'watch'], [''], ['nodes']), events()]),
    role('statefulset-controller', [
      r(['list', 'watch'], [''], ['pods']),
      r(READ, ['apps'], ['statefulsets']),
      r(['update'], ['apps'], ['statefulsets/status']),
      r(['update'], ['apps'], ['statefulsets/finalizers']),
      r(['get', 'create', 'delete', 'update', 'patch'], [''], ['pods']),
      r(['get', 'create', 'delete', 'update', 'patch', 'list', 'watch'], ['apps'], ['controllerrevisions']),
      r(['get', 'create', 'list', 'watch'], [''], ['persistentvolumeclaims']),
      // patch: k8ts sets claims' owner references (persistentVolumeClaimRetentionPolicy) with a merge patch.
      r(['update', 'delete', 'patch'], [''], ['persistentvolumeclaims']),
      r(['update'], [''], ['pods/finalizers']),
      events(),
    ]),
    role('root-ca-cert-publisher', [r(['create', 'update', 'get', 'list', 'watch'], [''], ['configmaps']), r(['get', 'list', 'watch'], [''], ['namespaces']), events()]),
    role('persistent-volume-binder', [
      r(['create', 'delete', 'get', 'list', 'update', 'watch'], [''], ['persistentvolumes']),
      r(['update'], [''], ['persistentvolumes/status']),
      r(['get', 'list', 'update', 'watch'], [''], ['persistentvolumeclaims']),
      r(['update'], [''], ['persistentvolumeclaims/status']),
      r(['create', 'delete', 'get', 'list', 'watch'], [''], ['pods']),
      r(READ, ['storage.k8s.io'], ['storageclasses']),
      r(['get', 'list'], [''], ['nodes']),
      events(),
    ]),
    role('pvc-protection-controller', [r(['get', 'list', 'watch', 'update'], [''], ['persistentvolumeclaims']), r(['get', 'list', 'watch'], [''], ['pods']), events()]),
    role('pv-protection-controller', [r(['get', 'list', 'watch', 'update'], [''], ['persistentvolumes']), events()]),
    // k8ts's built-in local-path driver's provisioner (upstream: an external-provisioner with
    // system:persistent-volume-provisioner, plus the external-resizer's PV update and claim status).
    role('local-path-provisioner', [
      r(['create', 'delete', 'get', 'list', 'watch', 'update'], [''], ['persistentvolumes']),
      r(['get', 'list', 'update', 'watch'], [''], ['persistentvolumeclaims']),
      r(['update', 'patch'], [''], ['persistentvolumeclaims/status']),
      r(READ, ['storage.k8s.io'], ['storageclasses']),
      r(READ, [''], ['nodes']),
      events(),
    ]),
  ];
}

const user = (name: string): Subject => ({ kind: 'User', apiGroup: RBAC_GROUP, name });
const group = (name: string): Subject => ({ kind: 'Group', apiGroup: RBAC_GROUP, name });
const sa = (namespace: string, name: string): Subject => ({ kind: 'ServiceAccount', name, namespace });

function clusterBinding(roleName: string, subjects: Subject[], name = roleName): BindingObject {
  return {
    apiVersion: `${RBAC_GROUP}/v1`,
    kind: 'ClusterRoleBinding',
    metadata: { name, labels: { ...BOOTSTRAP_LABEL }, annotations: { [AUTOUPDATE_ANNOTATION]: 'true' } },
    roleRef: { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name: roleName },
    subjects,
  };
}

export interface DefaultBindingOptions {
  /**
   * k8ts runs every controller in one process under one identity (upstream gives each its own
   * ServiceAccount); that user is added to each controller role's binding.
   */
  controllerManagerUser?: string;
  /**
   * Users bound to the system:node role (upstream leaves that binding empty and lets the Node
   * authorizer decide); for agents that act for many nodes under one identity, such as the
   * simulated node pool.
   */
  nodeRoleUsers?: string[];
}

export function defaultClusterRoleBindings(opts: DefaultBindingOptions = {}): BindingObject[] {
  const cm = opts.controllerManagerUser;
  return [
    clusterBinding('cluster-admin', [group('system:masters')]),
    clusterBinding('system:basic-user', [group('system:authenticated')]),
    clusterBinding('system:discovery', [group('system:authenticated')]),
    clusterBinding('system:kube-controller-manager', [user('system:kube-controller-manager')]),
    clusterBinding('system:kube-dns', [sa('kube-system', 'kube-dns')]),
    clusterBinding('system:coredns', [user('system:k8ts:coredns')]),
    clusterBinding('system:kube-scheduler', [user('system:kube-scheduler')]),
    clusterBinding('system:monitoring', [group('system:monitoring')]),
    clusterBinding('system:node', (opts.nodeRoleUsers ?? []).map(user)),
    clusterBinding('system:node-proxier', [user('system:kube-proxy')]),
    clusterBinding('system:public-info-viewer', [group('system:authenticated'), group('system:unauthenticated')]),
    clusterBinding('system:service-account-issuer-discovery', [group('system:serviceaccounts')]),
    clusterBinding('system:volume-scheduler', [user('system:kube-scheduler')]),
    clusterBinding('system:k8ts:ingress', [user('system:k8ts:ingress')]),
    clusterBinding('system:k8ts:local-path-node', [user('system:k8ts:local-path-node')]),
    // Joining nodes (as kubeadm sets up): bootstrap tokens may request node client certificates,
    // which are approved automatically; nodes may renew their own.
    clusterBinding('system:node-bootstrapper', [group('system:bootstrappers:k8ts:default-node-token')], 'k8ts:kubelet-bootstrap'),
    clusterBinding('k8ts:bootstrap-ca-reader', [group('system:bootstrappers:k8ts:default-node-token')]),
    clusterBinding('system:certificates.k8s.io:certificatesigningrequests:nodeclient', [group('system:bootstrappers:k8ts:default-node-token')], 'k8ts:node-autoapprove-bootstrap'),
    clusterBinding('system:certificates.k8s.io:certificatesigningrequests:selfnodeclient', [group('system:nodes')], 'k8ts:node-autoapprove-certificate-rotation'),
    ...controllerRoles().map((role) => {
      const name = role.metadata.name!;
      const subjects = [sa('kube-system', name.slice(CONTROLLER_ROLE_PREFIX.length))];
      if (cm) subjects.push(user(cm));
      return clusterBinding(name, subjects);
    }),
  ];
}
