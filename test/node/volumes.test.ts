// Volume plugins with real mounts (tmpfs for emptyDir Memory, secrets and projected volumes),
// without containers: the files, modes and mounts the runtime would bind, and their cleanup.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import pino from 'pino';
import { ApiError, type KubeClient } from '../../src/client/types.js';
import { PLACEHOLDER_TOKEN, VolumeManager } from '../../src/kubelet/volumes/volume-manager.js';
import type { Pod } from '../../src/kubelet/volumes/types.js';

const skip = process.getuid?.() !== 0 ? 'needs root (tmpfs mounts)' : false;
const logger = pino({ level: 'silent' });
const clock = { now: () => new Date() };

function fakeClient(objects: Record<string, unknown>, tokenResponse?: () => unknown): KubeClient & { tokenRequests: unknown[] } {
  const tokenRequests: unknown[] = [];
  return {
    tokenRequests,
    async get(gvr: { resource: string }, ns: string, name: string) {
      const o = objects[`${gvr.resource}/${ns}/${name}`];
      if (!o) throw new ApiError(404, 'NotFound', `${gvr.resource} "${name}" not found`);
      return structuredClone(o);
    },
    async createSubresource(_g: unknown, _ns: string, _n: string, _sub: string, body: unknown) {
      tokenRequests.push(body);
      if (!tokenResponse) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
      return tokenResponse();
    },
  } as unknown as KubeClient & { tokenRequests: unknown[] };
}

/** mount point → [fstype, super options] from /proc/self/mountinfo. */
async function mountsBelow(dir: string): Promise<Map<string, [string, string]>> {
  const out = new Map<string, [string, string]>();
  for (const line of (await fs.readFile('/proc/self/mountinfo', 'utf8')).split('\n')) {
    const f = line.split(' ');
    if (f.length < 5 || !(f[4] === dir || f[4].startsWith(dir + '/'))) continue;
    const sep = f.indexOf('-');
    out.set(f[4], [f[sep + 1], f[sep + 3] ?? '']);
  }
  return out;
}

async function withDataDir(fn: (dataDir: string) => Promise<void>): Promise<void> {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'k8ts-volnode-'));
  try {
    await fn(dataDir);
    assert.equal((await mountsBelow(dataDir)).size, 0, 'no mounts left behind');
  } finally {
    for (const mp of [...(await mountsBelow(dataDir)).keys()].sort((a, b) => b.length - a.length)) {
      execFileSync('umount', ['-l', mp]);
    }
    await fs.rm(dataDir, { recursive: true, force: true });
  }
}

test('emptyDir medium Memory is a tmpfs capped at sizeLimit', { skip }, () =>
  withDataDir(async (dataDir) => {
    const vm = new VolumeManager({ client: fakeClient({}), dataDir, logger, clock });
    const pod: Pod = { metadata: { name: 'p', namespace: 'ns', uid: 'mem-1' }, spec: { volumes: [{ name: 'cache', emptyDir: { medium: 'Memory', sizeLimit: '16Mi' } }] } };
    await vm.setUp(pod);
    await vm.setUp(pod); // idempotent: no second mount
    const dir = path.join(dataDir, 'agent/pods/mem-1/volumes/kubernetes.io~empty-dir/cache');
    const mounts = await mountsBelow(dataDir);
    assert.equal(mounts.size, 1);
    const [fstype, opts] = mounts.get(dir)!;
    assert.equal(fstype, 'tmpfs');
    assert.match(opts, /size=16384k/);
    await fs.writeFile(path.join(dir, 'x'), 'data');
    await vm.tearDown(pod);
    await assert.rejects(fs.stat(path.join(dataDir, 'agent/pods/mem-1')), /ENOENT/);
  }));

test('secret volume: tmpfs, files per key with modes, read-only mount', { skip }, () =>
  withDataDir(async (dataDir) => {
    const objects = { 'secrets/ns/creds': { metadata: { name: 'creds' }, data: { username: Buffer.from('admin').toString('base64'), password: Buffer.from('s3cret').toString('base64') } } };
    const vm = new VolumeManager({ client: fakeClient(objects), dataDir, logger, clock });
    const pod: Pod = {
      metadata: { name: 'p', namespace: 'ns', uid: 'sec-1' },
      spec: {
        volumes: [{ name: 'creds', secret: { secretName: 'creds', defaultMode: 0o400, items: [{ key: 'password', path: 'db/password' }] } }],
        containers: [{ name: 'app', volumeMounts: [{ name: 'creds', mountPath: '/etc/creds' }] }],
      },
    };
    await vm.setUp(pod);
    const dir = path.join(dataDir, 'agent/pods/sec-1/volumes/kubernetes.io~secret/creds');
    assert.equal((await mountsBelow(dataDir)).get(dir)?.[0], 'tmpfs', 'secrets never touch disk');
    assert.equal(await fs.readFile(path.join(dir, 'db/password'), 'utf8'), 's3cret');
    assert.equal((await fs.stat(path.join(dir, 'db/password'))).mode & 0o777, 0o400);
    await assert.rejects(fs.stat(path.join(dir, 'username')), /ENOENT/, 'only the listed items');
    assert.deepEqual(vm.mountsFor(pod, pod.spec!.containers![0]), [{ container_path: '/etc/creds', host_path: dir, readonly: true }]);
    await vm.tearDown(pod);
  }));

test('configMap volume sees updates through run() resync with an atomic ..data swap', { skip }, () =>
  withDataDir(async (dataDir) => {
    const objects: Record<string, { data: Record<string, string> }> = { 'configmaps/ns/cfg': { data: { greeting: 'hello' } } };
    const vm = new VolumeManager({ client: fakeClient(objects), dataDir, logger, clock, resyncMs: 100 });
    const pod: Pod = { metadata: { name: 'p', namespace: 'ns', uid: 'cm-1' }, spec: { volumes: [{ name: 'cfg', configMap: { name: 'cfg' } }] } };
    await vm.setUp(pod);
    const file = path.join(dataDir, 'agent/pods/cm-1/volumes/kubernetes.io~configmap/cfg/greeting');
    assert.equal(await fs.readFile(file, 'utf8'), 'hello');
    const ac = new AbortController();
    const running = vm.run(ac.signal);
    objects['configmaps/ns/cfg'].data.greeting = 'updated';
    const deadline = Date.now() + 5000;
    while ((await fs.readFile(file, 'utf8')) !== 'updated' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    ac.abort();
    await running;
    assert.equal(await fs.readFile(file, 'utf8'), 'updated');
    await vm.tearDown(pod);
  }));

test('projected volume: bound token from TokenRequest, placeholder when the API lacks it', { skip }, () =>
  withDataDir(async (dataDir) => {
    const pod: Pod = {
      metadata: { name: 'p', namespace: 'ns', uid: 'proj-1' },
      spec: {
        serviceAccountName: 'builder',
        volumes: [
          {
            name: 'kube-api-access',
            projected: {
              sources: [
                { serviceAccountToken: { path: 'token', expirationSeconds: 3607 } },
                { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
                { downwardAPI: { items: [{ path: 'namespace', fieldRef: { fieldPath: 'metadata.namespace' } }] } },
              ],
            },
          },
        ],
      },
    };
    const objects = { 'configmaps/ns/kube-root-ca.crt': { data: { 'ca.crt': 'CA' } } };
    const client = fakeClient(objects, () => ({ status: { token: 'REAL', expirationTimestamp: new Date(Date.now() + 3600_000).toISOString() } }));
    const vm = new VolumeManager({ client, dataDir, logger, clock });
    await vm.setUp(pod);
    const dir = path.join(dataDir, 'agent/pods/proj-1/volumes/kubernetes.io~projected/kube-api-access');
    assert.equal((await mountsBelow(dataDir)).get(dir)?.[0], 'tmpfs');
    assert.equal(await fs.readFile(path.join(dir, 'token'), 'utf8'), 'REAL');
    assert.equal(await fs.readFile(path.join(dir, 'ca.crt'), 'utf8'), 'CA');
    assert.equal(await fs.readFile(path.join(dir, 'namespace'), 'utf8'), 'ns');
    assert.deepEqual((client.tokenRequests[0] as { spec: unknown }).spec, { audiences: [], expirationSeconds: 3607, boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'p', uid: 'proj-1' } });
    await vm.resyncAll();
    assert.equal(client.tokenRequests.length, 1, 'a fresh token is reused');
    await vm.tearDown(pod);

    const vm2 = new VolumeManager({ client: fakeClient(objects), dataDir, logger, clock });
    await vm2.setUp(pod);
    assert.equal(await fs.readFile(path.join(dir, 'token'), 'utf8'), PLACEHOLDER_TOKEN);
    await vm2.tearDown(pod);
  }));

test('cleanupOrphans tears down volumes of pods no longer running', { skip }, () =>
  withDataDir(async (dataDir) => {
    const vm = new VolumeManager({ client: fakeClient({}), dataDir, logger, clock });
    const pod: Pod = { metadata: { name: 'p', namespace: 'ns', uid: 'orphan-1' }, spec: { volumes: [{ name: 'm', emptyDir: { medium: 'Memory' } }] } };
    await vm.setUp(pod);
    const restarted = new VolumeManager({ client: fakeClient({}), dataDir, logger, clock });
    await restarted.cleanupOrphans(new Set());
    await assert.rejects(fs.stat(path.join(dataDir, 'agent/pods/orphan-1')), /ENOENT/);
  }));
