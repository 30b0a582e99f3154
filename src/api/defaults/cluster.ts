// Upstream SetDefaults for the non-core groups: storage, discovery, networking, autoscaling,
// RBAC, certificates, scheduling, admission webhooks and CRDs.
import type { KubeObject } from '../object.js';
import { ensure, isObj, list, type Obj, setDefault, setDefaultString } from './util.js';

function root(o: KubeObject): Obj {
  return o as unknown as Obj;
}

export function defaultStorageClass(sc: KubeObject): void {
  setDefaultString(root(sc), 'reclaimPolicy', 'Delete');
  setDefaultString(root(sc), 'volumeBindingMode', 'Immediate');
}

export function defaultCSIDriver(d: KubeObject): void {
  const spec = ensure(root(d), 'spec');
  setDefault(spec, 'attachRequired', true);
  setDefault(spec, 'podInfoOnMount', false);
  setDefault(spec, 'storageCapacity', false);
  setDefault(spec, 'fsGroupPolicy', 'ReadWriteOnceWithFSType');
  setDefault(spec, 'requiresRepublish', false);
  setDefault(spec, 'seLinuxMount', false);
  if (!Array.isArray(spec.volumeLifecycleModes) || spec.volumeLifecycleModes.length === 0) spec.volumeLifecycleModes = ['Persistent'];
}

export function defaultEndpointSlice(es: KubeObject): void {
  for (const p of list(root(es).ports)) {
    setDefault(p, 'name', '');
    setDefaultString(p, 'protocol', 'TCP');
  }
}

export function defaultNetworkPolicy(np: KubeObject): void {
  const spec = ensure(root(np), 'spec');
  for (const rule of [...list(spec.ingress), ...list(spec.egress)]) for (const p of list(rule.ports)) setDefaultString(p, 'protocol', 'TCP');
  if (!Array.isArray(spec.policyTypes) || spec.policyTypes.length === 0) {
    spec.policyTypes = Array.isArray(spec.egress) && spec.egress.length > 0 ? ['Ingress', 'Egress'] : ['Ingress'];
  }
}

export function defaultIngressClass(ic: KubeObject): void {
  const params = isObj(root(ic).spec) ? (root(ic).spec as Obj).parameters : undefined;
  if (isObj(params)) setDefaultString(params, 'scope', 'Cluster');
}

function fillScalingRules(rules: Obj, defaults: Obj): void {
  setDefault(rules, 'stabilizationWindowSeconds', defaults.stabilizationWindowSeconds);
  setDefaultString(rules, 'selectPolicy', defaults.selectPolicy as string);
  if (!Array.isArray(rules.policies) || rules.policies.length === 0) rules.policies = structuredClone(defaults.policies);
}

/** autoscaling/v2: behavior, when given, is completed with upstream's scale-up/down rules. */
export function defaultHorizontalPodAutoscalerV2(hpa: KubeObject): void {
  const spec = ensure(root(hpa), 'spec');
  setDefault(spec, 'minReplicas', 1);
  if (!Array.isArray(spec.metrics) || spec.metrics.length === 0) {
    spec.metrics = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }];
  }
  if (isObj(spec.behavior)) {
    fillScalingRules(ensure(spec.behavior, 'scaleUp'), {
      stabilizationWindowSeconds: 0,
      selectPolicy: 'Max',
      policies: [{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }],
    });
    fillScalingRules(ensure(spec.behavior, 'scaleDown'), {
      stabilizationWindowSeconds: 300,
      selectPolicy: 'Max',
      policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }],
    });
  }
}

export function defaultHorizontalPodAutoscalerV1(hpa: KubeObject): void {
  setDefault(ensure(root(hpa), 'spec'), 'minReplicas', 1);
}

const RBAC_GROUP = 'rbac.authorization.k8s.io';

export function defaultRoleBinding(rb: KubeObject): void {
  const r = root(rb);
  const ref = r.roleRef;
  if (isObj(ref)) setDefaultString(ref, 'apiGroup', RBAC_GROUP);
  for (const s of list(r.subjects)) {
    if (s.kind === 'ServiceAccount') setDefault(s, 'apiGroup', '');
    else if (s.kind === 'User' || s.kind === 'Group') setDefaultString(s, 'apiGroup', RBAC_GROUP);
  }
}

export function defaultCertificateSigningRequest(csr: KubeObject): void {
  const spec = ensure(root(csr), 'spec');
  if (!Array.isArray(spec.usages) || spec.usages.length === 0) spec.usages = ['digital signature', 'key encipherment'];
  const status = root(csr).status;
  if (isObj(status)) for (const c of list(status.conditions)) setDefaultString(c, 'status', 'True');
}

export function defaultPriorityClass(pc: KubeObject): void {
  setDefaultString(root(pc), 'preemptionPolicy', 'PreemptLowerPriority');
}

export function defaultWebhookConfiguration(cfg: KubeObject, mutating: boolean): void {
  for (const w of list(root(cfg).webhooks)) {
    setDefaultString(w, 'failurePolicy', 'Fail');
    setDefaultString(w, 'matchPolicy', 'Equivalent');
    setDefault(w, 'namespaceSelector', {});
    setDefault(w, 'objectSelector', {});
    setDefault(w, 'timeoutSeconds', 10);
    if (mutating) setDefaultString(w, 'reinvocationPolicy', 'Never');
    const svc = isObj(w.clientConfig) ? w.clientConfig.service : undefined;
    if (isObj(svc)) setDefault(svc, 'port', 443);
    for (const r of list(w.rules)) setDefaultString(r, 'scope', '*');
  }
}

export function defaultCustomResourceDefinition(crd: KubeObject): void {
  const spec = ensure(root(crd), 'spec');
  const names = ensure(spec, 'names');
  if (typeof names.kind === 'string' && names.kind) {
    setDefaultString(names, 'singular', names.kind.toLowerCase());
    setDefaultString(names, 'listKind', `${names.kind}List`);
  }
  setDefault(spec, 'conversion', { strategy: 'None' });
  const conv = spec.conversion;
  if (isObj(conv) && conv.strategy === 'Webhook' && isObj(conv.webhook)) {
    const svc = isObj(conv.webhook.clientConfig) ? conv.webhook.clientConfig.service : undefined;
    if (isObj(svc)) setDefault(svc, 'port', 443);
  }
}
