import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../src/api/object.js';
import { builtinResources } from '../../src/api/registry/builtin.js';
import { StatusError } from '../../src/api/errors.js';
import { createAdmissionChain, staticLookup } from '../../src/auth/admission/index.js';
import type { AdmissionRequest } from '../../src/auth/admission/attributes.js';
import { ServiceAccountAdmission, SERVICE_ACCOUNT_MOUNT_PATH } from '../../src/auth/admission/service-account.js';
import { LimitRanger } from '../../src/auth/admission/limit-ranger.js';
import { ResourceQuotaAdmission } from '../../src/auth/admission/resource-quota.js';
import { PodSecurity } from '../../src/auth/admission/pod-security/pod-security.js';
import { evaluatePod, formatViolations } from '../../src/auth/admission/pod-security/checks.js';
import { DefaultStorageClass } from '../../src/auth/admission/default-storage-class.js';
import { DefaultIngressClass } from '../../src/auth/admission/default-ingress-class.js';
import { NodeRestriction } from '../../src/auth/admission/node-restriction.js';

const info = (group: string, plural: string) => builtinResources.find((r) => r.group === group && r.plural === plural)!;
const admin = { username: 'admin', groups: ['system:masters'] };

function req(group: string, plural: string, object: KubeObject | undefined, extra: Partial<AdmissionRequest> = {}): AdmissionRequest {
  return {
    operation: 'CREATE',
    info: info(group, plural),
    subresource: '',
    namespace: object?.metadata.namespace ?? 'default',
    name: object?.metadata.name ?? '',
    object,
    user: admin,
    dryRun: false,
    warnings: [],
    ...extra,
  };
}

const pod = (name: string, containers: any[], spec: any = {}): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { containers, ...spec } });

async function rejects(p: Promise<unknown>, code: number, message: string | RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof StatusError, String(e));
    assert.equal(e.code, code);
    if (typeof message === 'string') assert.equal(e.message, message);
    else assert.match(e.message, message);
    return true;
  });
}

describe('ServiceAccount admission', () => {
  const sa = { metadata: { name: 'default', namespace: 'default' } };
  it('defaults the service account and mounts the projected token volume everywhere', async () => {
    const plugin = new ServiceAccountAdmission(staticLookup({ '/serviceaccounts': [sa] }), { suffix: () => 'abcde' });
    const p = pod('p', [{ name: 'c', image: 'x' }], { initContainers: [{ name: 'i', image: 'y' }] });
    await plugin.admit(req('', 'pods', p));
    const spec = (p as any).spec;
    assert.equal(spec.serviceAccountName, 'default');
    assert.equal(spec.volumes[0].name, 'kube-api-access-abcde');
    const sources = spec.volumes[0].projected.sources;
    assert.deepEqual(sources[0], { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } });
    assert.equal(sources[1].configMap.name, 'kube-root-ca.crt');
    assert.equal(sources[2].downwardAPI.items[0].fieldRef.fieldPath, 'metadata.namespace');
    for (const c of [...spec.containers, ...spec.initContainers]) {
      assert.deepEqual(c.volumeMounts, [{ name: 'kube-api-access-abcde', readOnly: true, mountPath: SERVICE_ACCOUNT_MOUNT_PATH }]);
    }
  });
  it('skips the volume when automount is off', async () => {
    const plugin = new ServiceAccountAdmission(staticLookup({ '/serviceaccounts': [sa] }));
    const p = pod('p', [{ name: 'c', image: 'x' }], { automountServiceAccountToken: false });
    await plugin.admit(req('', 'pods', p));
    assert.equal((p as any).spec.volumes, undefined);
  });
  it('admits pods of a namespace whose default account is not made yet, unless strict', async () => {
    const p = pod('p', [{ name: 'c', image: 'x' }]);
    await new ServiceAccountAdmission(staticLookup({})).admit(req('', 'pods', p));
    assert.equal((p as any).spec.containers[0].volumeMounts.length, 1);
    const strict = new ServiceAccountAdmission(staticLookup({}), { strictDefault: true, defaultAttempts: 2 });
    await rejects(strict.admit(req('', 'pods', pod('q', [{ name: 'c', image: 'x' }]))), 403, 'pods "q" is forbidden: error looking up service account default/default: serviceaccount "default" not found');
  });
  it('refuses a missing service account', async () => {
    const plugin = new ServiceAccountAdmission(staticLookup({}));
    const p = pod('p', [{ name: 'c', image: 'x' }], { serviceAccountName: 'x' });
    await rejects(plugin.admit(req('', 'pods', p)), 403, 'pods "p" is forbidden: error looking up service account default/x: serviceaccount "x" not found');
  });
});

describe('LimitRanger', () => {
  const lr = {
    metadata: { name: 'lr', namespace: 'default' },
    spec: { limits: [{ type: 'Container', default: { cpu: '500m' }, defaultRequest: { cpu: '100m' }, max: { cpu: '1' }, min: { cpu: '50m' } }] },
  };
  const plugin = new LimitRanger(staticLookup({ '/limitranges': [lr] }));
  it('applies defaults and annotates the pod', async () => {
    const p = pod('p', [{ name: 'c', image: 'x' }]);
    await plugin.admit(req('', 'pods', p));
    assert.deepEqual((p as any).spec.containers[0].resources, { limits: { cpu: '500m' }, requests: { cpu: '100m' } });
    assert.equal(p.metadata.annotations!['kubernetes.io/limit-ranger'], 'LimitRanger plugin set: cpu request for container c; cpu limit for container c');
    await plugin.validate(req('', 'pods', p));
  });
  it('refuses over max and under min with upstream messages', async () => {
    const p = pod('p', [{ name: 'c', image: 'x', resources: { limits: { cpu: '2' }, requests: { cpu: '2' } } }]);
    await rejects(plugin.validate(req('', 'pods', p)), 403, 'pods "p" is forbidden: maximum cpu usage per Container is 1, but limit is 2');
    const q = pod('q', [{ name: 'c', image: 'x', resources: { limits: { cpu: '10m' }, requests: { cpu: '10m' } } }]);
    await rejects(plugin.validate(req('', 'pods', q)), 403, 'pods "q" is forbidden: minimum cpu usage per Container is 50m, but request is 10m');
  });
  it('checks PVC storage bounds', async () => {
    const pvcLr = { metadata: { name: 's', namespace: 'default' }, spec: { limits: [{ type: 'PersistentVolumeClaim', max: { storage: '2Gi' } }] } };
    const p2 = new LimitRanger(staticLookup({ '/limitranges': [pvcLr] }));
    const pvc = { metadata: { name: 'c', namespace: 'default' }, spec: { resources: { requests: { storage: '5Gi' } } } };
    await rejects(p2.validate(req('', 'persistentvolumeclaims', pvc)), 403, 'persistentvolumeclaims "c" is forbidden: maximum storage usage per PersistentVolumeClaim is 2Gi, but request is 5Gi');
  });
});

describe('ResourceQuota admission', () => {
  it('refuses a pod over the pods count with used from status', async () => {
    const quota = { metadata: { name: 'q', namespace: 'default', uid: 'u1', resourceVersion: '1' }, spec: { hard: { pods: '2' } }, status: { hard: { pods: '2' }, used: { pods: '2' } } };
    const plugin = new ResourceQuotaAdmission(staticLookup({ '/resourcequotas': [quota] }));
    await rejects(plugin.validate(req('', 'pods', pod('p', [{ name: 'c', image: 'x' }]))), 403, 'pods "p" is forbidden: exceeded quota: q, requested: pods=1, used: pods=2, limited: pods=2');
  });
  it('charges admitted creates until the quota status changes', async () => {
    const quota = { metadata: { name: 'q', namespace: 'default', uid: 'u2', resourceVersion: '1' }, spec: { hard: { configmaps: '2' } }, status: { used: { configmaps: '1' } } };
    const plugin = new ResourceQuotaAdmission(staticLookup({ '/resourcequotas': [quota] }));
    const cm = (n: string) => ({ metadata: { name: n, namespace: 'default' }, data: {} });
    await plugin.validate(req('', 'configmaps', cm('a')));
    await rejects(plugin.validate(req('', 'configmaps', cm('b'))), 403, 'configmaps "b" is forbidden: exceeded quota: q, requested: configmaps=1, used: configmaps=2, limited: configmaps=2');
  });
  it('computes usage when the quota has no status yet', async () => {
    const quota = { metadata: { name: 'q', namespace: 'default', uid: 'u3', resourceVersion: '1' }, spec: { hard: { 'requests.cpu': '1' } } };
    const existing = pod('e', [{ name: 'c', image: 'x', resources: { requests: { cpu: '800m' } } }]);
    const plugin = new ResourceQuotaAdmission(staticLookup({ '/resourcequotas': [quota], '/pods': [existing] }));
    const p = pod('p', [{ name: 'c', image: 'x', resources: { requests: { cpu: '500m' } } }]);
    await rejects(plugin.validate(req('', 'pods', p)), 403, 'pods "p" is forbidden: exceeded quota: q, requested: requests.cpu=500m, used: requests.cpu=800m, limited: requests.cpu=1');
  });
  it('requires requests/limits the quota constrains', async () => {
    const quota = { metadata: { name: 'compute', namespace: 'default', uid: 'u4' }, spec: { hard: { 'limits.cpu': '2', 'requests.memory': '1Gi' } }, status: { used: {} } };
    const plugin = new ResourceQuotaAdmission(staticLookup({ '/resourcequotas': [quota] }));
    await rejects(plugin.validate(req('', 'pods', pod('p', [{ name: 'c', image: 'x' }]))), 403, 'pods "p" is forbidden: failed quota: compute: must specify limits.cpu for: c; requests.memory for: c');
  });
});

describe('PodSecurity', () => {
  const ns = (labels: Record<string, string>) => ({ metadata: { name: 'default', labels } });
  const privileged = () => pod('x', [{ name: 'c', image: 'x', securityContext: { privileged: true } }]);
  it('enforce restricted refuses a privileged pod with upstream wording', async () => {
    const plugin = new PodSecurity(staticLookup({ '/namespaces': [ns({ 'pod-security.kubernetes.io/enforce': 'restricted' })] }));
    await rejects(
      plugin.validate(req('', 'pods', privileged())),
      403,
      'pods "x" is forbidden: violates PodSecurity "restricted:latest": privileged (container "c" must not set securityContext.privileged=true), allowPrivilegeEscalation != false (container "c" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "c" must set securityContext.capabilities.drop=["ALL"]), runAsNonRoot != true (pod or container "c" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container "c" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")',
    );
  });
  it('warn adds a warning and admits', async () => {
    const plugin = new PodSecurity(staticLookup({ '/namespaces': [ns({ 'pod-security.kubernetes.io/warn': 'baseline', 'pod-security.kubernetes.io/warn-version': 'v1.32' })] }));
    const a = req('', 'pods', privileged());
    await plugin.validate(a);
    assert.deepEqual(a.warnings, ['would violate PodSecurity "baseline:v1.32": privileged (container "c" must not set securityContext.privileged=true)']);
  });
  it('a compliant restricted pod passes', () => {
    const spec = { securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } }, containers: [{ name: 'c', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } }] };
    assert.deepEqual(evaluatePod('restricted', {}, spec), []);
  });
  it('baseline checks host namespaces, ports and hostPath', () => {
    const spec = { hostNetwork: true, volumes: [{ name: 'h', hostPath: { path: '/' } }], containers: [{ name: 'c', ports: [{ containerPort: 80, hostPort: 80 }] }] };
    assert.equal(formatViolations(evaluatePod('baseline', {}, spec)), 'host namespaces (hostNetwork=true), hostPath volumes (volume "h"), hostPort (container "c" uses hostPort 80)');
  });
});

describe('DefaultStorageClass', () => {
  it('sets the default class on claims without one', async () => {
    const sc = { metadata: { name: 'local-path', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } } };
    const plugin = new DefaultStorageClass(staticLookup({ 'storage.k8s.io/storageclasses': [sc] }));
    const pvc = { metadata: { name: 'c', namespace: 'default' }, spec: {} };
    await plugin.admit(req('', 'persistentvolumeclaims', pvc));
    assert.equal((pvc as any).spec.storageClassName, 'local-path');
    const explicit = { metadata: { name: 'd', namespace: 'default' }, spec: { storageClassName: '' } };
    await plugin.admit(req('', 'persistentvolumeclaims', explicit));
    assert.equal((explicit as any).spec.storageClassName, '');
  });
});

describe('DefaultIngressClass', () => {
  it('gives an Ingress without a class the newest default class; explicit or legacy-annotated ones keep theirs', async () => {
    const cls = (name: string, created: string, isDefault: boolean): KubeObject => ({
      metadata: { name, creationTimestamp: created, annotations: isDefault ? { 'ingressclass.kubernetes.io/is-default-class': 'true' } : {} },
    });
    const plugin = new DefaultIngressClass(staticLookup({
      'networking.k8s.io/ingressclasses': [cls('old', '2026-01-01T00:00:00Z', true), cls('k8ts', '2026-02-01T00:00:00Z', true), cls('other', '2026-03-01T00:00:00Z', false)],
    }));
    const plain = { metadata: { name: 'a', namespace: 'default' }, spec: {} };
    await plugin.admit(req('networking.k8s.io', 'ingresses', plain));
    assert.equal((plain as any).spec.ingressClassName, 'k8ts');
    const explicit = { metadata: { name: 'b', namespace: 'default' }, spec: { ingressClassName: 'other' } };
    await plugin.admit(req('networking.k8s.io', 'ingresses', explicit));
    assert.equal((explicit as any).spec.ingressClassName, 'other');
    const legacy = { metadata: { name: 'c', namespace: 'default', annotations: { 'kubernetes.io/ingress.class': 'nginx' } }, spec: {} };
    await plugin.admit(req('networking.k8s.io', 'ingresses', legacy));
    assert.equal((legacy as any).spec.ingressClassName, undefined);
  });
});

describe('NodeRestriction', () => {
  const node = { username: 'system:node:n1', groups: ['system:nodes', 'system:authenticated'] };
  const plugin = new NodeRestriction(staticLookup({ '/pods': [{ metadata: { name: 'other', namespace: 'default' }, spec: { nodeName: 'n2' } }] }));
  it('limits a kubelet to its own node and pods', async () => {
    await plugin.validate(req('', 'nodes', { metadata: { name: 'n1' } }, { user: node, namespace: '' }));
    await rejects(plugin.validate(req('', 'nodes', { metadata: { name: 'n2' } }, { user: node, namespace: '', operation: 'UPDATE', name: 'n2' })), 403, 'nodes "n2" is forbidden: node "n1" is not allowed to modify node "n2"');
    await rejects(
      plugin.validate(req('', 'pods', { metadata: { name: 'other', namespace: 'default' }, spec: { nodeName: 'n2' } }, { user: node, operation: 'UPDATE', subresource: 'status', oldObject: { metadata: { name: 'other' }, spec: { nodeName: 'n2' } } })),
      403,
      'pods "other" is forbidden: node "n1" can only update pod status for pods with spec.nodeName set to itself',
    );
    await rejects(plugin.validate(req('', 'pods', undefined, { user: node, operation: 'DELETE', name: 'other' })), 403, 'pods "other" is forbidden: node "n1" can only delete pods with spec.nodeName set to itself');
  });
});

describe('createAdmissionChain', () => {
  it('runs mutating plugins before validating ones', async () => {
    const lookup = staticLookup({
      '/serviceaccounts': [{ metadata: { name: 'default', namespace: 'default' } }],
      '/limitranges': [{ metadata: { name: 'lr', namespace: 'default' }, spec: { limits: [{ type: 'Container', default: { cpu: '1' } }] } }],
      '/resourcequotas': [{ metadata: { name: 'q', namespace: 'default', uid: 'c1' }, spec: { hard: { 'limits.cpu': '4' } }, status: { used: { 'limits.cpu': '0' } } }],
      '/namespaces': [{ metadata: { name: 'default' } }],
    });
    const chain = createAdmissionChain({ lookup });
    const a = req('', 'pods', pod('p', [{ name: 'c', image: 'x' }]));
    await chain.admit(a);
    await chain.validate(a);
    const spec = (a.object as any).spec;
    assert.equal(spec.containers[0].resources.limits.cpu, '1');
    assert.equal(spec.serviceAccountName, 'default');
    assert.equal(spec.tolerations.length, 2);
  });
});
