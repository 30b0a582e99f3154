// Volumes as containers see them: the VolumeManager's CRI mounts in a real busybox container —
// a secret that is readable but read-only, a configMap whose update shows up inside the running
// container, a subPath, and a memory-backed emptyDir; then tearDown leaves no mounts behind.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import pino from 'pino';
import { ApiError, type KubeClient } from '../../src/client/types.js';
import { BUSYBOX_IMAGE } from '../../src/kubelet/images/oci-image.js';
import type { PodSandboxConfig } from '../../src/kubelet/cri/cri-client.js';
import { VolumeManager } from '../../src/kubelet/volumes/volume-manager.js';
import type { Pod } from '../../src/kubelet/volumes/types.js';
import { nodeRuntimeUnavailable, startTestNodeRuntime, type TestNodeRuntime } from '../support/node-runtime.js';

const skip = nodeRuntimeUnavailable();
let rt: TestNodeRuntime;

before(async () => {
  if (!skip) rt = await startTestNodeRuntime();
});
after(async () => {
  await rt?.stop();
});

function fakeClient(objects: Record<string, unknown>): KubeClient {
  return {
    async get(gvr: { resource: string }, ns: string, name: string) {
      const o = objects[`${gvr.resource}/${ns}/${name}`];
      if (!o) throw new ApiError(404, 'NotFound', `${gvr.resource} "${name}" not found`);
      return structuredClone(o);
    },
  } as unknown as KubeClient;
}

test('secret read-only, configMap update seen in the container, subPath, emptyDir Memory', { skip }, async () => {
  const uid = `vol-${Date.now()}`;
  const objects: Record<string, { data: Record<string, string> }> = {
    'secrets/default/creds': { data: { password: Buffer.from('s3cret').toString('base64') } },
    'configmaps/default/cfg': { data: { greeting: 'hello' } },
  };
  const vm = new VolumeManager({ client: fakeClient(objects), dataDir: rt.dataDir, logger: pino({ level: 'silent' }), clock: { now: () => new Date() } });
  const pod: Pod = {
    metadata: { name: 'vols', namespace: 'default', uid },
    spec: {
      volumes: [
        { name: 'creds', secret: { secretName: 'creds' } },
        { name: 'cfg', configMap: { name: 'cfg' } },
        { name: 'cache', emptyDir: { medium: 'Memory', sizeLimit: '8Mi' } },
        { name: 'work', emptyDir: {} },
      ],
      containers: [
        {
          name: 'app',
          volumeMounts: [
            { name: 'creds', mountPath: '/etc/creds' },
            { name: 'cfg', mountPath: '/etc/cfg' },
            { name: 'cache', mountPath: '/cache' },
            { name: 'work', mountPath: '/work', subPath: 'app-data' },
          ],
        },
      ],
    },
  };
  await vm.setUp(pod);
  const sandboxConfig: PodSandboxConfig = {
    metadata: { name: 'vols', uid, namespace: 'default', attempt: 0 },
    hostname: 'vols',
    log_directory: join(rt.dataDir, 'pods', `default_vols_${uid}`),
    linux: { security_context: { namespace_options: { network: 'POD', pid: 'CONTAINER', ipc: 'POD' } } },
  };
  const { pod_sandbox_id } = await rt.cri.runtime.runPodSandbox({ config: sandboxConfig });
  try {
    const { container_id } = await rt.cri.runtime.createContainer({
      pod_sandbox_id,
      config: {
        metadata: { name: 'app', attempt: 0 },
        image: { image: BUSYBOX_IMAGE },
        command: ['sleep', '3600'],
        log_path: 'app/0.log',
        mounts: vm.mountsFor(pod, pod.spec!.containers![0]),
      },
      sandbox_config: sandboxConfig,
    });
    await rt.cri.runtime.startContainer({ container_id });
    const sh = async (script: string) => {
      const r = await rt.cri.runtime.execSync({ container_id, cmd: ['sh', '-c', script], timeout: 10 });
      return { code: r.exit_code, out: r.stdout.toString() + r.stderr.toString() };
    };
    assert.deepEqual(await sh('cat /etc/creds/password'), { code: 0, out: 's3cret' });
    const write = await sh('echo x > /etc/creds/password');
    assert.notEqual(write.code, 0);
    assert.match(write.out, /Read-only file system/);
    assert.match((await sh('echo x > /etc/cfg/new')).out, /Read-only file system/);
    assert.match((await sh('grep " /cache " /proc/mounts')).out, /tmpfs/);
    assert.equal((await sh('echo data > /work/f && cat /work/f')).out, 'data\n');
    const hostFile = join(rt.dataDir, 'agent/pods', uid, 'volumes/kubernetes.io~empty-dir/work/app-data/f');
    assert.equal(await readFile(hostFile, 'utf8'), 'data\n', 'subPath is a directory inside the emptyDir');

    assert.equal((await sh('cat /etc/cfg/greeting')).out, 'hello');
    objects['configmaps/default/cfg'].data.greeting = 'updated';
    await vm.resyncAll();
    assert.equal((await sh('cat /etc/cfg/greeting')).out, 'updated', 'the running container sees the update');

    await rt.cri.runtime.stopContainer({ container_id, timeout: 0 }, 10_000);
    await rt.cri.runtime.removeContainer({ container_id });
  } finally {
    await rt.cri.runtime.stopPodSandbox({ pod_sandbox_id });
    await rt.cri.runtime.removePodSandbox({ pod_sandbox_id });
    await vm.tearDown(pod);
  }
  const mounts = await readFile('/proc/self/mountinfo', 'utf8');
  assert.ok(!mounts.includes(join(rt.dataDir, 'agent/pods', uid)), 'no volume mounts left');
});
