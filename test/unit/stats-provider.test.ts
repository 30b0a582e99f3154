import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cpuNanoCores, parseMeminfoWorkingSet, parseProcStatBusyNs, StatsProvider, type CriContainerStats } from '../../src/kubelet/stats/stats-provider.js';

test('cpu rate from two cumulative samples', () => {
  assert.equal(cpuNanoCores(undefined, { timestampNs: 1e9, usageNs: 5e8 }), 0);
  assert.equal(cpuNanoCores({ timestampNs: 0, usageNs: 0 }, { timestampNs: 2e9, usageNs: 1e9 }), 5e8, 'half a core');
  assert.equal(cpuNanoCores({ timestampNs: 2e9, usageNs: 9e9 }, { timestampNs: 3e9, usageNs: 1e9 }), 0, 'counter reset');
});

test('/proc parsing', () => {
  assert.equal(parseProcStatBusyNs('cpu  100 0 50 1000 7 5 5 0 0 0\ncpu0 1 2 3\n'), 160 * 1e7);
  const meminfo = 'MemTotal:       1000 kB\nMemFree:         200 kB\nMemAvailable:    600 kB\nInactive(file):  300 kB\n';
  assert.equal(parseMeminfoWorkingSet(meminfo), 500 * 1024);
});

const stat = (id: string, pod: string, container: string, ts: number, usage: number, ws: number): CriContainerStats => ({
  attributes: { id, metadata: { name: container }, labels: { 'io.kubernetes.pod.name': pod, 'io.kubernetes.pod.namespace': 'ns', 'io.kubernetes.container.name': container } },
  cpu: { timestamp: ts, usage_core_nano_seconds: { value: usage }, usage_nano_cores: null },
  memory: { timestamp: ts, working_set_bytes: { value: ws } },
});

test('pod metrics group containers by pod and rate CPU between calls', async () => {
  let t = 0;
  const cri = {
    runtime: {
      listContainerStats: async () => {
        t += 1;
        // Each listing is a second later and each container used a quarter / half core.
        return { stats: [stat('a', 'web', 'nginx', t * 1e9, t * 2.5e8, 1000), stat('b', 'web', 'sidecar', t * 1e9, t * 5e8, 2000), stat('c', 'db', 'pg', t * 1e9, t * 1e9, 3000)] };
      },
    },
  };
  const sp = new StatsProvider({ cri });
  const first = await sp.podMetrics(); // takes a second sample itself
  assert.deepEqual(first, [
    { namespace: 'ns', name: 'web', containers: [{ name: 'nginx', cpuNanoCores: 2.5e8, memoryWorkingSetBytes: 1000 }, { name: 'sidecar', cpuNanoCores: 5e8, memoryWorkingSetBytes: 2000 }] },
    { namespace: 'ns', name: 'db', containers: [{ name: 'pg', cpuNanoCores: 1e9, memoryWorkingSetBytes: 3000 }] },
  ]);
  const calls = t;
  await sp.podMetrics();
  assert.equal(t, calls + 1, 'later calls rate against the previous sample');
});

test('node metrics from a /proc directory', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'k8ts-proc-'));
  try {
    await fs.writeFile(path.join(dir, 'stat'), 'cpu  100 0 0 1000 0 0 0 0 0 0\n');
    await fs.writeFile(path.join(dir, 'meminfo'), 'MemTotal: 1000 kB\nMemFree: 100 kB\nInactive(file): 100 kB\n');
    const sp = new StatsProvider({ cri: { runtime: { listContainerStats: async () => ({ stats: [] }) } }, procRoot: dir });
    const m = await sp.nodeMetrics();
    assert.equal(m.cpuNanoCores, 0, 'no CPU used between the two samples');
    assert.equal(m.memoryWorkingSetBytes, 800 * 1024);
    const real = await new StatsProvider({ cri: { runtime: { listContainerStats: async () => ({ stats: [] }) } } }).nodeMetrics();
    assert.ok(real.memoryWorkingSetBytes > 0);
    assert.ok(real.cpuNanoCores >= 0);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});
