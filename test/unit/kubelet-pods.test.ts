import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Backoff } from '../../src/kubelet/pods/backoff.js';
import { parseResolvConf, podDNSConfig } from '../../src/kubelet/pods/dns.js';
import { authsFor, pullPolicyOf, registryOf } from '../../src/kubelet/pods/image-auth.js';
import { changedPods, fingerprints } from '../../src/kubelet/pleg/relist.js';
import { formatDelay } from '../../src/kubelet/pods/pod-sync.js';
import { containerConfig, linuxResources, sandboxConfig } from '../../src/kubelet/pods/runtime-config.js';
import { isMirrorPod, mirrorPodFor, staticPodFrom } from '../../src/kubelet/pods/static-pods.js';
import type { Pod } from '../../src/kubelet/pods/types.js';

const host = parseResolvConf('# comment\nnameserver 192.168.1.1\nsearch lan example.com\noptions edns0\n');

function pod(spec: Record<string, unknown>): Pod {
  return { metadata: { name: 'p', namespace: 'team', uid: 'u1', labels: { app: 'x' } }, spec };
}

test('back-off: 10 s doubling to 5 min, window measured from the failure', () => {
  const b = new Backoff();
  assert.equal(b.delay('k', 0), 0);
  assert.equal(b.next('k', 0), 10_000);
  assert.equal(b.next('k', 1), 20_000);
  assert.equal(b.next('k', 2), 40_000);
  for (let i = 0; i < 10; i++) b.next('k', 3);
  assert.equal(b.delay('k', 3), 300_000);
  assert.equal(b.inBackoffSince('k', 100, 200), true);
  assert.equal(b.inBackoffSince('k', 100, 400_000), false);
  assert.equal(b.remaining('k', 1000, 2000), 299_000);
  // Forgotten after twice the maximum without failures.
  assert.equal(b.delay('k', 3 + 600_001), 0);
  assert.equal(formatDelay(10_000), '10s');
  assert.equal(formatDelay(300_000), '5m0s');
});

test('DNS: ClusterFirst, Default, None, hostNetwork, dnsConfig merge', () => {
  const s = { clusterDNS: ['10.43.0.10'], clusterDomain: 'cluster.local', host };
  assert.deepEqual(podDNSConfig(pod({}), s), {
    servers: ['10.43.0.10'],
    searches: ['team.svc.cluster.local', 'svc.cluster.local', 'cluster.local', 'lan', 'example.com'],
    options: ['ndots:5'],
  });
  assert.deepEqual(podDNSConfig(pod({ dnsPolicy: 'Default' }), s), { servers: ['192.168.1.1'], searches: ['lan', 'example.com'], options: ['edns0'] });
  assert.deepEqual(podDNSConfig(pod({ hostNetwork: true }), s).servers, ['192.168.1.1']);
  assert.deepEqual(podDNSConfig(pod({ hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet' }), s).servers, ['10.43.0.10']);
  assert.deepEqual(podDNSConfig(pod({ dnsPolicy: 'None', dnsConfig: { nameservers: ['1.1.1.1'], searches: ['a.b'], options: [{ name: 'ndots', value: '2' }, { name: 'rotate' }] } }), s), {
    servers: ['1.1.1.1'], searches: ['a.b'], options: ['ndots:2', 'rotate'],
  });
  assert.deepEqual(podDNSConfig(pod({ dnsConfig: { options: [{ name: 'ndots', value: '1' }] } }), s).options, ['ndots:1']);
});

test('sandbox config: hostname, log dir, host ports, namespaces, labels', () => {
  const p = pod({ hostname: 'h', containers: [{ name: 'c', ports: [{ containerPort: 80, hostPort: 8080 }] }] });
  const c = sandboxConfig(p, 1, '/d/agent/pods/team_p_u1', { servers: [], searches: [], options: [] });
  assert.equal(c.hostname, 'h');
  assert.equal(c.metadata.attempt, 1);
  assert.equal(c.log_directory, '/d/agent/pods/team_p_u1');
  assert.deepEqual(c.port_mappings, [{ protocol: 'TCP', container_port: 80, host_port: 8080, host_ip: '' }]);
  assert.equal(c.linux?.security_context?.namespace_options?.network, 'POD');
  assert.equal(c.labels?.['io.kubernetes.pod.uid'], 'u1');
  assert.equal(c.labels?.app, 'x');
  const hn = sandboxConfig(pod({ hostNetwork: true, containers: [] }), 0, '/x', { servers: [], searches: [], options: [] });
  assert.equal(hn.linux?.security_context?.namespace_options?.network, 'NODE');
});

test('resources: shares from requests, quota from limits, memory limit', () => {
  assert.deepEqual(linuxResources({ resources: { requests: { cpu: '250m' }, limits: { cpu: '500m', memory: '64Mi' } } }), {
    cpu_shares: 256, cpu_period: 100_000, cpu_quota: 50_000, memory_limit_in_bytes: 64 * 1024 * 1024,
  });
  assert.deepEqual(linuxResources({}), { cpu_shares: 2 });
});

test('container config: log path, security context, labels', () => {
  const p = pod({ securityContext: { runAsUser: 1000, fsGroup: 2000 }, containers: [] });
  const c = { name: 'app', workingDir: '/w', securityContext: { runAsGroup: 3000, readOnlyRootFilesystem: true, capabilities: { add: ['NET_ADMIN'], drop: ['ALL'] }, privileged: false } };
  const cfg = containerConfig({ pod: p, container: c, attempt: 3, image: 'busybox', env: [], command: ['sh'], args: [], mounts: [] });
  assert.equal(cfg.log_path, 'app/3.log');
  assert.equal(cfg.working_dir, '/w');
  const sc = cfg.linux?.security_context;
  assert.deepEqual(sc?.run_as_user, { value: 1000 });
  assert.deepEqual(sc?.run_as_group, { value: 3000 });
  assert.equal(sc?.readonly_rootfs, true);
  assert.deepEqual(sc?.capabilities, { add_capabilities: ['NET_ADMIN'], drop_capabilities: ['ALL'] }, 'CRI names capabilities without CAP_');
  assert.deepEqual(sc?.supplemental_groups, [2000]);
  assert.equal(cfg.labels?.['io.kubernetes.container.name'], 'app');
  assert.equal(cfg.annotations?.['io.kubernetes.container.restartCount'], '3');
});

test('image pull policy defaults and registry credentials', () => {
  assert.equal(pullPolicyOf({ image: 'busybox' }), 'Always');
  assert.equal(pullPolicyOf({ image: 'busybox:latest' }), 'Always');
  assert.equal(pullPolicyOf({ image: 'busybox:1.36' }), 'IfNotPresent');
  assert.equal(pullPolicyOf({ image: 'localhost:5000/busybox' }), 'Always');
  assert.equal(pullPolicyOf({ image: 'busybox@sha256:abc' }), 'IfNotPresent');
  assert.equal(pullPolicyOf({ image: 'busybox', imagePullPolicy: 'Never' }), 'Never');
  assert.equal(registryOf('busybox'), 'docker.io');
  assert.equal(registryOf('library/busybox'), 'docker.io');
  assert.equal(registryOf('127.0.0.1:5000/busybox'), '127.0.0.1:5000');
  const cfg = { auths: { 'https://index.docker.io/v1/': { auth: Buffer.from('u:p').toString('base64') }, 'reg.example.com': { username: 'a', password: 'b' } } };
  const secret = { type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': Buffer.from(JSON.stringify(cfg)).toString('base64') } };
  const hub = authsFor('busybox', [secret]);
  assert.equal(hub.length, 1);
  assert.equal(hub[0]!.username, 'u');
  assert.equal(hub[0]!.password, 'p');
  assert.equal(authsFor('reg.example.com/x/y:1', [secret])[0]!.username, 'a');
  assert.deepEqual(authsFor('quay.io/x', [secret]), []);
});

test('PLEG: pods whose sandboxes or containers changed', () => {
  const sb = (id: string, uid: string, state: 'SANDBOX_READY' | 'SANDBOX_NOTREADY') => ({ id, metadata: { name: 'p', uid, namespace: 'n', attempt: 0 }, state, created_at: 1, labels: { 'io.kubernetes.pod.uid': uid }, annotations: {}, runtime_handler: '' });
  const ct = (id: string, uid: string, state: 'CONTAINER_RUNNING' | 'CONTAINER_EXITED') => ({ id, pod_sandbox_id: 's', metadata: { name: 'c', attempt: 0 }, image: null, image_ref: '', state, created_at: 1, labels: { 'io.kubernetes.pod.uid': uid }, annotations: {}, image_id: '' });
  const a = fingerprints([sb('s1', 'A', 'SANDBOX_READY'), sb('s2', 'B', 'SANDBOX_READY')], [ct('c1', 'A', 'CONTAINER_RUNNING'), ct('c2', 'B', 'CONTAINER_RUNNING')]);
  const b = fingerprints([sb('s1', 'A', 'SANDBOX_READY'), sb('s2', 'B', 'SANDBOX_READY')], [ct('c1', 'A', 'CONTAINER_EXITED'), ct('c2', 'B', 'CONTAINER_RUNNING')]);
  assert.deepEqual(changedPods(a, b), ['A']);
  assert.deepEqual(changedPods(b, new Map()), ['A', 'B']);
  assert.deepEqual(changedPods(a, a), []);
});

test('static pods: name, uid from content, mirror annotation and owner', () => {
  const manifest = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } };
  const p1 = staticPodFrom(manifest, 'node1', '2026-01-01T00:00:00Z');
  const p2 = staticPodFrom(manifest, 'node1', '2026-01-02T00:00:00Z');
  assert.equal(p1.metadata.name, 'web-node1');
  assert.equal(p1.metadata.namespace, 'default');
  assert.equal(p1.metadata.uid, p2.metadata.uid);
  assert.equal(p1.spec.nodeName, 'node1');
  assert.notEqual(staticPodFrom({ ...manifest, spec: { containers: [] } }, 'node1', '').metadata.uid, p1.metadata.uid);
  const m = mirrorPodFor(p1, { name: 'node1', uid: 'nu' });
  assert.equal(isMirrorPod(m), true);
  assert.equal(m.metadata.annotations!['kubernetes.io/config.mirror'], p1.metadata.uid);
  assert.equal(m.metadata.uid, undefined);
  assert.deepEqual(m.metadata.ownerReferences, [{ apiVersion: 'v1', kind: 'Node', name: 'node1', uid: 'nu', controller: true }]);
});

test('termination message fallback: the last log lines of a CRI log', async () => {
  const { lastLogLines } = await import('../../src/kubelet/pods/pod-sync.js');
  const log = '2026-01-01T00:00:00.1Z stdout F one\n2026-01-01T00:00:00.2Z stderr P tw\n2026-01-01T00:00:00.3Z stderr F o\n2026-01-01T00:00:00.4Z stdout F three\n';
  assert.equal(lastLogLines(log, 80, 2048), 'one\ntwo\nthree\n');
  assert.equal(lastLogLines(log, 2, 2048), 'two\nthree\n');
  assert.equal(lastLogLines(log, 80, 6), 'three\n');
  assert.equal(lastLogLines('', 80, 2048), '');
});
