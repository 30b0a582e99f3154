// persistentVolumeClaim volumes in the kubelet's volume manager, without containers: a claim that
// is not Bound keeps the pod waiting; a local-path volume's directory is created on first use
// (writable by any user) and survives the pod; ReadOnlyMany and readOnly mount read-only; the
// node's in-use paths are what its pods mount.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import pino from 'pino';
import { ApiError, type KubeClient } from '../../src/client/types.js';
import { VolumeError, VolumeManager } from '../../src/kubelet/volumes/volume-manager.js';
import type { Pod } from '../../src/kubelet/volumes/types.js';
import { LocalPathNodeService } from '../../src/storage/local-path/node-service.js';

const logger = pino({ level: 'silent' });
const clock = { now: () => new Date() };

function fakeClient(objects: Record<string, unknown>): KubeClient {
  return {
    async get(gvr: { resource: string }, ns: string, name: string) {
      const o = objects[`${gvr.resource}/${ns}/${name}`];
      if (!o) throw new ApiError(404, 'NotFound', `${gvr.resource} "${name}" not found`);
      return structuredClone(o);
    },
  } as unknown as KubeClient;
}

const claim = (name: string, phase: string, volumeName?: string, accessModes = ['ReadWriteOnce']) => ({
  metadata: { name, namespace: 'ns' },
  spec: { volumeName, accessModes },
  status: { phase, accessModes },
});
const pod = (uid: string, claimName: string, readOnly = false): Pod => ({
  metadata: { name: `p-${uid}`, namespace: 'ns', uid },
  spec: { volumes: [{ name: 'data', persistentVolumeClaim: { claimName, readOnly } }], containers: [{ name: 'c', volumeMounts: [{ name: 'data', mountPath: '/data' }] }] },
} as unknown as Pod);

test('claim volumes: wait for Bound, local-path directory on first use, read-only modes, in-use paths', async () => {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'k8ts-pvc-'));
  try {
    const storageDir = path.join(dataDir, 'storage');
    const dir = path.join(storageDir, 'pvc-1_ns_data');
    const staticDir = path.join(dataDir, 'static');
    await fs.mkdir(staticDir);
    const objects: Record<string, unknown> = {
      'persistentvolumeclaims/ns/pending': claim('pending', 'Pending'),
      'persistentvolumeclaims/ns/data': claim('data', 'Bound', 'pvc-1'),
      'persistentvolumeclaims/ns/shared': claim('shared', 'Bound', 'static', ['ReadOnlyMany']),
      'persistentvolumes//pvc-1': { metadata: { name: 'pvc-1', annotations: { 'pv.kubernetes.io/provisioned-by': 'rancher.io/local-path' } }, spec: { hostPath: { path: dir, type: 'DirectoryOrCreate' } } },
      'persistentvolumes//static': { metadata: { name: 'static' }, spec: { hostPath: { path: staticDir, type: 'Directory' } } },
    };
    const vm = new VolumeManager({ client: fakeClient(objects), dataDir, logger, clock, volumeDrivers: new Map([['rancher.io/local-path', new LocalPathNodeService({ nodeName: 'n1', storageDir })]]) });

    await assert.rejects(vm.setUp(pod('u0', 'pending')), (e: unknown) => e instanceof VolumeError && /persistentvolumeclaim "pending" is not bound/.test(e.message));
    await assert.rejects(vm.setUp(pod('u9', 'missing')), /persistentvolumeclaim "missing" not found/);

    const p1 = pod('u1', 'data');
    await vm.setUp(p1);
    const st = await fs.stat(dir);
    assert.ok(st.isDirectory());
    assert.equal(st.mode & 0o777, 0o777, 'any container user may write');
    const [m] = vm.mountsFor(p1, p1.spec!.containers![0]!);
    assert.deepEqual({ host: m!.host_path, ro: m!.readonly }, { host: dir, ro: false });
    assert.ok(vm.claimPathsInUse().has(dir));

    const p2 = pod('u2', 'data', true);
    await vm.setUp(p2);
    assert.equal(vm.mountsFor(p2, p2.spec!.containers![0]!)[0]!.readonly, true, 'readOnly in the pod');
    const p3 = pod('u3', 'shared');
    await vm.setUp(p3);
    assert.equal(vm.mountsFor(p3, p3.spec!.containers![0]!)[0]!.readonly, true, 'ReadOnlyMany claim');

    await fs.writeFile(path.join(dir, 'f'), 'kept');
    await vm.tearDown(p1);
    await vm.tearDown(p2);
    assert.equal(vm.claimPathsInUse().has(dir), false);
    assert.equal(await fs.readFile(path.join(dir, 'f'), 'utf8'), 'kept', 'the volume outlives its pods');
    await vm.tearDown(p3);
  } finally {
    await fs.rm(dataDir, { recursive: true, force: true });
  }
});
