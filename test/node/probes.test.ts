// Probes and stats against real containers: exec through CRI ExecSync (including a timeout),
// httpGet and tcpSocket to the pod IP, liveness failure reporting, and CRI container stats.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import pino from 'pino';
import { BUSYBOX_IMAGE } from '../../src/kubelet/images/oci-image.js';
import type { PodSandboxConfig } from '../../src/kubelet/cri/cri-client.js';
import { ProbeManager } from '../../src/kubelet/probes/probe-manager.js';
import { runExecProbe, runHttpProbe, runTcpProbe } from '../../src/kubelet/probes/prober.js';
import type { ProbedPod } from '../../src/kubelet/probes/types.js';
import { StatsProvider } from '../../src/kubelet/stats/stats-provider.js';
import { nodeRuntimeUnavailable, startTestNodeRuntime, type TestNodeRuntime } from '../support/node-runtime.js';

const skip = nodeRuntimeUnavailable();
let rt: TestNodeRuntime;
const logger = pino({ level: 'silent' });
const clock = { now: () => new Date() };

before(async () => {
  if (!skip) rt = await startTestNodeRuntime();
});
after(async () => {
  await rt?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(cond: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

test('exec, httpGet and tcpSocket probes against a running pod; liveness failure; stats', { skip }, async () => {
  const uid = `probe-${Date.now()}`;
  const labels = { 'io.kubernetes.pod.name': 'probed', 'io.kubernetes.pod.namespace': 'default', 'io.kubernetes.pod.uid': uid };
  const sandboxConfig: PodSandboxConfig = {
    metadata: { name: 'probed', uid, namespace: 'default', attempt: 0 },
    hostname: 'probed',
    log_directory: join(rt.dataDir, 'pods', `default_probed_${uid}`),
    labels,
    linux: { security_context: { namespace_options: { network: 'POD', pid: 'CONTAINER', ipc: 'POD' } } },
  };
  const { pod_sandbox_id } = await rt.cri.runtime.runPodSandbox({ config: sandboxConfig });
  try {
    const { status } = await rt.cri.runtime.podSandboxStatus({ pod_sandbox_id });
    const podIP = status?.network?.ip ?? '';
    const create = async (name: string, image: string, command?: string[]) => {
      const { container_id } = await rt.cri.runtime.createContainer({
        pod_sandbox_id,
        config: { metadata: { name, attempt: 0 }, image: { image }, command, log_path: `${name}/0.log`, labels: { ...labels, 'io.kubernetes.container.name': name } },
        sandbox_config: sandboxConfig,
      });
      await rt.cri.runtime.startContainer({ container_id });
      return container_id;
    };
    await rt.cri.image.pullImage({ image: { image: 'docker.io/library/nginx:latest' } });
    const workerId = await create('worker', BUSYBOX_IMAGE, ['sh', '-c', 'touch /tmp/healthy; while true; do :; done']);
    const webId = await create('web', 'docker.io/library/nginx:latest');

    // Single attempts of each handler.
    assert.equal((await runExecProbe(rt.cri, workerId, ['cat', '/tmp/healthy'], 5)).result, 'Success');
    const failed = await runExecProbe(rt.cri, workerId, ['sh', '-c', 'echo nope; exit 2'], 5);
    assert.deepEqual(failed, { result: 'Failure', output: 'nope\n' });
    const timedOut = await runExecProbe(rt.cri, workerId, ['sleep', '10'], 1);
    assert.equal(timedOut.result, 'Failure', `exec timeout: ${timedOut.output}`);
    let http = await runHttpProbe(podIP, 80, { path: '/', port: 80 }, 2);
    for (let i = 0; i < 50 && http.result !== 'Success'; i++) {
      await sleep(100);
      http = await runHttpProbe(podIP, 80, { path: '/', port: 80 }, 2);
    }
    assert.equal(http.result, 'Success', http.output);
    assert.equal((await runHttpProbe(podIP, 80, { path: '/definitely-missing', port: 80 }, 2)).result, 'Failure');
    assert.equal((await runTcpProbe(podIP, 80, 2)).result, 'Success');
    assert.equal((await runTcpProbe(podIP, 81, 2)).result, 'Failure');

    // The manager: readiness via httpGet on a named port, liveness via exec that starts failing.
    const pod: ProbedPod = {
      metadata: { name: 'probed', namespace: 'default', uid },
      spec: {
        containers: [
          { name: 'web', ports: [{ name: 'http', containerPort: 80 }], readinessProbe: { httpGet: { path: '/', port: 'http' }, periodSeconds: 1 }, livenessProbe: { tcpSocket: { port: 80 }, periodSeconds: 1 } },
          { name: 'worker', livenessProbe: { exec: { command: ['cat', '/tmp/healthy'] }, periodSeconds: 1, failureThreshold: 2 } },
        ],
      },
    };
    const pm = new ProbeManager({ cri: rt.cri, clock, logger });
    const failures: string[] = [];
    pm.onLivenessFailure((_uid, name, type) => failures.push(`${name}/${type}`));
    pm.add(pod, podIP, { web: webId, worker: workerId });
    assert.equal(pm.isReady(uid, 'web'), false);
    await waitFor(() => pm.isReady(uid, 'web'), 'web ready');
    assert.equal(pm.isReady(uid, 'worker'), true, 'no readiness probe: ready');
    await rt.cri.runtime.execSync({ container_id: workerId, cmd: ['rm', '/tmp/healthy'], timeout: 5 });
    await waitFor(() => failures.length > 0, 'liveness failure');
    assert.deepEqual(failures, ['worker/liveness']);
    pm.remove(uid);

    // Stats: the busy worker uses CPU, both containers have a working set.
    const sp = new StatsProvider({ cri: rt.cri });
    const pods = await sp.podMetrics();
    const mine = pods.find((p) => p.name === 'probed');
    assert.ok(mine, JSON.stringify(pods));
    const worker = mine.containers.find((c) => c.name === 'worker');
    assert.ok(worker && worker.cpuNanoCores > 1e8, `busy loop uses CPU: ${JSON.stringify(mine)}`);
    assert.ok(mine.containers.every((c) => c.memoryWorkingSetBytes > 0), JSON.stringify(mine));
    const node = await sp.nodeMetrics();
    assert.ok(node.cpuNanoCores > 0 && node.memoryWorkingSetBytes > 0);
  } finally {
    await rt.cri.runtime.stopPodSandbox({ pod_sandbox_id });
    await rt.cri.runtime.removePodSandbox({ pod_sandbox_id });
  }
});
