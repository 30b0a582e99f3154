// The default profile's volume plugins deciding where pods with claims go: bound volumes' node
// affinity, missing and unbound Immediate claims, WaitForFirstConsumer choices, ReadWriteOncePod
// and ReadWriteOnce restrictions. Pure: a static lister stands in for the informers.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultFramework } from '../../src/scheduler/profile.js';
import { PodInfo } from '../../src/scheduler/node-info.js';
import { schedulePod } from '../../src/scheduler/schedule-one.js';
import type { VolumeLister } from '../../src/scheduler/plugins/volume-lister.js';
import type { VolumeBinding } from '../../src/scheduler/plugins/VolumeBinding.js';
import type { VolumeRestrictions } from '../../src/scheduler/plugins/VolumeRestrictions.js';
import type { PersistentVolume, PersistentVolumeClaim, StorageClass } from '../../src/storage/api.js';
import type { Pod } from '../../src/scheduler/api-types.js';
import { cacheWith, node, pod } from './scheduler-fixtures.js';

const onNode = (n: string) => ({ required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [n] }] }] } });
const claim = (name: string, extra: Partial<NonNullable<PersistentVolumeClaim['spec']>> = {}): PersistentVolumeClaim => ({
  metadata: { name, namespace: 'default', uid: `uid-${name}` },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: 'std', ...extra },
});
const volume = (name: string, extra: Partial<NonNullable<PersistentVolume['spec']>> = {}): PersistentVolume => ({
  metadata: { name },
  spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], storageClassName: 'std', hostPath: { path: `/d/${name}` }, ...extra },
  status: { phase: 'Available' },
});

function frameworkWith(claims: PersistentVolumeClaim[], volumes: PersistentVolume[], classes: StorageClass[]) {
  const lister: VolumeLister = {
    claim: (ns, n) => claims.find((c) => c.metadata.namespace === ns && c.metadata.name === n),
    volume: (n) => volumes.find((v) => v.metadata.name === n),
    volumesOfClass: (cls) => volumes.filter((v) => v.spec?.storageClassName === cls),
    storageClass: (n) => classes.find((c) => c.metadata.name === n),
  };
  const fw = defaultFramework();
  (fw.profile.filter.find((p) => p.name === 'VolumeBinding') as VolumeBinding).useLister(lister);
  (fw.profile.filter.find((p) => p.name === 'VolumeRestrictions') as VolumeRestrictions).useLister(lister);
  return fw;
}

const withClaim = (name: string, claimName: string): Pod => pod(name, { volumes: [{ name: 'd', persistentVolumeClaim: { claimName } }] } as never);
const place = (fw: ReturnType<typeof defaultFramework>, p: Pod, placed: [Pod, string][] = []) =>
  schedulePod(fw, new PodInfo(p), cacheWith([node('n1'), node('n2'), node('n3')], placed), { nextStartNodeIndex: 0, random: () => 0.5 }).result;

describe('VolumeBinding in the default profile', () => {
  test('a bound claim takes the pod where its volume is', () => {
    const fw = frameworkWith([claim('c', { volumeName: 'v' })], [volume('v', { nodeAffinity: onNode('n2') })], []);
    const r = place(fw, withClaim('p', 'c'));
    assert.equal(r.kind === 'scheduled' && r.node, 'n2');
  });

  test('missing claims and unbound Immediate claims make the pod unschedulable with upstream\'s words', () => {
    const fw = frameworkWith([claim('imm')], [], [{ metadata: { name: 'std' }, provisioner: 'x', volumeBindingMode: 'Immediate' }]);
    const missing = place(fw, withClaim('p', 'nope'));
    assert.equal(missing.kind, 'unschedulable');
    assert.match(missing.kind === 'unschedulable' ? missing.message : '', /persistentvolumeclaim "nope" not found/);
    const imm = place(fw, withClaim('p', 'imm'));
    assert.match(imm.kind === 'unschedulable' ? imm.message : '', /pod has unbound immediate PersistentVolumeClaims/);
  });

  test('WaitForFirstConsumer: nodes with a free reachable volume, or any node when the class provisions', () => {
    const noProv: StorageClass = { metadata: { name: 'std' }, provisioner: 'kubernetes.io/no-provisioner', volumeBindingMode: 'WaitForFirstConsumer' };
    const fw = frameworkWith([claim('c')], [volume('local-n3', { nodeAffinity: onNode('n3') })], [noProv]);
    const r = place(fw, withClaim('p', 'c'));
    assert.equal(r.kind === 'scheduled' && r.node, 'n3');
    const none = frameworkWith([claim('c', { resources: { requests: { storage: '5Gi' } } })], [volume('local-n3', { nodeAffinity: onNode('n3') })], [noProv]);
    const u = place(none, withClaim('p', 'c'));
    assert.match(u.kind === 'unschedulable' ? u.message : '', /0\/3 nodes are available: 3 node\(s\) didn't find available persistent volumes to bind/);
  });

  test('pods without claims are not slowed down: the volume plugins skip', () => {
    const fw = frameworkWith([], [], []);
    assert.equal(place(fw, pod('plain')).kind, 'scheduled');
  });
});

describe('VolumeRestrictions in the default profile', () => {
  test('ReadWriteOncePod: a second pod using the claim is unschedulable', () => {
    const fw = frameworkWith([claim('c', { volumeName: 'v', accessModes: ['ReadWriteOncePod'] })], [volume('v', { accessModes: ['ReadWriteOncePod'] })], []);
    const r = place(fw, withClaim('second', 'c'), [[withClaim('first', 'c'), 'n1']]);
    assert.match(r.kind === 'unschedulable' ? r.message : '', /node has pod using PersistentVolumeClaim with the same name and ReadWriteOncePod access mode/);
  });

  test('ReadWriteOnce: further pods go to the node already using the claim', () => {
    const fw = frameworkWith([claim('c', { volumeName: 'v' })], [volume('v')], []);
    const r = place(fw, withClaim('second', 'c'), [[withClaim('first', 'c'), 'n3']]);
    assert.equal(r.kind === 'scheduled' && r.node, 'n3');
  });
});
