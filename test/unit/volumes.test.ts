import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import pino from 'pino';
import { DATA_DIR_NAME, normalizePayload, payloadDiffers, timestampDirPrefix, validatePayloadPath, visibleNames, writeAtomic } from '../../src/kubelet/volumes/atomic-writer.js';
import { containerResourceValue, formatMap, podFieldValue } from '../../src/kubelet/volumes/downward-api.js';
import { hostPathTypeMismatch, prepareHostPath } from '../../src/kubelet/volumes/host-path.js';
import { mountsUnder, parseMountPoints } from '../../src/kubelet/volumes/mounts.js';
import { configMapValues, downwardAPIPayload, fileMode, keyedPayload, projectedPayload, secretValues } from '../../src/kubelet/volumes/payload.js';
import { expandSubPathExpr, prepareSubPath, validateSubPath } from '../../src/kubelet/volumes/sub-path.js';
import type { Payload, Pod } from '../../src/kubelet/volumes/types.js';
import { VolumeManager, VolumeError } from '../../src/kubelet/volumes/volume-manager.js';
import { ApiError, type KubeClient } from '../../src/client/types.js';

const file = (s: string, mode = 0o644) => ({ data: Buffer.from(s), mode });

async function tmp(): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), 'k8ts-vol-'));
}

test('payload paths: relative, no .. elements, no leading ..', () => {
  assert.equal(validatePayloadPath('a/b'), undefined);
  assert.match(validatePayloadPath('/etc/passwd')!, /relative/);
  assert.match(validatePayloadPath('a/../b')!, /'\.\.'/);
  assert.match(validatePayloadPath('..data')!, /start with/);
  assert.match(validatePayloadPath('')!, /empty/);
  assert.match(validatePayloadPath('x'.repeat(256))!, /255/);
  assert.deepEqual([...normalizePayload(new Map([['./a//b', file('x')]])).keys()], ['a/b']);
  assert.deepEqual([...visibleNames(['a/b', 'a/c', 'd'])], ['a', 'd']);
  assert.equal(timestampDirPrefix(new Date(Date.UTC(2026, 0, 2, 3, 4, 5))), '..2026_01_02_03_04_05.');
});

test('payloadDiffers compares content, mode and path set', () => {
  const a: Payload = new Map([['k', file('v')]]);
  assert.equal(payloadDiffers(a, new Map([['k', file('v')]])), false);
  assert.equal(payloadDiffers(a, new Map([['k', file('w')]])), true);
  assert.equal(payloadDiffers(a, new Map([['k', file('v', 0o600)]])), true);
  assert.equal(payloadDiffers(a, new Map([['j', file('v')]])), true);
});

test('writeAtomic: ..data symlink layout, modes, and atomic update', async () => {
  const dir = await tmp();
  try {
    const changed = await writeAtomic(dir, new Map([['a', file('1')], ['sub/b', file('2', 0o400)]]));
    assert.equal(changed, true);
    const names = (await fs.readdir(dir)).sort();
    assert.equal(names.length, 4); // a, sub, ..data, ..<ts>
    assert.ok(names.includes('a') && names.includes('sub') && names.includes(DATA_DIR_NAME));
    const ts = await fs.readlink(path.join(dir, DATA_DIR_NAME));
    assert.match(ts, /^\.\.\d{4}_\d\d_\d\d_\d\d_\d\d_\d\d\..+$/);
    assert.equal(await fs.readlink(path.join(dir, 'a')), '..data/a');
    assert.equal(await fs.readFile(path.join(dir, 'sub/b'), 'utf8'), '2');
    assert.equal((await fs.stat(path.join(dir, 'a'))).mode & 0o777, 0o644);
    assert.equal((await fs.stat(path.join(dir, 'sub/b'))).mode & 0o777, 0o400);

    assert.equal(await writeAtomic(dir, new Map([['a', file('1')], ['sub/b', file('2', 0o400)]])), false, 'unchanged payload writes nothing');

    assert.equal(await writeAtomic(dir, new Map([['a', file('updated')], ['c', file('3')]])), true);
    const after = (await fs.readdir(dir)).sort();
    assert.ok(!after.includes('sub'), 'a name no longer in the payload is removed');
    assert.ok(after.includes('c'));
    assert.ok(!after.includes(ts), 'the old timestamped directory is removed');
    assert.equal(after.filter((n) => n.startsWith('..') && n !== DATA_DIR_NAME).length, 1);
    assert.equal(await fs.readFile(path.join(dir, 'a'), 'utf8'), 'updated');

    await assert.rejects(writeAtomic(dir, new Map([['../escape', file('x')]])), /invalid path/);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('configMap/secret payloads: all keys, items, modes, optional', () => {
  const values = configMapValues({ data: { a: 'A', b: 'B' }, binaryData: { bin: Buffer.from([1, 2]).toString('base64') } })!;
  const all = keyedPayload('configmap', 'cm', values, undefined, false, undefined, undefined);
  assert.deepEqual([...all.keys()].sort(), ['a', 'b', 'bin']);
  assert.equal(all.get('a')!.mode, 0o644);
  assert.deepEqual([...all.get('bin')!.data], [1, 2]);

  const items = keyedPayload('configmap', 'cm', values, [{ key: 'a', path: 'dir/renamed', mode: 0o400 }, { key: 'b', path: 'b' }], false, 0o600, undefined);
  assert.deepEqual([...items.keys()], ['dir/renamed', 'b']);
  assert.equal(items.get('dir/renamed')!.mode, 0o400);
  assert.equal(items.get('b')!.mode, 0o600);

  assert.throws(() => keyedPayload('configmap', 'cm', values, [{ key: 'zz', path: 'z' }], false, undefined, undefined), /"zz" not found/);
  assert.equal(keyedPayload('configmap', 'cm', values, [{ key: 'zz', path: 'z' }], true, undefined, undefined).size, 0);
  assert.throws(() => keyedPayload('configmap', 'gone', undefined, undefined, false, undefined, undefined), /configmap "gone" not found/);
  assert.equal(keyedPayload('configmap', 'gone', undefined, undefined, true, undefined, undefined).size, 0);

  const sec = secretValues({ data: { password: Buffer.from('s3cret').toString('base64') } })!;
  assert.equal(sec.get('password')!.toString(), 's3cret');
  assert.equal(fileMode(undefined, 0o400, 1000), 0o440, 'fsGroup makes files group-readable');
  assert.equal(fileMode(0o755, 0o400, undefined), 0o755);
});

const pod: Pod = {
  metadata: { name: 'p', namespace: 'ns', uid: 'u-1', labels: { b: '2', a: 'x"y' }, annotations: { note: 'hi' } },
  spec: {
    nodeName: 'n1',
    serviceAccountName: 'sa',
    containers: [{ name: 'c', resources: { limits: { cpu: '500m', memory: '64Mi' }, requests: { cpu: '250m' } } }],
  },
  status: { podIP: '10.42.0.5', hostIP: '10.0.0.1' },
};

test('downward API: field values and resource values with divisors', () => {
  assert.equal(formatMap({ b: '2', a: 'x"y' }), 'a="x\\"y"\nb="2"');
  assert.equal(podFieldValue(pod, 'metadata.labels'), 'a="x\\"y"\nb="2"');
  assert.equal(podFieldValue(pod, "metadata.labels['b']"), '2');
  assert.equal(podFieldValue(pod, "metadata.annotations['note']"), 'hi');
  assert.equal(podFieldValue(pod, 'metadata.namespace'), 'ns');
  assert.equal(podFieldValue(pod, 'spec.nodeName'), 'n1');
  assert.equal(podFieldValue(pod, 'status.podIP'), '10.42.0.5');
  assert.throws(() => podFieldValue(pod, 'spec.nope'), /unsupported/);
  const alloc = { cpu: '4', memory: '8Gi' };
  assert.equal(containerResourceValue(pod, { containerName: 'c', resource: 'limits.cpu' }, alloc), '1', 'cores round up');
  assert.equal(containerResourceValue(pod, { containerName: 'c', resource: 'limits.cpu', divisor: '1m' }, alloc), '500');
  assert.equal(containerResourceValue(pod, { containerName: 'c', resource: 'limits.memory', divisor: '1Mi' }, alloc), '64');
  assert.equal(containerResourceValue(pod, { containerName: 'c', resource: 'requests.cpu', divisor: '1m' }, alloc), '250');
  assert.equal(containerResourceValue(pod, { containerName: 'c', resource: 'requests.memory' }, alloc), '0');
  const noLimits: Pod = { ...pod, spec: { containers: [{ name: 'c' }] } };
  assert.equal(containerResourceValue(noLimits, { containerName: 'c', resource: 'limits.memory', divisor: '1Gi' }, alloc), '8', 'unset limits fall back to allocatable');
  const p = downwardAPIPayload(pod, [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' }, mode: 0o400 }], undefined, undefined, alloc);
  assert.equal(p.get('labels')!.mode, 0o400);
});

test('projected payload merges sources in order', () => {
  const p = projectedPayload(
    pod,
    [
      { serviceAccountToken: { path: 'token', expirationSeconds: 3607 } },
      { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
      { downwardAPI: { items: [{ path: 'namespace', fieldRef: { fieldPath: 'metadata.namespace' } }] } },
      { secret: { name: 'missing', optional: true } },
    ],
    0o644,
    undefined,
    { configMaps: new Map([['kube-root-ca.crt', { data: { 'ca.crt': 'CA' } }]]), secrets: new Map([['missing', undefined]]), tokens: new Map([[0, 'TOKEN']]) },
    {},
  );
  assert.deepEqual(Object.fromEntries([...p].map(([k, v]) => [k, v.data.toString()])), { token: 'TOKEN', 'ca.crt': 'CA', namespace: 'ns' });
});

test('hostPath type checks', async () => {
  const dir = await tmp();
  try {
    const fakeDir = { isDirectory: () => true, isFile: () => false, isSocket: () => false, isCharacterDevice: () => false, isBlockDevice: () => false };
    assert.equal(hostPathTypeMismatch('Directory', '/x', fakeDir), undefined);
    assert.match(hostPathTypeMismatch('File', '/x', fakeDir)!, /is not a file/);
    assert.match(hostPathTypeMismatch('Socket', '/x', fakeDir)!, /socket/);
    await prepareHostPath(path.join(dir, 'new/dir'), 'DirectoryOrCreate');
    assert.ok((await fs.stat(path.join(dir, 'new/dir'))).isDirectory());
    await prepareHostPath(path.join(dir, 'f/file.txt'), 'FileOrCreate');
    assert.ok((await fs.stat(path.join(dir, 'f/file.txt'))).isFile());
    await assert.rejects(prepareHostPath(path.join(dir, 'absent'), 'Directory'), /is not a directory/);
    await assert.rejects(prepareHostPath(path.join(dir, 'new'), 'File'), /is not a file/);
    await prepareHostPath(path.join(dir, 'anything'), undefined);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('subPath: validation, expansion, creation and escape refusal', async () => {
  assert.match(validateSubPath('/abs')!, /relative/);
  assert.match(validateSubPath('a/../../b')!, /'\.\.'/);
  assert.equal(expandSubPathExpr('logs/$(POD_NAME)/x$(NOPE)', { POD_NAME: 'p1' }), 'logs/p1/x');
  const dir = await tmp();
  try {
    assert.equal(await prepareSubPath(dir, 'a/b'), path.join(dir, 'a/b'));
    assert.ok((await fs.stat(path.join(dir, 'a/b'))).isDirectory());
    await fs.symlink('/etc', path.join(dir, 'evil'));
    await assert.rejects(prepareSubPath(dir, 'evil'), /outside the volume/);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('mountinfo parsing and mounts under a directory', () => {
  const info = '22 1 0:21 / /proc rw - proc proc rw\n99 22 0:50 / /data/pods/u/volumes/kubernetes.io~secret/my\\040secret rw - tmpfs tmpfs rw\n100 22 0:51 / /data/pods/u/volumes/x rw - tmpfs tmpfs rw\n';
  const points = parseMountPoints(info);
  assert.deepEqual(points, ['/proc', '/data/pods/u/volumes/kubernetes.io~secret/my secret', '/data/pods/u/volumes/x']);
  assert.deepEqual(mountsUnder(points, '/data/pods/u/volumes'), ['/data/pods/u/volumes/kubernetes.io~secret/my secret', '/data/pods/u/volumes/x']);
  assert.deepEqual(mountsUnder(points, '/data/pods/u/vol'), []);
});

/** A client serving a fixed set of objects by "resource/ns/name". */
function fakeClient(objects: Record<string, unknown>, tokenResponse?: () => unknown): KubeClient & { tokenRequests: unknown[] } {
  const tokenRequests: unknown[] = [];
  const c = {
    tokenRequests,
    async get(gvr: { resource: string }, ns: string, name: string) {
      const o = objects[`${gvr.resource}/${ns}/${name}`];
      if (!o) throw new ApiError(404, 'NotFound', `${gvr.resource} "${name}" not found`);
      return structuredClone(o);
    },
    async createSubresource(_g: unknown, _ns: string, _n: string, sub: string, body: unknown) {
      assert.equal(sub, 'token');
      tokenRequests.push(body);
      if (!tokenResponse) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
      return tokenResponse();
    },
  };
  return c as unknown as KubeClient & { tokenRequests: unknown[] };
}

const logger = pino({ level: 'silent' });
const clock = { now: () => new Date() };

test('VolumeManager: emptyDir, hostPath, configMap (with update), downwardAPI, PVC, subPath, mountsFor, tearDown', async () => {
  const dataDir = await tmp();
  const hostDir = await tmp();
  try {
    const objects: Record<string, unknown> = {
      'configmaps/ns/cfg': { metadata: { name: 'cfg' }, data: { 'app.conf': 'v1' } },
      'persistentvolumeclaims/ns/claim': { metadata: { name: 'claim' }, spec: { volumeName: 'pv1' }, status: { phase: 'Bound' } },
      'persistentvolumes//pv1': { metadata: { name: 'pv1' }, spec: { local: { path: hostDir } } },
      'persistentvolumeclaims/ns/pending': { metadata: { name: 'pending' }, spec: {}, status: { phase: 'Pending' } },
    };
    const vm = new VolumeManager({ client: fakeClient(objects), dataDir, logger, clock });
    const p: Pod = {
      metadata: { name: 'p', namespace: 'ns', uid: 'uid-1', labels: { app: 'x' } },
      spec: {
        volumes: [
          { name: 'scratch', emptyDir: {} },
          { name: 'host', hostPath: { path: path.join(hostDir, 'h'), type: 'DirectoryOrCreate' } },
          { name: 'cfg', configMap: { name: 'cfg' } },
          { name: 'info', downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] } },
          { name: 'data', persistentVolumeClaim: { claimName: 'claim' } },
        ],
        containers: [
          {
            name: 'c',
            volumeMounts: [
              { name: 'scratch', mountPath: '/scratch' },
              { name: 'host', mountPath: '/host', readOnly: true, mountPropagation: 'HostToContainer' },
              { name: 'cfg', mountPath: '/etc/app' },
              { name: 'info', mountPath: '/etc/podinfo' },
              { name: 'data', mountPath: '/data', subPath: 'sub/dir' },
            ],
          },
        ],
      },
    };
    await vm.setUp(p);
    const podDir = path.join(dataDir, 'agent/pods/uid-1');
    const cfgDir = path.join(podDir, 'volumes/kubernetes.io~configmap/cfg');
    assert.equal(await fs.readFile(path.join(cfgDir, 'app.conf'), 'utf8'), 'v1');
    assert.equal(await fs.readFile(path.join(podDir, 'volumes/kubernetes.io~downward-api/info/labels'), 'utf8'), 'app="x"');
    assert.equal((await fs.stat(path.join(podDir, 'volumes/kubernetes.io~empty-dir/scratch'))).mode & 0o777, 0o777);
    assert.ok((await fs.stat(path.join(hostDir, 'sub/dir'))).isDirectory(), 'subPath created inside the PV');

    const mounts = vm.mountsFor(p, p.spec!.containers![0]);
    assert.deepEqual(mounts, [
      { container_path: '/scratch', host_path: path.join(podDir, 'volumes/kubernetes.io~empty-dir/scratch'), readonly: false },
      { container_path: '/host', host_path: path.join(hostDir, 'h'), readonly: true, propagation: 'PROPAGATION_HOST_TO_CONTAINER' },
      { container_path: '/etc/app', host_path: cfgDir, readonly: true },
      { container_path: '/etc/podinfo', host_path: path.join(podDir, 'volumes/kubernetes.io~downward-api/info'), readonly: true },
      { container_path: '/data', host_path: path.join(hostDir, 'sub/dir'), readonly: false },
    ]);

    (objects['configmaps/ns/cfg'] as { data: Record<string, string> }).data['app.conf'] = 'v2';
    await vm.resyncAll();
    assert.equal(await fs.readFile(path.join(cfgDir, 'app.conf'), 'utf8'), 'v2', 'resync sees configMap updates');
    vm.updatePod({ ...p, metadata: { ...p.metadata, labels: { app: 'y' } } });
    await vm.resyncAll();
    assert.equal(await fs.readFile(path.join(podDir, 'volumes/kubernetes.io~downward-api/info/labels'), 'utf8'), 'app="y"', 'label changes reach downwardAPI volumes');

    await vm.tearDown(p);
    await assert.rejects(fs.stat(podDir), /ENOENT/);
    assert.ok((await fs.stat(path.join(hostDir, 'sub/dir'))).isDirectory(), 'PV data survives tearDown');
    assert.throws(() => vm.mountsFor(p, p.spec!.containers![0]), VolumeError);

    const unbound: Pod = { metadata: { name: 'q', namespace: 'ns', uid: 'uid-2' }, spec: { volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'pending' } }, { name: 'm', configMap: { name: 'missing' } }] } };
    await assert.rejects(vm.setUp(unbound), (e: unknown) => e instanceof VolumeError && /not bound/.test(e.message) && /configmap "missing" not found/.test(e.message));
    await vm.tearDown(unbound);
  } finally {
    await fs.rm(dataDir, { recursive: true, force: true });
    await fs.rm(hostDir, { recursive: true, force: true });
  }
});
