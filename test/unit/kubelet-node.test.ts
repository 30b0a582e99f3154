import assert from 'node:assert/strict';
import { test } from 'node:test';
import { memAvailable, prettyName } from '../../src/kubelet/node/machine-info.js';
import { buildNode, nodeImages, nodeStatus, withoutHeartbeats } from '../../src/kubelet/node/node-object.js';

const machine = {
  cpus: 4, memoryBytes: 8 * 1024 ** 3, memoryAvailableBytes: 4 * 1024 ** 3, fsBytes: 100 * 1024 ** 3, fsAvailableBytes: 50 * 1024 ** 3,
  kernelVersion: '6.1.0-13-amd64', osImage: 'Debian GNU/Linux 12 (bookworm)', machineID: 'm', systemUUID: 's', bootID: 'b', architecture: 'amd64',
};
const id = { nodeName: 'n1', nodeIP: '127.0.0.1', podCIDR: '10.42.0.0/24', kubeletPort: 10250, maxPods: 110 };

test('node object and status as a kubelet reports them', () => {
  const n = buildNode(id, machine);
  assert.equal(n.metadata.labels!['kubernetes.io/hostname'], 'n1');
  assert.deepEqual(n.spec, { podCIDR: '10.42.0.0/24', podCIDRs: ['10.42.0.0/24'] });
  const s = nodeStatus(id, {
    machine, runtime: { name: 'containerd', version: '1.6.20' }, nowIso: '2026-01-01T00:00:00Z', runtimeReady: true,
    images: [{ id: 'sha256:1', repo_tags: ['docker.io/library/busybox:latest'], repo_digests: ['docker.io/library/busybox@sha256:1'], size: 2_000_000, uid: null, username: '', spec: null, pinned: false }],
  }) as Record<string, any>;
  assert.equal(s.capacity.cpu, '4');
  assert.equal(s.capacity.memory, `${8 * 1024 * 1024}Ki`);
  assert.equal(s.capacity.pods, '110');
  assert.equal(s.allocatable.memory, `${8 * 1024 * 1024 - 100 * 1024}Ki`);
  assert.deepEqual(s.addresses, [{ type: 'InternalIP', address: '127.0.0.1' }, { type: 'Hostname', address: 'n1' }]);
  assert.equal(s.nodeInfo.containerRuntimeVersion, 'containerd://1.6.20');
  assert.equal(s.nodeInfo.kubeletVersion, 'v1.32.4-k8ts');
  assert.equal(s.daemonEndpoints.kubeletEndpoint.Port, 10250);
  const ready = s.conditions.find((c: any) => c.type === 'Ready');
  assert.equal(ready.reason, 'KubeletReady');
  assert.equal(ready.message, 'kubelet is posting ready status');
  assert.equal(s.conditions.find((c: any) => c.type === 'MemoryPressure').reason, 'KubeletHasSufficientMemory');
  assert.equal(s.conditions.find((c: any) => c.type === 'DiskPressure').reason, 'KubeletHasNoDiskPressure');
  assert.equal(s.conditions.find((c: any) => c.type === 'PIDPressure').reason, 'KubeletHasSufficientPID');
  assert.deepEqual(s.images, [{ names: ['docker.io/library/busybox@sha256:1', 'docker.io/library/busybox:latest'], sizeBytes: 2_000_000 }]);
  // A later heartbeat keeps transition times; only heartbeat times differ.
  const later = nodeStatus(id, { machine, runtime: { name: 'containerd', version: '1.6.20' }, nowIso: '2026-01-01T00:01:00Z', runtimeReady: true, images: [], prev: s });
  assert.equal((later.conditions as any[])[3].lastTransitionTime, '2026-01-01T00:00:00Z');
  assert.deepEqual(withoutHeartbeats(later).conditions, withoutHeartbeats({ ...s, images: [] }).conditions);
  const notReady = nodeStatus(id, { machine, runtime: { name: 'containerd', version: '' }, nowIso: 'x', runtimeReady: false, runtimeMessage: 'runtime down', images: [] });
  assert.equal((notReady.conditions as any[])[3].reason, 'KubeletNotReady');
});

test('host readers', () => {
  assert.equal(prettyName('NAME="Debian"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n'), 'Debian GNU/Linux 12 (bookworm)');
  assert.equal(memAvailable('MemTotal: 100 kB\nMemAvailable:    2048 kB\n'), 2048 * 1024);
  assert.equal(nodeImages([]).length, 0);
});
