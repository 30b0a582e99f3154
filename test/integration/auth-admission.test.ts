// Admission through a real control plane (HTTPS, kubectl's path): quota, LimitRange, PodSecurity
// and ServiceAccount refusals and mutations as a client sees them. Needs the coordinator's wiring
// of createAdmissionChain into the registry hooks (see src/auth/admission/hooks.ts).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { HttpKubeClient } from '../../src/client/http-client.js';
import { ApiError } from '../../src/client/types.js';
import { startTestControlPlane, type TestControlPlane } from '../support/control-plane.js';

const WIRING = {} as const;
const core = (resource: string) => ({ group: '', version: 'v1', resource });
let cp: TestControlPlane;
let admin: HttpKubeClient;

async function namespace(name: string, labels?: Record<string, string>): Promise<void> {
  await admin.create(core('namespaces'), '', { metadata: { name, labels } });
  // Controllers are off: make the default ServiceAccount ourselves.
  await admin.create(core('serviceaccounts'), name, { metadata: { name: 'default' } });
}

const pod = (name: string, container: Record<string, unknown> = {}) => ({ metadata: { name }, spec: { containers: [{ name: 'c', image: 'nginx', ...container }] } });

async function refused(p: Promise<unknown>, code: number, message: string | RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof ApiError, String(e));
    assert.equal(e.code, code);
    if (typeof message === 'string') assert.equal(e.message, message);
    else assert.match(e.message, message);
    return true;
  });
}

before(async () => {
  cp = await startTestControlPlane({ controllers: false });
  admin = new HttpKubeClient(await cp.clientConfig('admin', ['system:masters']));
});
after(async () => {
  admin?.close();
  await cp?.stop();
});

describe('admission through the API server', () => {
  it('ServiceAccount mounts the projected token volume', async () => {
    await namespace('sa-ns');
    const created: any = await admin.create(core('pods'), 'sa-ns', pod('p'));
    assert.equal(created.spec.serviceAccountName, 'default');
    assert.match(created.spec.volumes[0].name, /^kube-api-access-[a-z0-9]{5}$/);
    assert.deepEqual(created.spec.volumes[0].projected.sources.map((s: object) => Object.keys(s)[0]), ['serviceAccountToken', 'configMap', 'downwardAPI']);
    assert.deepEqual(created.spec.containers[0].volumeMounts[0], { name: created.spec.volumes[0].name, readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' });
    const optedOut: any = await admin.create(core('pods'), 'sa-ns', { ...pod('no-token'), spec: { ...pod('no-token').spec, automountServiceAccountToken: false } });
    assert.equal(optedOut.spec.volumes, undefined);
    await refused(admin.create(core('pods'), 'sa-ns', { ...pod('q'), spec: { ...pod('q').spec, serviceAccountName: 'missing' } }), 403, 'pods "q" is forbidden: error looking up service account sa-ns/missing: serviceaccount "missing" not found');
  });

  it('re-applying a pod with volumes (kubectl\'s $setElementOrder patch) keeps the token volume and writes nothing', async () => {
    const manifest = { metadata: { name: 'vol' }, spec: { containers: [{ name: 'c', image: 'nginx', volumeMounts: [{ name: 'data', mountPath: '/data' }] }], volumes: [{ name: 'data', emptyDir: {} }] } };
    const created: any = await admin.create(core('pods'), 'sa-ns', manifest);
    assert.deepEqual(created.spec.volumes.map((v: any) => v.name).slice(0, 1), ['data']);
    assert.equal(created.spec.volumes.length, 2);
    // What kubectl's three-way diff sends when the live lists are longer than the manifest's (upstream
    // strategicpatch: isOrderSame compares lengths), so it prints "configured" as upstream does.
    const patch = { spec: { '$setElementOrder/containers': [{ name: 'c' }], '$setElementOrder/volumes': [{ name: 'data' }], containers: [{ name: 'c', '$setElementOrder/volumeMounts': [{ mountPath: '/data' }] }] } };
    const patched: any = await admin.patch(core('pods'), 'sa-ns', 'vol', 'strategic', patch);
    assert.equal(patched.metadata.resourceVersion, created.metadata.resourceVersion);
    assert.deepEqual(patched.spec.volumes, created.spec.volumes);
    assert.deepEqual(patched.spec.containers[0].volumeMounts, created.spec.containers[0].volumeMounts);
  });

  it('ResourceQuota refuses a create over quota', WIRING, async () => {
    await namespace('quota-ns');
    await admin.create(core('resourcequotas'), 'quota-ns', { metadata: { name: 'q' }, spec: { hard: { pods: '1', configmaps: '2' } } });
    await admin.create(core('pods'), 'quota-ns', pod('one'));
    await refused(admin.create(core('pods'), 'quota-ns', pod('two')), 403, 'pods "two" is forbidden: exceeded quota: q, requested: pods=1, used: pods=1, limited: pods=1');
  });

  it('LimitRange defaults and refuses', WIRING, async () => {
    await namespace('lr-ns');
    await admin.create(core('limitranges'), 'lr-ns', { metadata: { name: 'lr' }, spec: { limits: [{ type: 'Container', max: { cpu: '1' }, default: { cpu: '500m' } }] } });
    const created: any = await admin.create(core('pods'), 'lr-ns', pod('ok'));
    assert.equal(created.spec.containers[0].resources.limits.cpu, '500m');
    await refused(admin.create(core('pods'), 'lr-ns', pod('big', { resources: { limits: { cpu: '2' } } })), 403, 'pods "big" is forbidden: maximum cpu usage per Container is 1, but limit is 2');
  });

  it('PodSecurity restricted refuses a privileged pod', WIRING, async () => {
    await namespace('psa-ns', { 'pod-security.kubernetes.io/enforce': 'restricted' });
    await refused(admin.create(core('pods'), 'psa-ns', pod('priv', { securityContext: { privileged: true } })), 403, /^pods "priv" is forbidden: violates PodSecurity "restricted:latest": privileged \(container "c" must not set securityContext.privileged=true\), allowPrivilegeEscalation != false/);
  });
});
