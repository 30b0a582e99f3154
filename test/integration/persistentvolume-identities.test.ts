// The storage controllers as the controller manager runs them, each as its own ServiceAccount
// through authn and RBAC: provisioning, binding, expansion, protection and Delete reclaim all get
// done with the roles bootstrap-policy.ts gives them. The test plays the node (storage directory
// announced, data removal confirmed).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { HttpKubeClient } from '../../src/client/http-client.js';
import { R } from '../../src/client/resources.js';
import { ApiError } from '../../src/client/types.js';
import { startTestControlPlane, type TestControlPlane } from '../support/control-plane.js';
import { eventually } from './cluster-controllers-harness.js';

let cp: TestControlPlane;
let admin: HttpKubeClient;

before(async () => {
  cp = await startTestControlPlane({ controllers: true });
  admin = new HttpKubeClient(await cp.clientConfig('admin', ['system:masters']));
});
after(async () => {
  admin?.close();
  await cp?.stop();
});

test('provision, bind, expand, protect and reclaim with least-privilege controller identities', async () => {
  await admin.create(R.nodes, '', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', labels: { 'kubernetes.io/hostname': 'n1' }, annotations: { 'local.path.k8ts.io/storage-dir': '/var/lib/k8ts-it/storage' } } });
  await admin.create(R.storageclasses, '', { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'now' }, provisioner: 'rancher.io/local-path', volumeBindingMode: 'Immediate', allowVolumeExpansion: true });
  await admin.create(R.persistentvolumeclaims, 'default', { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'c' }, spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'now', resources: { requests: { storage: '1Gi' } } } });
  const get = () => admin.get<any>(R.persistentvolumeclaims, 'default', 'c');
  const c = await eventually(async () => ((await get()).status?.phase === 'Bound' ? get() : undefined), 20_000, 'claim bound');
  const name = c.spec.volumeName as string;
  assert.equal((await admin.get<any>(R.persistentvolumes, '', name)).status.phase, 'Bound');

  c.spec.resources.requests.storage = '2Gi';
  await admin.update(R.persistentvolumeclaims, 'default', c);
  await eventually(async () => (await get()).status?.capacity?.storage === '2Gi', 20_000, 'expanded');

  await admin.delete(R.persistentvolumeclaims, 'default', 'c');
  await eventually(() => get().then(() => false, (e) => e instanceof ApiError && e.code === 404), 20_000, 'claim deleted (pvc-protection let go)');
  const released = await eventually(async () => {
    const v = await admin.get<any>(R.persistentvolumes, '', name);
    return v.status?.phase === 'Released' ? v : undefined;
  }, 20_000, 'Released');
  released.metadata.annotations['local.path.k8ts.io/data-removed'] = 'true';
  await admin.update(R.persistentvolumes, '', released);
  await eventually(() => admin.get(R.persistentvolumes, '', name).then(() => false, (e) => e instanceof ApiError && e.code === 404), 20_000, 'volume deleted');
});
