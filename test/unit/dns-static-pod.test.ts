// The coredns static pod the agent writes, the files it mounts, and the node-runtime image's
// contents (ldd parsing, layer layout).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dnsStaticPod, k8tsInstallRoot, removeDnsStaticPod, writeDnsIdentity, writeDnsStaticPod, manifestsDirOf, dnsIdentityDirOf } from '../../src/dns/dns-static-pod.js';
import { readStaticPods, staticPodFrom } from '../../src/kubelet/pods/static-pods.js';
import { parseLddOutput, runtimeLayer, nodeRuntimeImageRef } from '../../src/kubelet/images/node-runtime-image.js';
import { kubeconfigToConfig } from '../../src/client/http-client.js';

const input = {
  nodeName: 'n1',
  nodeUid: 'uid-1',
  listenAddress: '10.42.0.1',
  clusterDNS: '10.43.0.10',
  clusterDomain: 'cluster.local',
  image: 'docker.io/k8ts/node-runtime:20.0.0',
  nodePath: '/usr/bin/node',
  k8tsRoot: '/opt/k8ts',
  identityDir: '/var/lib/k8ts/agent/coredns',
};

test('the coredns static pod: coredns-<node> in kube-system, host network, the k8ts dns command', () => {
  const pod = staticPodFrom(dnsStaticPod(input) as any, 'n1', new Date(0).toISOString());
  assert.equal(pod.metadata.name, 'coredns-n1');
  assert.equal(pod.metadata.namespace, 'kube-system');
  assert.equal(pod.metadata.labels?.['k8s-app'], 'kube-dns');
  assert.equal(pod.spec.hostNetwork, true);
  assert.equal(pod.spec.dnsPolicy, 'Default');
  const c = pod.spec.containers[0];
  assert.equal(c.image, input.image);
  assert.equal(c.imagePullPolicy, 'Never');
  assert.deepEqual(c.command, ['/usr/bin/node']);
  assert.deepEqual(c.args, [
    '/opt/k8ts/bin/k8ts.js', 'dns',
    '--kubeconfig', '/var/lib/k8ts/agent/coredns/kubeconfig',
    '--node-name', 'n1', '--node-uid', 'uid-1', '--listen', '10.42.0.1',
    '--cluster-dns', '10.43.0.10', '--cluster-domain', 'cluster.local',
  ]);
  // Ready only once the listener (opened after the zone loaded) accepts connections.
  assert.deepEqual(c.readinessProbe.tcpSocket, { host: '10.42.0.1', port: 53 });
  // Both host directories read-only at their own paths.
  const volumes = new Map(pod.spec.volumes.map((v: any) => [v.name, v.hostPath.path]));
  for (const m of c.volumeMounts) {
    assert.equal(m.readOnly, true);
    assert.equal(volumes.get(m.name), m.mountPath);
  }
  assert.deepEqual([...volumes.values()].sort(), ['/opt/k8ts', '/var/lib/k8ts/agent/coredns']);
});

test('the install root is the directory above holding bin/k8ts.js', () => {
  const root = k8tsInstallRoot(new URL('../../src/dns/dns-static-pod.ts', import.meta.url).href);
  assert.ok(statSync(join(root, 'bin', 'k8ts.js')).isFile());
  assert.throws(() => k8tsInstallRoot('/nonexistent/a/b.js'), /no k8ts installation/);
});

test('manifest and identity files: the kubelet reads the manifest; the kubeconfig is private', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'k8ts-dns-pod-'));
  try {
    const dir = await writeDnsIdentity(dataDir, { server: 'https://127.0.0.1:6443', caPem: 'CA', certPem: 'CERT', keyPem: 'KEY' });
    assert.equal(dir, dnsIdentityDirOf(dataDir));
    assert.equal(statSync(join(dir, 'kubeconfig')).mode & 0o777, 0o600);
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    const cfg = kubeconfigToConfig(readFileSync(join(dir, 'kubeconfig'), 'utf8'));
    assert.deepEqual([cfg.server, cfg.caPem, cfg.certPem, cfg.keyPem], ['https://127.0.0.1:6443', 'CA', 'CERT', 'KEY']);

    const file = await writeDnsStaticPod(dataDir, dnsStaticPod(input));
    const mtime = statSync(file).mtimeMs;
    await new Promise((r) => setTimeout(r, 20));
    await writeDnsStaticPod(dataDir, dnsStaticPod(input));
    assert.equal(statSync(file).mtimeMs, mtime, 'an unchanged manifest is not rewritten');
    const pods = await readStaticPods(manifestsDirOf(dataDir), 'n1', new Date(0).toISOString(), (f, e) => assert.fail(`${f}: ${e}`));
    assert.deepEqual(pods.map((p) => `${p.metadata.namespace}/${p.metadata.name}`), ['kube-system/coredns-n1']);

    await removeDnsStaticPod(dataDir);
    assert.deepEqual(await readStaticPods(manifestsDirOf(dataDir), 'n1', '', () => undefined), []);
    assert.throws(() => statSync(dir));
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('ldd output: every library path and the loader, without the vDSO; a missing library is an error', () => {
  const out = [
    '\tlinux-vdso.so.1 (0x00007ffd)',
    '\tlibdl.so.2 => /lib/x86_64-linux-gnu/libdl.so.2 (0x00007f45)',
    '\tlibstdc++.so.6 => /lib/x86_64-linux-gnu/libstdc++.so.6 (0x00007f45)',
    '\t/lib64/ld-linux-x86-64.so.2 (0x00007f45)',
    '',
  ].join('\n');
  assert.deepEqual(parseLddOutput(out), ['/lib/x86_64-linux-gnu/libdl.so.2', '/lib/x86_64-linux-gnu/libstdc++.so.6', '/lib64/ld-linux-x86-64.so.2']);
  assert.deepEqual(parseLddOutput('\tstatically linked\n'), []);
  assert.throws(() => parseLddOutput('\tlibfoo.so.1 => not found\n'), /libfoo\.so\.1/);
});

test('the runtime layer: parent directories first, then the files at their host paths', () => {
  const entries = runtimeLayer(new Map([['/usr/bin/node', Buffer.from('N')], ['/lib64/ld.so', Buffer.from('L')]]));
  assert.deepEqual(
    entries.map((e) => `${e.type}:${e.path}`),
    ['dir:lib64', 'dir:usr', 'dir:usr/bin', 'dir:tmp', 'file:usr/bin/node', 'file:lib64/ld.so'],
  );
  assert.equal(nodeRuntimeImageRef('20.1.2'), 'docker.io/k8ts/node-runtime:20.1.2');
});
