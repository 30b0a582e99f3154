// The storage decisions without I/O: volume matching (class, size, modes, selector, pre-binding,
// node affinity), the binder's claim and volume plans (phases, reclaim, WaitForFirstConsumer),
// protection finalizer decisions, the provisioner's requests and volumes, local-path naming and
// the node's data-removal guard, and the scheduler's per-node volume choice.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { findMatchingVolume, volumeMismatch } from '../../src/controllers/volume/persistentvolume/matching.js';
import { planClaim, planVolume, type BinderView } from '../../src/controllers/volume/persistentvolume/binder-plan.js';
import { finalizerAction, podsUsingClaim } from '../../src/controllers/volume/protection/decisions.js';
import { createVolumeRequest, expansionTarget, notProvisionable, shouldDelete, volumeFor } from '../../src/controllers/volume/provisioner/provision-plan.js';
import { isRemovableVolumeDir, volumeDirFor } from '../../src/storage/local-path/names.js';
import { shouldRemoveData } from '../../src/storage/local-path/node-reclaimer.js';
import { LocalPathControllerService } from '../../src/storage/local-path/controller-service.js';
import { RetryLater } from '../../src/storage/csi.js';
import { chooseForNode } from '../../src/scheduler/plugins/VolumeBinding.js';
import type { PersistentVolume, PersistentVolumeClaim, StorageClass } from '../../src/storage/api.js';

let uid = 0;
const pv = (name: string, size: string, extra: Partial<NonNullable<PersistentVolume['spec']>> = {}, meta: Partial<PersistentVolume['metadata']> = {}, phase = 'Available'): PersistentVolume => ({
  metadata: { name, uid: `pv-${name}`, ...meta },
  spec: { capacity: { storage: size }, accessModes: ['ReadWriteOnce'], storageClassName: 'std', hostPath: { path: `/d/${name}` }, ...extra },
  status: { phase: phase as 'Available' },
});
const pvc = (name: string, size: string, extra: Partial<NonNullable<PersistentVolumeClaim['spec']>> = {}, meta: Partial<PersistentVolumeClaim['metadata']> = {}): PersistentVolumeClaim => ({
  metadata: { name, namespace: 'ns', uid: `uid-${name}-${++uid}`, ...meta },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: size } }, storageClassName: 'std', ...extra },
  status: { phase: 'Pending' },
});
const sc = (name: string, extra: Partial<StorageClass> = {}): StorageClass => ({ metadata: { name }, provisioner: 'rancher.io/local-path', reclaimPolicy: 'Delete', volumeBindingMode: 'Immediate', ...extra });

function view(volumes: PersistentVolume[], claims: PersistentVolumeClaim[] = [], classes: StorageClass[] = []): BinderView {
  return {
    volume: (n) => volumes.find((v) => v.metadata.name === n),
    candidates: (cls) => volumes.filter((v) => (v.spec?.storageClassName ?? '') === cls),
    storageClass: (n) => classes.find((c) => c.metadata.name === n),
    claim: (ns, n) => claims.find((c) => c.metadata.namespace === ns && c.metadata.name === n),
  };
}

describe('findMatchingVolume', () => {
  test('the smallest volume that holds the request wins', () => {
    const vols = [pv('10g', '10Gi'), pv('2g', '2Gi'), pv('500m', '500Mi'), pv('1g', '1Gi')];
    assert.equal(findMatchingVolume(pvc('c', '1Gi'), vols)?.metadata.name, '1g');
    assert.equal(findMatchingVolume(pvc('c', '1.5Gi'), vols)?.metadata.name, '2g');
    assert.equal(findMatchingVolume(pvc('c', '20Gi'), vols), undefined);
  });

  test('class, access modes, selector, claimRef and phase filter candidates', () => {
    const c = pvc('c', '1Gi', { accessModes: ['ReadWriteMany'], selector: { matchLabels: { tier: 'gold' } } });
    const vols = [
      pv('other-class', '1Gi', { storageClassName: 'fast', accessModes: ['ReadWriteMany'] }, { labels: { tier: 'gold' } }),
      pv('rwo-only', '1Gi', {}, { labels: { tier: 'gold' } }),
      pv('no-label', '1Gi', { accessModes: ['ReadWriteMany'] }),
      pv('taken', '1Gi', { accessModes: ['ReadWriteMany'], claimRef: { namespace: 'x', name: 'y', uid: 'u' } }, { labels: { tier: 'gold' } }),
      pv('released', '1Gi', { accessModes: ['ReadWriteMany'] }, { labels: { tier: 'gold' } }, 'Released'),
      pv('good', '5Gi', { accessModes: ['ReadWriteMany', 'ReadWriteOnce'] }, { labels: { tier: 'gold' } }),
    ];
    assert.equal(findMatchingVolume(c, vols)?.metadata.name, 'good');
  });

  test('a volume pre-bound to the claim wins over a smaller free one; delayed binding takes only that', () => {
    const c = pvc('c', '1Gi');
    const pre = pv('pre', '8Gi', { claimRef: { namespace: 'ns', name: 'c' } });
    const vols = [pv('free', '1Gi'), pre];
    assert.equal(findMatchingVolume(c, vols)?.metadata.name, 'pre');
    assert.equal(findMatchingVolume(c, [pv('free', '1Gi')], { delayBinding: true }), undefined);
    assert.equal(findMatchingVolume(c, vols, { delayBinding: true })?.metadata.name, 'pre');
  });

  test('node affinity: only volumes reachable from the node', () => {
    const onNode = (n: string) => ({ nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [n] }] }] } } });
    const vols = [pv('a', '1Gi', onNode('a')), pv('b', '1Gi', onNode('b'))];
    assert.equal(findMatchingVolume(pvc('c', '1Gi'), vols, { node: { name: 'b', labels: { 'kubernetes.io/hostname': 'b' } } })?.metadata.name, 'b');
    assert.equal(findMatchingVolume(pvc('c', '1Gi'), vols, { node: { name: 'z', labels: { 'kubernetes.io/hostname': 'z' } } }), undefined);
  });

  test('volumeMismatch names why a named volume cannot serve the claim', () => {
    assert.equal(volumeMismatch(pv('v', '1Gi'), pvc('c', '2Gi')), 'requested PV is too small');
    assert.equal(volumeMismatch(pv('v', '1Gi'), pvc('c', '1Gi', { storageClassName: 'x' })), 'storageClassName does not match');
    assert.equal(volumeMismatch(pv('v', '1Gi'), pvc('c', '1Gi', { accessModes: ['ReadOnlyMany'] })), 'incompatible accessMode');
    assert.equal(volumeMismatch(pv('v', '1Gi'), pvc('c', '1Gi')), undefined);
  });
});

describe('planClaim', () => {
  test('binds to a match; otherwise asks the class provisioner; without class or provisioner stays Pending', () => {
    assert.equal(planClaim(pvc('c', '1Gi'), view([pv('v', '1Gi')])).kind, 'bind');
    const prov = planClaim(pvc('c', '1Gi'), view([], [], [sc('std')]));
    assert.equal(prov.kind, 'provision');
    assert.equal(prov.kind === 'provision' && prov.provisioner, 'rancher.io/local-path');
    assert.equal(prov.kind === 'provision' && prov.event.reason, 'ExternalProvisioning');
    const none = planClaim(pvc('c', '1Gi', { storageClassName: '' }), view([]));
    assert.equal(none.kind, 'phase');
    assert.equal(none.kind === 'phase' && none.phase, 'Pending');
    const staticOnly = planClaim(pvc('c', '1Gi'), view([], [], [sc('std', { provisioner: 'kubernetes.io/no-provisioner' })]));
    assert.equal(staticOnly.kind, 'phase');
  });

  test('WaitForFirstConsumer: waits (event) until selected-node is set, then provisions', () => {
    const wffc = sc('std', { volumeBindingMode: 'WaitForFirstConsumer' });
    const waiting = planClaim(pvc('c', '1Gi'), view([pv('v', '1Gi')], [], [wffc]));
    assert.equal(waiting.kind, 'none');
    assert.equal(waiting.kind === 'none' && waiting.event?.reason, 'WaitForFirstConsumer');
    const selected = planClaim(pvc('c', '1Gi', {}, { annotations: { 'volume.kubernetes.io/selected-node': 'n1' } }), view([], [], [wffc]));
    assert.equal(selected.kind, 'provision');
  });

  test('a claim naming a volume bound elsewhere stays Pending; bound claims whose volume vanished are Lost', () => {
    const other = pv('v', '1Gi', { claimRef: { namespace: 'ns', name: 'someone', uid: 'x' } });
    const p = planClaim(pvc('c', '1Gi', { volumeName: 'v' }), view([other]));
    assert.equal(p.kind === 'phase' && p.event?.message, 'volume "v" already bound to a different claim.');
    const bound = pvc('c', '1Gi', { volumeName: 'gone' }, { annotations: { 'pv.kubernetes.io/bind-completed': 'yes' } });
    const lost = planClaim({ ...bound, status: { phase: 'Bound' } }, view([]));
    assert.equal(lost.kind === 'phase' && lost.phase, 'Lost');
    assert.equal(lost.kind === 'phase' && lost.event?.reason, 'ClaimLost');
  });

  test('two claims on one volume: the one not in claimRef is misbound', () => {
    const c = { ...pvc('c', '1Gi', { volumeName: 'v' }, { annotations: { 'pv.kubernetes.io/bind-completed': 'yes' } }), status: { phase: 'Bound' as const } };
    const p = planClaim(c, view([pv('v', '1Gi', { claimRef: { namespace: 'ns', name: 'c', uid: 'other-uid' } })]));
    assert.equal(p.kind === 'phase' && p.event?.reason, 'ClaimMisbound');
  });
});

describe('planVolume', () => {
  const bound = (policy: 'Retain' | 'Delete', ann: Record<string, string> = {}) =>
    pv('v', '1Gi', { persistentVolumeReclaimPolicy: policy, claimRef: { namespace: 'ns', name: 'c', uid: 'u1' } }, { annotations: ann }, 'Bound');

  test('free volumes are Available; a volume whose claim is gone is Released', () => {
    assert.deepEqual(planVolume(pv('v', '1Gi', {}, {}, 'Pending'), view([])), { kind: 'phase', phase: 'Available' });
    assert.deepEqual(planVolume(bound('Retain'), view([])), { kind: 'phase', phase: 'Released' });
  });

  test('Released + Retain stays; Released + Delete is the provisioner\'s; without provisioner it Fails', () => {
    const rel = (policy: 'Retain' | 'Delete', ann?: Record<string, string>) => ({ ...bound(policy, ann), status: { phase: 'Released' as const } });
    assert.equal(planVolume(rel('Retain'), view([])).kind, 'none');
    assert.equal(planVolume(rel('Delete', { 'pv.kubernetes.io/provisioned-by': 'rancher.io/local-path' }), view([])).kind, 'none');
    const failed = planVolume(rel('Delete'), view([]));
    assert.equal(failed.kind === 'phase' && failed.phase, 'Failed');
    assert.equal(failed.kind === 'phase' && failed.event?.reason, 'VolumeFailedDelete');
  });

  test('a claim re-created with the same name is a different claim: the volume is Released', () => {
    const c = pvc('c', '1Gi', {}, { uid: 'u2' });
    assert.deepEqual(planVolume(bound('Retain'), view([], [c])), { kind: 'phase', phase: 'Released' });
  });

  test('Bound when its claim points back; unbound when the binder bound it and the claim went elsewhere', () => {
    const c = pvc('c', '1Gi', { volumeName: 'v' }, { uid: 'u1' });
    assert.equal(planVolume(bound('Retain'), view([], [c])).kind, 'none');
    const elsewhere = pvc('c', '1Gi', { volumeName: 'w' }, { uid: 'u1' });
    assert.equal(planVolume(bound('Retain', { 'pv.kubernetes.io/bound-by-controller': 'yes' }), view([], [elsewhere])).kind, 'unbind');
  });
});

describe('protection decisions', () => {
  const pod = (name: string, claim: string, phase = 'Running') => ({ metadata: { name, namespace: 'ns' }, spec: { volumes: [{ name: 'd', persistentVolumeClaim: { claimName: claim } }] }, status: { phase } });
  test('a claim is in use while a pod that has not terminated names it (ephemeral volumes too)', () => {
    assert.equal(podsUsingClaim('c', [pod('a', 'c'), pod('b', 'other')]).length, 1);
    assert.equal(podsUsingClaim('c', [pod('a', 'c', 'Succeeded'), pod('b', 'c', 'Failed')]).length, 0);
    const eph = { metadata: { name: 'p', namespace: 'ns' }, spec: { volumes: [{ name: 'scratch', ephemeral: {} }] }, status: { phase: 'Pending' } };
    assert.equal(podsUsingClaim('p-scratch', [eph]).length, 1);
  });
  test('finalizer added at once, removed only when deleting and not in use', () => {
    const f = 'kubernetes.io/pvc-protection';
    assert.equal(finalizerAction({ metadata: {} }, f, false), 'add');
    assert.equal(finalizerAction({ metadata: { finalizers: [f] } }, f, false), 'none');
    assert.equal(finalizerAction({ metadata: { finalizers: [f], deletionTimestamp: 'x' } }, f, true), 'none');
    assert.equal(finalizerAction({ metadata: { finalizers: [f], deletionTimestamp: 'x' } }, f, false), 'remove');
  });
});

describe('provisioner and local-path driver', () => {
  const wffc = sc('fast', { volumeBindingMode: 'WaitForFirstConsumer', reclaimPolicy: 'Retain', mountOptions: ['noatime'] });
  const asked = (extra: Record<string, string> = {}) => pvc('data', '3Gi', { storageClassName: 'fast', accessModes: ['ReadWriteOncePod'] }, { annotations: { 'volume.kubernetes.io/storage-provisioner': 'rancher.io/local-path', ...extra } });

  test('only claims handed to the driver, and for WaitForFirstConsumer only once a node is selected', () => {
    assert.equal(notProvisionable(pvc('x', '1Gi', { storageClassName: 'fast' }), wffc, 'rancher.io/local-path'), 'not asked');
    assert.equal(notProvisionable(asked(), wffc, 'rancher.io/local-path'), 'waiting for a node to be selected');
    assert.equal(notProvisionable(asked({ 'volume.kubernetes.io/selected-node': 'n1' }), wffc, 'rancher.io/local-path'), undefined);
    assert.equal(notProvisionable(asked({ 'volume.kubernetes.io/selected-node': 'n1' }), wffc, 'other.io/driver'), 'not asked');
  });

  test('the request and the volume: named after the claim, pinned to the node, class policy', async () => {
    const c = asked({ 'volume.kubernetes.io/selected-node': 'n1' });
    const req = createVolumeRequest(c, wffc, ['n0', 'n1']);
    assert.equal(req.name, `pvc-${c.metadata.uid}`);
    assert.equal(req.capacityBytes, 3n * 1024n ** 3n);
    assert.deepEqual(req.volumeCapabilities, [{ accessMode: 'SINGLE_NODE_SINGLE_WRITER', accessType: 'mount' }]);
    assert.deepEqual(req.accessibilityRequirements?.preferred, [{ segments: { 'kubernetes.io/hostname': 'n1' } }]);
    const driver = new LocalPathControllerService({ nodeAnnotations: (n) => (n === 'n1' ? { 'local.path.k8ts.io/storage-dir': '/var/lib/k8ts/storage' } : undefined), volumeAnnotations: () => undefined });
    const vol = await driver.createVolume(req);
    const pvObj = volumeFor(c, wffc, 'rancher.io/local-path', vol);
    assert.equal(pvObj.metadata.name, req.name);
    assert.equal(pvObj.spec?.hostPath?.path, `/var/lib/k8ts/storage/${req.name}_ns_data`);
    assert.equal(pvObj.spec?.persistentVolumeReclaimPolicy, 'Retain');
    assert.deepEqual(pvObj.spec?.mountOptions, ['noatime']);
    assert.deepEqual(pvObj.spec?.capacity, { storage: '3Gi' });
    assert.equal(pvObj.spec?.claimRef?.uid, c.metadata.uid);
    assert.deepEqual(pvObj.spec?.nodeAffinity?.required?.nodeSelectorTerms, [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['n1'] }] }]);
  });

  test('a node that has not announced its storage directory makes the driver retry; deletion waits for the node', async () => {
    const driver = new LocalPathControllerService({
      nodeAnnotations: () => ({}),
      volumeAnnotations: (v): Record<string, string> | undefined => (v === 'done' ? { 'local.path.k8ts.io/data-removed': 'true' } : v === 'pending' ? {} : undefined),
    });
    const c = asked({ 'volume.kubernetes.io/selected-node': 'n1' });
    await assert.rejects(driver.createVolume(createVolumeRequest(c, wffc, [])), RetryLater);
    await assert.rejects(driver.deleteVolume({ volumeId: 'pending', volumeContext: { node: 'n1' } }), RetryLater);
    await driver.deleteVolume({ volumeId: 'done', volumeContext: {} });
    await driver.deleteVolume({ volumeId: 'gone-already', volumeContext: {} });
  });

  test('the driver deletes only its own Released volumes of policy Delete', () => {
    const mine = (phase: string, policy: 'Delete' | 'Retain') => pv('v', '1Gi', { persistentVolumeReclaimPolicy: policy }, { annotations: { 'pv.kubernetes.io/provisioned-by': 'rancher.io/local-path' } }, phase);
    assert.equal(shouldDelete(mine('Released', 'Delete'), 'rancher.io/local-path'), true);
    assert.equal(shouldDelete(mine('Released', 'Retain'), 'rancher.io/local-path'), false);
    assert.equal(shouldDelete(mine('Bound', 'Delete'), 'rancher.io/local-path'), false);
    assert.equal(shouldDelete(pv('v', '1Gi', { persistentVolumeReclaimPolicy: 'Delete' }, {}, 'Released'), 'rancher.io/local-path'), false);
  });

  test('expansion: only bound claims of an expandable class of this driver asking for more than the volume has', () => {
    const vol = pv('v', '1Gi', {}, { annotations: { 'pv.kubernetes.io/provisioned-by': 'rancher.io/local-path' } }, 'Bound');
    const bound = (size: string) => ({ ...pvc('c', size, { volumeName: 'v' }), status: { phase: 'Bound' as const } });
    const grow = sc('std', { allowVolumeExpansion: true });
    assert.equal(expansionTarget(bound('3Gi'), vol, grow, 'rancher.io/local-path'), '3Gi');
    assert.equal(expansionTarget(bound('1Gi'), vol, grow, 'rancher.io/local-path'), undefined);
    assert.equal(expansionTarget(bound('3Gi'), vol, sc('std'), 'rancher.io/local-path'), undefined);
    assert.equal(expansionTarget(bound('3Gi'), vol, grow, 'other.io/x'), undefined);
    assert.equal(expansionTarget(pvc('c', '3Gi', { volumeName: 'v' }), vol, grow, 'rancher.io/local-path'), undefined, 'not Bound yet');
  });

  test('the node removes data only of its own released volumes, only inside its storage directory', () => {
    const dir = '/data/storage';
    const vol = (p: string, ann: Record<string, string> = {}, phase = 'Released') =>
      pv('pvc-1', '1Gi', { persistentVolumeReclaimPolicy: 'Delete', hostPath: { path: p } }, { annotations: { 'pv.kubernetes.io/provisioned-by': 'rancher.io/local-path', 'local.path.k8ts.io/node': 'n1', ...ann } }, phase);
    const ok = volumeDirFor(dir, 'pvc-1', 'ns', 'c');
    assert.equal(shouldRemoveData(vol(ok), 'n1', dir), true);
    assert.equal(shouldRemoveData(vol(ok), 'n2', dir), false, 'another node\'s volume');
    assert.equal(shouldRemoveData(vol(ok, {}, 'Bound'), 'n1', dir), false, 'still bound');
    assert.equal(shouldRemoveData(vol(ok, { 'local.path.k8ts.io/data-removed': 'true' }), 'n1', dir), false, 'done already');
    assert.equal(shouldRemoveData(vol('/etc'), 'n1', dir), false, 'outside the storage directory');
    assert.equal(shouldRemoveData(vol(`${dir}/../etc/pvc-1_x`), 'n1', dir), false, 'escapes the storage directory');
    assert.equal(isRemovableVolumeDir(dir, vol(`${dir}/pvc-2_ns_c`)), false, 'not named after the volume');
  });
});

describe('VolumeBinding chooseForNode', () => {
  const wffc = sc('std', { volumeBindingMode: 'WaitForFirstConsumer' });
  const onNode = (n: string) => ({ nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [n] }] }] } } });
  const lister = (vols: PersistentVolume[]) => ({ volumesOfClass: (cls: string) => vols.filter((v) => v.spec?.storageClassName === cls) });
  const node = (n: string) => ({ name: n, labels: { 'kubernetes.io/hostname': n } });

  test('prefers a free local volume on the node, else provisions; two claims never share one volume', () => {
    const vols = [pv('a1', '1Gi', onNode('a'))];
    const two = [{ claim: pvc('x', '1Gi'), sc: wffc }, { claim: pvc('y', '1Gi'), sc: wffc }];
    const onA = chooseForNode(two, lister(vols), node('a'))!;
    assert.equal(onA[0]?.metadata.name, 'a1');
    assert.equal(onA[1], undefined, 'second claim is provisioned');
    assert.deepEqual(chooseForNode(two, lister(vols), node('b')), [undefined, undefined]);
  });

  test('no provisioner and no reachable volume: the node does not fit; a selected node pins the claim', () => {
    const noProv = sc('std', { volumeBindingMode: 'WaitForFirstConsumer', provisioner: 'kubernetes.io/no-provisioner' });
    assert.equal(chooseForNode([{ claim: pvc('x', '1Gi'), sc: noProv }], lister([pv('a1', '1Gi', onNode('a'))]), node('b')), undefined);
    const pinned = pvc('x', '1Gi', {}, { annotations: { 'volume.kubernetes.io/selected-node': 'a' } });
    assert.equal(chooseForNode([{ claim: pinned, sc: wffc }], lister([]), node('b')), undefined);
    assert.deepEqual(chooseForNode([{ claim: pinned, sc: wffc }], lister([]), node('a')), [undefined]);
  });

  test('allowedTopologies restrict where a class can provision', () => {
    const zoned = sc('std', { volumeBindingMode: 'WaitForFirstConsumer', allowedTopologies: [{ matchLabelExpressions: [{ key: 'kubernetes.io/hostname', values: ['a'] }] }] });
    assert.equal(chooseForNode([{ claim: pvc('x', '1Gi'), sc: zoned }], lister([]), node('b')), undefined);
    assert.deepEqual(chooseForNode([{ claim: pvc('x', '1Gi'), sc: zoned }], lister([]), node('a')), [undefined]);
  });
});
