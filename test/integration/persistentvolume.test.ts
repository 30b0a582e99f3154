// The storage controllers against a real API server: static binding (smallest fit, pre-binding),
// Retain and Delete reclaim, WaitForFirstConsumer provisioning through the local-path driver,
// protection finalizers deferring deletes, the default class and StorageClass immutability.
// The test plays the scheduler (selected-node) and the node (storage dir, data removal).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../src/api/object.js';
import { R } from '../../src/client/resources.js';
import { ApiError } from '../../src/client/types.js';
import { PersistentVolumeController } from '../../src/controllers/volume/persistentvolume/binder-controller.js';
import { localPathProvisionerDescriptor } from '../../src/controllers/volume/provisioner/provisioner-controller.js';
import { PVCProtectionController } from '../../src/controllers/volume/protection/pvc-protection-controller.js';
import { PVProtectionController } from '../../src/controllers/volume/protection/pv-protection-controller.js';
import { eventually, sleep, startHarness, type Harness } from './cluster-controllers-harness.js';

const NS = 'default';
let h: Harness;

before(async () => {
  h = await startHarness();
  await h.start((deps) => [new PersistentVolumeController(deps, { resyncMs: 1000 }), localPathProvisionerDescriptor.create(deps), new PVCProtectionController(deps), new PVProtectionController(deps)]);
});
after(async () => h.stop());

const pv = (name: string, size: string, cls: string, extra: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'PersistentVolume',
  metadata: { name, labels: { size } },
  spec: { capacity: { storage: size }, accessModes: ['ReadWriteOnce'], storageClassName: cls, hostPath: { path: `/tmp/k8ts-it-${name}` }, ...extra },
});
const pvc = (name: string, size: string, cls: string | undefined, extra: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { name, namespace: NS },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: size } }, ...(cls === undefined ? {} : { storageClassName: cls }), ...extra },
});
const getPV = (name: string) => h.client.get<any>(R.persistentvolumes, '', name);
const getPVC = (name: string) => h.client.get<any>(R.persistentvolumeclaims, NS, name);
const gone = async (p: Promise<unknown>) => p.then(() => false, (e) => e instanceof ApiError && e.code === 404);

describe('default StorageClass', () => {
  test('local-path is the default class and claims without a class get it', async () => {
    const sc = await h.client.get<any>(R.storageclasses, '', 'local-path');
    assert.equal(sc.metadata.annotations['storageclass.kubernetes.io/is-default-class'], 'true');
    assert.equal(sc.provisioner, 'rancher.io/local-path');
    assert.equal(sc.volumeBindingMode, 'WaitForFirstConsumer');
    assert.equal(sc.reclaimPolicy, 'Delete');
    const c = await h.client.create<any>(R.persistentvolumeclaims, NS, pvc('defaulted', '1Gi', undefined));
    assert.equal(c.spec.storageClassName, 'local-path');
    assert.deepEqual(c.metadata.finalizers, ['kubernetes.io/pvc-protection']);
    await h.client.delete(R.persistentvolumeclaims, NS, 'defaulted');
  });

  test('StorageClass updates to immutable fields are refused with 422 naming the field', async () => {
    await h.client.create(R.storageclasses, '', { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'imm' }, provisioner: 'example.com/x', parameters: { a: '1' } });
    const sc = await h.client.get<any>(R.storageclasses, '', 'imm');
    for (const [field, change] of [['parameters', { parameters: { a: '2' } }], ['provisioner', { provisioner: 'example.com/y' }], ['reclaimPolicy', { reclaimPolicy: 'Retain' }], ['volumeBindingMode', { volumeBindingMode: 'WaitForFirstConsumer' }]] as const) {
      await assert.rejects(h.client.update(R.storageclasses, '', { ...sc, ...change }), (e: ApiError) => e.code === 422 && e.message.includes(field), field);
    }
    // Labels and annotations stay editable.
    await h.client.update(R.storageclasses, '', { ...sc, metadata: { ...sc.metadata, labels: { tier: 'gold' } } });
  });
});

describe('static binding', () => {
  test('a claim binds the smallest volume that fits, with upstream annotations and phases', async () => {
    await h.client.create(R.persistentvolumes, '', pv('big', '10Gi', 'manual'));
    await h.client.create(R.persistentvolumes, '', pv('small', '2Gi', 'manual'));
    await h.client.create(R.persistentvolumes, '', pv('tiny', '500Mi', 'manual'));
    await h.client.create(R.persistentvolumeclaims, NS, pvc('c1', '1Gi', 'manual'));
    const c = await eventually(async () => ((await getPVC('c1')).status?.phase === 'Bound' ? getPVC('c1') : undefined), 10_000, 'c1 bound');
    assert.equal(c.spec.volumeName, 'small');
    assert.equal(c.metadata.annotations['pv.kubernetes.io/bind-completed'], 'yes');
    assert.equal(c.metadata.annotations['pv.kubernetes.io/bound-by-controller'], 'yes');
    assert.deepEqual(c.status.capacity, { storage: '2Gi' });
    assert.deepEqual(c.status.accessModes, ['ReadWriteOnce']);
    const v = await eventually(async () => ((await getPV('small')).status?.phase === 'Bound' ? getPV('small') : undefined), 10_000, 'small Bound');
    assert.equal(v.spec.claimRef.name, 'c1');
    assert.equal(v.spec.claimRef.uid, c.metadata.uid);
    assert.deepEqual(v.metadata.finalizers, ['kubernetes.io/pv-protection']);
    assert.equal((await getPV('big')).status.phase, 'Available');
  });

  test('volumeName pre-binding, selector and access modes are honoured', async () => {
    await h.client.create(R.persistentvolumeclaims, NS, pvc('c2', '1Gi', 'manual', { volumeName: 'big' }));
    await eventually(async () => (await getPVC('c2')).status?.phase === 'Bound', 10_000, 'c2 bound to big');
    assert.equal((await getPV('big')).spec.claimRef.name, 'c2');
    await h.client.create(R.persistentvolumes, '', pv('rwx', '1Gi', 'manual', { accessModes: ['ReadWriteMany'] }));
    await h.client.create(R.persistentvolumeclaims, NS, pvc('c3', '1Gi', 'manual', { accessModes: ['ReadWriteMany'], selector: { matchLabels: { size: '1Gi' } } }));
    await eventually(async () => (await getPVC('c3')).spec.volumeName === 'rwx', 10_000, 'c3 bound to rwx');
    // Nothing left that fits: the claim stays Pending.
    await h.client.create(R.persistentvolumeclaims, NS, pvc('c4', '50Gi', 'manual'));
    await sleep(1500);
    assert.equal((await getPVC('c4')).status.phase, 'Pending');
  });

  test('Retain: deleting the claim releases the volume, which is not reused until its claimRef is cleared', async () => {
    await h.client.delete(R.persistentvolumeclaims, NS, 'c1');
    await eventually(async () => (await getPV('small')).status?.phase === 'Released', 10_000, 'small Released');
    await h.client.create(R.persistentvolumeclaims, NS, pvc('c5', '1Gi', 'manual'));
    await sleep(1500);
    assert.equal((await getPVC('c5')).status.phase, 'Pending', 'a Released volume is not handed out');
    const v = await getPV('small');
    delete v.spec.claimRef;
    await h.client.update(R.persistentvolumes, '', v);
    await eventually(async () => (await getPVC('c5')).spec.volumeName === 'small', 10_000, 'c5 gets the cleared volume');
  });

  test('deleting a Bound volume waits until its claim is gone (pv-protection)', async () => {
    await h.client.delete(R.persistentvolumes, '', 'small');
    await sleep(800);
    const v = await getPV('small');
    assert.ok(v.metadata.deletionTimestamp, 'marked for deletion');
    assert.equal(v.status.phase, 'Bound');
    await h.client.delete(R.persistentvolumeclaims, NS, 'c5');
    await eventually(() => gone(getPV('small')), 10_000, 'volume deleted once released');
  });
});

describe('claim protection', () => {
  test('deleting a claim a pod uses waits until the pod is gone', async () => {
    await h.client.create(R.persistentvolumes, '', pv('prot', '1Gi', 'manual'));
    await h.client.create(R.persistentvolumeclaims, NS, pvc('used', '1Gi', 'manual', { volumeName: 'prot' }));
    await h.client.create(R.pods, NS, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'user', namespace: NS },
      spec: { containers: [{ name: 'c', image: 'busybox' }], volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'used' } }] },
    });
    await eventually(async () => (await getPVC('used')).status?.phase === 'Bound', 10_000, 'used bound');
    await h.client.delete(R.persistentvolumeclaims, NS, 'used');
    await sleep(1000);
    const c = await getPVC('used');
    assert.ok(c.metadata.deletionTimestamp);
    assert.deepEqual(c.metadata.finalizers, ['kubernetes.io/pvc-protection']);
    assert.equal((await getPV('prot')).status.phase, 'Bound', 'data is not released while the pod exists');
    await h.client.delete(R.pods, NS, 'user', { gracePeriodSeconds: 0 });
    await eventually(() => gone(getPVC('used')), 10_000, 'claim deleted after the pod');
    await eventually(async () => (await getPV('prot')).status?.phase === 'Released', 10_000, 'prot Released');
  });
});

describe('dynamic provisioning (local-path)', () => {
  const STORAGE_DIR = '/var/lib/k8ts-it/storage';
  before(async () => {
    await h.client.create(R.nodes, '', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', labels: { 'kubernetes.io/hostname': 'n1' }, annotations: { 'local.path.k8ts.io/storage-dir': STORAGE_DIR } } });
    await h.client.create(R.storageclasses, '', { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'premium-rwo' }, provisioner: 'rancher.io/local-path', volumeBindingMode: 'WaitForFirstConsumer', reclaimPolicy: 'Delete' });
    await h.client.create(R.storageclasses, '', { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'keep' }, provisioner: 'rancher.io/local-path', volumeBindingMode: 'Immediate', reclaimPolicy: 'Retain' });
  });

  test('WaitForFirstConsumer: Pending with an event until a node is selected, then provisioned and bound', async () => {
    await h.client.create(R.persistentvolumeclaims, NS, pvc('pvc-prem', '10Gi', 'premium-rwo'));
    await eventually(() => h.events.some((e) => e.obj.metadata.name === 'pvc-prem' && e.reason === 'WaitForFirstConsumer'), 10_000, 'WaitForFirstConsumer event');
    await sleep(500);
    const pending = await getPVC('pvc-prem');
    assert.equal(pending.status.phase, 'Pending');
    assert.equal(pending.spec.volumeName, undefined);
    pending.metadata.annotations = { ...pending.metadata.annotations, 'volume.kubernetes.io/selected-node': 'n1' };
    await h.client.update(R.persistentvolumeclaims, NS, pending);
    const c = await eventually(async () => ((await getPVC('pvc-prem')).status?.phase === 'Bound' ? getPVC('pvc-prem') : undefined), 10_000, 'pvc-prem bound');
    assert.equal(c.spec.volumeName, `pvc-${c.metadata.uid}`);
    assert.equal(c.metadata.annotations['volume.kubernetes.io/storage-provisioner'], 'rancher.io/local-path');
    assert.equal(c.metadata.annotations['volume.beta.kubernetes.io/storage-provisioner'], 'rancher.io/local-path');
    const v = await getPV(c.spec.volumeName);
    assert.equal(v.spec.hostPath.path, `${STORAGE_DIR}/pvc-${c.metadata.uid}_default_pvc-prem`);
    assert.equal(v.spec.persistentVolumeReclaimPolicy, 'Delete');
    assert.equal(v.spec.storageClassName, 'premium-rwo');
    assert.deepEqual(v.spec.capacity, { storage: '10Gi' });
    assert.equal(v.metadata.annotations['pv.kubernetes.io/provisioned-by'], 'rancher.io/local-path');
    assert.deepEqual(v.spec.nodeAffinity.required.nodeSelectorTerms, [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['n1'] }] }]);
    assert.ok(h.events.some((e) => e.obj.metadata.name === 'pvc-prem' && e.reason === 'ProvisioningSucceeded'));
    assert.ok(h.events.some((e) => e.obj.metadata.name === 'pvc-prem' && e.reason === 'ExternalProvisioning'));
  });

  test('Delete: the volume goes only after its node confirms the data is removed', async () => {
    const c = await getPVC('pvc-prem');
    const name = c.spec.volumeName;
    await h.client.delete(R.persistentvolumeclaims, NS, 'pvc-prem');
    await eventually(async () => (await getPV(name)).status?.phase === 'Released', 10_000, 'Released');
    await sleep(1000);
    const v = await getPV(name);
    assert.equal(v.metadata.deletionTimestamp, undefined, 'not deleted before the node removed the data');
    v.metadata.annotations = { ...v.metadata.annotations, 'local.path.k8ts.io/data-removed': 'true' };
    await h.client.update(R.persistentvolumes, '', v);
    await eventually(() => gone(getPV(name)), 10_000, 'volume deleted');
  });

  test('allowVolumeExpansion: a bound claim asking for more grows its volume and its status', async () => {
    await h.client.create(R.storageclasses, '', { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'grow' }, provisioner: 'rancher.io/local-path', volumeBindingMode: 'Immediate', allowVolumeExpansion: true });
    await h.client.create(R.persistentvolumeclaims, NS, pvc('growing', '1Gi', 'grow'));
    const c = await eventually(async () => ((await getPVC('growing')).status?.phase === 'Bound' ? getPVC('growing') : undefined), 10_000, 'growing bound');
    c.spec.resources.requests.storage = '3Gi';
    await h.client.update(R.persistentvolumeclaims, NS, c);
    await eventually(async () => (await getPVC('growing')).status?.capacity?.storage === '3Gi', 10_000, 'claim status capacity 3Gi');
    assert.deepEqual((await getPV(c.spec.volumeName)).spec.capacity, { storage: '3Gi' });
    assert.ok(h.events.some((e) => e.obj.metadata.name === 'growing' && e.reason === 'VolumeResizeSuccessful'));
    // A class that does not allow expansion refuses the larger request (PersistentVolumeClaimResize).
    await h.client.create(R.persistentvolumeclaims, NS, pvc('fixed', '1Gi', 'keep'));
    const f = await eventually(async () => ((await getPVC('fixed')).status?.phase === 'Bound' ? getPVC('fixed') : undefined), 10_000, 'fixed bound');
    f.spec.resources.requests.storage = '2Gi';
    await assert.rejects(h.client.update(R.persistentvolumeclaims, NS, f), (e: ApiError) => e.code === 403 && /the storageclass that provisions the pvc must support resize/.test(e.message));
    assert.deepEqual((await getPV(f.spec.volumeName)).spec.capacity, { storage: '1Gi' });
  });

  test('Immediate: provisioned on a node that announced storage, Retain keeps it Released', async () => {
    await h.client.create(R.persistentvolumeclaims, NS, pvc('kept', '1Gi', 'keep'));
    const c = await eventually(async () => ((await getPVC('kept')).status?.phase === 'Bound' ? getPVC('kept') : undefined), 10_000, 'kept bound');
    await h.client.delete(R.persistentvolumeclaims, NS, 'kept');
    await eventually(async () => (await getPV(c.spec.volumeName)).status?.phase === 'Released', 10_000, 'Released');
    await sleep(1000);
    assert.equal((await getPV(c.spec.volumeName)).status.phase, 'Released', 'Retain: kept');
  });
});
