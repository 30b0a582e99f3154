// Pods that fail, and how the node deals with them, seen through the real kubectl: a crashing
// container backing off, liveness probes restarting, readiness gating Ready and Service endpoints,
// containers over their memory limit, and graceful termination with hooks and signals.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { nodeClusterUnavailable, useNodeCluster, type NodeCluster } from '../../support/node-cluster.js';
import { condition, containerStatus, PodNamespace, podManifest, sh, waitFor, type Json } from './pod-helpers.js';

const skip = nodeClusterUnavailable();
let cluster: NodeCluster;
let ns: PodNamespace;

before(async () => {
  if (skip) return;
  cluster = await useNodeCluster();
  ns = await PodNamespace.create(cluster, 'e2e-pod-health');
});

after(async () => {
  if (skip || !cluster) return;
  try {
    if (ns) await ns.destroy();
  } finally {
    await cluster.stop();
  }
});

/** "back-off 20s restarting failed container=..." → 20000 */
function backoffMs(message: string | undefined): number | undefined {
  const m = /^back-off (?:(\d+)m)?(\d+)s restarting failed container/.exec(message ?? '');
  return m ? (Number(m[1] ?? 0) * 60 + Number(m[2])) * 1000 : undefined;
}

describe('pod health on a real node', { skip, concurrency: true }, () => {
  test('a crashing container backs off: CrashLoopBackOff, restartCount rising, delay doubling', async () => {
    await ns.apply(podManifest('crasher', { containers: [sh('c', 'echo "run at $(date +%s)"; exit 3')] }));
    const delays: number[] = [];
    let lastRestarts = -1;
    const rows = new Set<string>();
    await waitFor('two growing back-off delays', async () => {
      const pod = await ns.pod('crasher');
      const cs = containerStatus(pod, 'c');
      const d = backoffMs(cs?.state?.waiting?.message);
      if (d !== undefined && !delays.includes(d)) delays.push(d);
      assert.ok((cs?.restartCount ?? 0) >= lastRestarts, 'restartCount never goes down');
      lastRestarts = cs?.restartCount ?? 0;
      rows.add((await ns.row('crasher')).status);
      return delays.length >= 2 ? true : undefined;
    }, 90_000, 1000);
    assert.deepEqual(delays.slice(0, 2), [10_000, 20_000]);
    assert.ok(rows.has('CrashLoopBackOff'), [...rows].join(', '));
    const row = await ns.row('crasher');
    assert.ok(row.restarts >= 2, row.raw);
    assert.match(row.raw, /\d+ \(\d+s ago\)/, 'RESTARTS shows when the last restart was');
    const pod = await ns.pod('crasher');
    const cs = containerStatus(pod, 'c')!;
    assert.equal(cs.lastState.terminated.exitCode, 3);
    assert.equal(cs.lastState.terminated.reason, 'Error');
    assert.equal(pod.status.phase, 'Running');
    assert.match(await ns.logs(['crasher', '--previous']), /^run at \d+\n$/);
    await waitFor('BackOff event', async () => {
      const evs = await ns.events('pod/crasher');
      return evs.some((e) => e.reason === 'BackOff' && /^Back-off restarting failed container c in pod crasher_/.test(e.message)) ? true : undefined;
    }, 30_000);
  });

  test('a failing liveness probe restarts the container', async () => {
    // Healthy for a few seconds, then the probe's file disappears.
    await ns.apply(podManifest('liveness', {
      containers: [sh('c', 'touch /tmp/healthy; sleep 4; rm /tmp/healthy; exec sleep 3600', {
        livenessProbe: { exec: { command: ['cat', '/tmp/healthy'] }, periodSeconds: 1, failureThreshold: 2 },
      })],
    }));
    await ns.waitStatus('liveness', /^Running$/);
    const pod = await ns.waitPod('liveness', 'restarted after liveness failures', (p) => (containerStatus(p, 'c')?.restartCount ?? 0) >= 1, 60_000);
    const cs = containerStatus(pod, 'c')!;
    assert.equal(cs.lastState.terminated.exitCode, 137, 'killed');
    await waitFor('Unhealthy and Killing events', async () => {
      const evs = (await ns.events('pod/liveness')).map((e) => `${e.reason}: ${e.message}`);
      const unhealthy = evs.some((m) => /^Unhealthy: Liveness probe failed: cat: can't open '\/tmp\/healthy'/.test(m));
      const killing = evs.some((m) => m === 'Killing: Container c failed liveness probe, will be restarted');
      if (unhealthy && killing) return true;
      throw new Error(evs.join('\n'));
    }, 30_000);
  });

  test('a readiness probe gates Ready and the pod\'s place in its Service\'s EndpointSlice', async () => {
    await ns.apply([
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'gated' }, spec: { selector: { app: 'gated' }, ports: [{ port: 80 }] } },
      podManifest('gated', {
        containers: [{
          name: 'web', image: 'nginx',
          readinessProbe: { httpGet: { path: '/ready.html', port: 80 }, periodSeconds: 1, failureThreshold: 1 },
        }],
      }, { labels: { app: 'gated' } }),
    ]);
    const endpoint = async (): Promise<Json | undefined> => {
      const list = JSON.parse((await ns.k(['get', 'endpointslices', '-l', 'kubernetes.io/service-name=gated', '-o', 'json'])).stdout) as Json;
      return (list.items as Json[]).flatMap((s) => (s.endpoints as Json[] | undefined) ?? []).find((e) => e.targetRef?.name === 'gated');
    };
    const running = await ns.waitStatus('gated', /^Running$/);
    assert.equal(running.ready, '0/1');
    let pod = await ns.pod('gated');
    const ip = pod.status.podIP as string;
    assert.ok(ip);
    assert.equal(condition(pod, 'Ready'), 'False');
    // Not ready: the endpoint is listed as not ready (upstream publishes not-ready endpoints too).
    await waitFor('a not-ready endpoint', async () => {
      const e = await endpoint();
      return e && e.conditions?.ready === false && e.addresses?.includes(ip) ? true : undefined;
    }, 30_000);
    await ns.k(['exec', 'gated', '--', 'sh', '-c', 'echo ok > /www/ready.html']);
    await waitFor('READY 1/1', async () => ((await ns.row('gated')).ready === '1/1' ? true : undefined), 30_000, 1000);
    pod = await ns.pod('gated');
    assert.equal(condition(pod, 'Ready'), 'True');
    assert.equal(condition(pod, 'ContainersReady'), 'True');
    await waitFor('a ready endpoint with the pod IP', async () => {
      const e = await endpoint();
      return e?.conditions?.ready === true && e.addresses?.[0] === ip ? true : undefined;
    }, 30_000);
    await ns.k(['exec', 'gated', '--', 'rm', '/www/ready.html']);
    await waitFor('READY 0/1 again', async () => ((await ns.row('gated')).ready === '0/1' ? true : undefined), 30_000, 1000);
    await waitFor('the endpoint not ready again', async () => ((await endpoint())?.conditions?.ready === false ? true : undefined), 30_000);
    assert.equal((await ns.row('gated')).restarts, 0, 'readiness failures do not restart');
  });

  test('a container over its memory limit is OOMKilled', async () => {
    // dd's 100 MiB block buffer does not fit in 32 MiB.
    const hog = { name: 'hog', image: 'busybox', command: ['dd', 'if=/dev/zero', 'of=/dev/null', 'bs=100M', 'count=1'], resources: { limits: { memory: '32Mi' } } };
    await ns.apply([
      podManifest('oom-once', { restartPolicy: 'Never', containers: [hog] }),
      podManifest('oom-again', { containers: [hog] }),
    ]);
    await ns.waitStatus('oom-once', /^OOMKilled$/);
    const once = await ns.waitPod('oom-once', 'Failed', (p) => p.status?.phase === 'Failed');
    const t = containerStatus(once, 'hog')!.state.terminated;
    assert.equal(t.reason, 'OOMKilled');
    assert.equal(t.exitCode, 137);
    const again = await ns.waitPod('oom-again', 'restarted after an OOM kill', (p) => containerStatus(p, 'hog')?.lastState?.terminated?.reason === 'OOMKilled');
    assert.ok(containerStatus(again, 'hog')!.restartCount >= 1);
  });

  test('graceful termination: Terminating, preStop, SIGTERM trapped, SIGKILL after the grace period', async () => {
    await ns.apply(podManifest('graceful', {
      terminationGracePeriodSeconds: 6,
      containers: [sh('c', 'trap "echo SIGTERM received" TERM; echo started; while true; do sleep 0.2; done', {
        lifecycle: { preStop: { exec: { command: ['sh', '-c', 'echo preStop ran > /proc/1/fd/1; sleep 1'] } } },
      })],
    }));
    await ns.waitStatus('graceful', /^Running$/);
    const follow = cluster.kubectlStream(['-n', ns.name, 'logs', '-f', 'graceful']);
    try {
      await follow.waitForLine(/^started$/, 20_000);
      const t0 = Date.now();
      await ns.k(['delete', 'pod', 'graceful', '--wait=false']);
      const row = await ns.waitStatus('graceful', /^Terminating$/, 10_000);
      assert.equal(row.ready, '1/1', 'still running while it terminates');
      await follow.waitForLine(/^preStop ran$/, 10_000);
      await follow.waitForLine(/^SIGTERM received$/, 10_000);
      const preStopAt = follow.lines.indexOf('preStop ran');
      const termAt = follow.lines.indexOf('SIGTERM received');
      assert.ok(preStopAt < termAt, `preStop before SIGTERM: ${JSON.stringify(follow.lines)}`);
      // The process ignores SIGTERM: only SIGKILL at the end of the grace period ends it.
      assert.equal((await ns.row('graceful')).status, 'Terminating');
      await waitFor('the pod gone', async () => {
        const r = await ns.k(['get', 'pod', 'graceful', '-o', 'name'], { allowFail: true });
        return r.code !== 0 && /NotFound/.test(r.stderr) ? true : undefined;
      }, 30_000, 1000);
      const took = Date.now() - t0;
      assert.ok(took >= 5_000, `deleted after ${took} ms, before the 6 s grace period ran out`);
      // Upper bound: SIGKILL at 6 s plus tear-down, which takes seconds on a loaded 2-core machine.
      assert.ok(took < 30_000, `deleted after ${took} ms`);
    } finally {
      await follow.stop();
    }
  });

  test('a container that exits on SIGTERM is deleted without waiting for the grace period', async () => {
    await ns.apply(podManifest('prompt', {
      terminationGracePeriodSeconds: 90,
      containers: [sh('c', 'trap "exit 0" TERM; while true; do sleep 0.2; done')],
    }));
    await ns.waitStatus('prompt', /^Running$/);
    const t0 = Date.now();
    await ns.k(['delete', 'pod', 'prompt', '--timeout=120s'], { timeoutMs: 130_000 });
    const took = Date.now() - t0;
    // Well below the 90 s grace period (about 2 s on an idle machine; tear-down slows under load).
    assert.ok(took < 45_000, `deleted after ${took} ms`);
  });
});
