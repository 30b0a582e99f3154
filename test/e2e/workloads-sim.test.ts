// Issue 3 end to end, with the real kubectl against a server running three simulated nodes:
// rollouts and rollbacks of the seed's hello-deploy, self-healing, StatefulSet ordering, DaemonSets,
// Jobs and CronJobs, cascading deletes, namespace deletion, scheduling failures, node loss.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot, startCluster, useCluster, type Cluster } from '../support/cluster.js';

let cluster: Cluster;

async function eventually<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 60_000, everyMs = 500): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v as T;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

async function json(args: string[]): Promise<any> {
  const r = await cluster.kubectl([...args, '-o', 'json']);
  return JSON.parse(r.stdout);
}

async function ns(name: string): Promise<string> {
  await cluster.kubectl(['create', 'namespace', name]);
  return name;
}

/** A node in a separate `k8ts sim` process, killed by the node-loss test; cordoned so nothing else lands there. */
let lostNode: ChildProcess | undefined;

before(async () => {
  // The runner's shared server has simulated nodes; a file run on its own starts one.
  cluster = process.env.K8TS_TEST_KUBECONFIG ? await useCluster() : await startCluster({ extraArgs: ['--sim-nodes', '3'] });
  await eventually('3 Ready nodes', async () => {
    const nodes = await json(['get', 'nodes']);
    const ready = nodes.items.filter((n: any) => n.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True'));
    return ready.length >= 3;
  });
  lostNode = spawn(process.execPath, [path.join(repoRoot(), 'bin', 'k8ts.js'), 'sim', '--kubeconfig', cluster.kubeconfig, '--count', '1', '--name-prefix', 'lost-', '--label', 'k8ts.io/e2e=lost', '--heartbeat-seconds', '2', '--log-level', 'error'], { stdio: 'ignore' });
  await eventually('node lost-0 registered', async () => (await cluster.kubectl(['cordon', 'lost-0'], { allowFail: true })).code === 0);
});

after(async () => {
  lostNode?.kill('SIGKILL');
  await cluster?.kubectl(['delete', 'node', 'lost-0', '--wait=false'], { allowFail: true });
  await cluster?.stop();
});

describe('workloads on simulated nodes', { concurrency: true }, () => {
  it('rolls hello-deploy from 1.0 to 2.0 within maxSurge/maxUnavailable, pauses, resumes and rolls back', async () => {
    const n = await ns('e2e-rollout');
    const manifest = readFileSync(path.join(repoRoot(), 'test', 'fixtures', 'seed', '09-deployment-hello-deploy.yaml'), 'utf8');
    await cluster.kubectl(['apply', '-n', n, '-f', '-'], { input: manifest });
    await cluster.kubectl(['rollout', 'status', '-n', n, 'deploy/hello-deploy', '--timeout=120s'], { timeoutMs: 130_000 });

    // Watch the invariants during both rollouts: at most 11 pods, at least 9 available.
    let maxPods = 0;
    let minAvailable = 10;
    let monitoring = true;
    const monitor = (async () => {
      while (monitoring) {
        const pods = await json(['get', 'pods', '-n', n, '-l', 'app=hello-world']).catch(() => undefined);
        const d = await json(['get', 'deploy', '-n', n, 'hello-deploy']).catch(() => undefined);
        if (pods) maxPods = Math.max(maxPods, pods.items.filter((p: any) => !p.metadata.deletionTimestamp).length);
        if (d) minAvailable = Math.min(minAvailable, d.status?.availableReplicas ?? 0);
        await new Promise((r) => setTimeout(r, 300));
      }
    })();

    await cluster.kubectl(['set', 'image', '-n', n, 'deploy/hello-deploy', 'hello-pod=nigelpoulton/k8sbook:2.0']);
    await eventually('the rollout to start', async () => (await json(['get', 'deploy', '-n', n, 'hello-deploy'])).status?.updatedReplicas >= 2);
    await cluster.kubectl(['rollout', 'pause', '-n', n, 'deploy/hello-deploy']);
    const paused = await json(['get', 'deploy', '-n', n, 'hello-deploy']);
    assert.equal(paused.spec.paused, true);
    await new Promise((r) => setTimeout(r, 3000));
    const stillPaused = await json(['get', 'deploy', '-n', n, 'hello-deploy']);
    assert.ok(stillPaused.status.updatedReplicas < 10, 'a paused rollout does not finish');
    await cluster.kubectl(['rollout', 'resume', '-n', n, 'deploy/hello-deploy']);
    await cluster.kubectl(['rollout', 'status', '-n', n, 'deploy/hello-deploy', '--timeout=180s'], { timeoutMs: 190_000 });

    const history = await cluster.kubectl(['rollout', 'history', '-n', n, 'deploy/hello-deploy']);
    assert.match(history.stdout, /^1\s+/m);
    assert.match(history.stdout, /^2\s+/m);

    await cluster.kubectl(['rollout', 'undo', '-n', n, 'deploy/hello-deploy', '--to-revision=1']);
    await cluster.kubectl(['rollout', 'status', '-n', n, 'deploy/hello-deploy', '--timeout=180s'], { timeoutMs: 190_000 });
    monitoring = false;
    await monitor;
    const d = await json(['get', 'deploy', '-n', n, 'hello-deploy']);
    assert.equal(d.spec.template.spec.containers[0].image, 'nigelpoulton/k8sbook:1.0');
    assert.ok(maxPods <= 11, `never more than 11 pods (saw ${maxPods})`);
    assert.ok(minAvailable >= 9, `never fewer than 9 available (saw ${minAvailable})`);
    const rs = await json(['get', 'rs', '-n', n, '-l', 'app=hello-world']);
    const revisions = rs.items.map((x: any) => x.metadata.annotations['deployment.kubernetes.io/revision']).sort();
    assert.deepEqual(revisions, ['2', '3'], 'the rolled-back ReplicaSet becomes revision 3');
  });

  it('replaces a deleted pod', async () => {
    const n = await ns('e2e-heal');
    await cluster.kubectl(['create', 'deployment', 'web', '-n', n, '--image=nginx:1.25', '--replicas=3']);
    await cluster.kubectl(['rollout', 'status', '-n', n, 'deploy/web', '--timeout=60s'], { timeoutMs: 70_000 });
    const before = await json(['get', 'pods', '-n', n, '-l', 'app=web']);
    const victim = before.items[0].metadata.name;
    await cluster.kubectl(['delete', 'pod', '-n', n, victim]);
    await eventually('3 running replacement pods', async () => {
      const pods = await json(['get', 'pods', '-n', n, '-l', 'app=web']);
      const running = pods.items.filter((p: any) => p.status.phase === 'Running' && !p.metadata.deletionTimestamp);
      return running.length === 3 && !running.some((p: any) => p.metadata.name === victim);
    });
  });

  it('creates StatefulSet pods in order with stable names and PVCs', async () => {
    const n = await ns('e2e-sts');
    const sts = {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'web' },
      spec: {
        serviceName: 'web',
        replicas: 3,
        selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } },
        volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
      },
    };
    await cluster.kubectl(['apply', '-n', n, '-f', '-'], { input: JSON.stringify(sts) });
    await cluster.kubectl(['rollout', 'status', '-n', n, 'sts/web', '--timeout=90s'], { timeoutMs: 100_000 });
    const pods = (await json(['get', 'pods', '-n', n, '-l', 'app=web'])).items;
    assert.deepEqual(pods.map((p: any) => p.metadata.name).sort(), ['web-0', 'web-1', 'web-2']);
    const created = Object.fromEntries(pods.map((p: any) => [p.metadata.name, Date.parse(p.metadata.creationTimestamp)]));
    assert.ok(created['web-0'] <= created['web-1'] && created['web-1'] <= created['web-2'], 'ordinals are created in order');
    const pvcs = (await json(['get', 'pvc', '-n', n])).items.map((p: any) => p.metadata.name).sort();
    assert.deepEqual(pvcs, ['data-web-0', 'data-web-1', 'data-web-2']);
    await cluster.kubectl(['scale', 'sts/web', '-n', n, '--replicas=1']);
    await eventually('scale-down to web-0', async () => (await json(['get', 'pods', '-n', n, '-l', 'app=web'])).items.length === 1);
    const kept = (await json(['get', 'pvc', '-n', n])).items.length;
    assert.equal(kept, 3, 'PVCs survive scale-down');
  });

  it('honours persistentVolumeClaimRetentionPolicy: claims go with scale-down and with the set when asked', async () => {
    const n = await ns('e2e-sts-retention');
    const sts = {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'db' },
      spec: {
        serviceName: 'db',
        replicas: 2,
        persistentVolumeClaimRetentionPolicy: { whenScaled: 'Delete', whenDeleted: 'Delete' },
        selector: { matchLabels: { app: 'db' } },
        template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } },
        volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
      },
    };
    const claims = async () => (await json(['get', 'pvc', '-n', n])).items.filter((c: any) => !c.metadata.deletionTimestamp).map((c: any) => c.metadata.name).sort();
    await cluster.kubectl(['apply', '-n', n, '-f', '-'], { input: JSON.stringify(sts) });
    await cluster.kubectl(['rollout', 'status', '-n', n, 'sts/db', '--timeout=90s'], { timeoutMs: 100_000 });
    assert.deepEqual(await claims(), ['data-db-0', 'data-db-1']);
    await cluster.kubectl(['scale', 'sts/db', '-n', n, '--replicas=1']);
    await eventually('the scaled-away claim deleted', async () => JSON.stringify(await claims()) === JSON.stringify(['data-db-0']));
    await cluster.kubectl(['delete', 'sts/db', '-n', n]);
    await eventually('the remaining claim deleted with its set', async () => (await claims()).length === 0);
  });

  it('runs one DaemonSet pod per node', async () => {
    const n = await ns('e2e-ds');
    const ds = {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'agent' },
      spec: {
        selector: { matchLabels: { app: 'agent' } },
        template: {
          metadata: { labels: { app: 'agent' } },
          spec: {
            // Not on the node the node-loss test kills.
            affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'k8ts.io/e2e', operator: 'DoesNotExist' }] }] } } },
            containers: [{ name: 'c', image: 'busybox' }],
          },
        },
      },
    };
    await cluster.kubectl(['apply', '-n', n, '-f', '-'], { input: JSON.stringify(ds) });
    await cluster.kubectl(['rollout', 'status', '-n', n, 'ds/agent', '--timeout=60s'], { timeoutMs: 70_000 });
    // DaemonSet pods tolerate cordoned nodes; only the lost node and NoSchedule taints keep them away.
    const nodes = (await json(['get', 'nodes', '-l', '!k8ts.io/e2e'])).items.filter((x: any) => !(x.spec.taints ?? []).some((t: any) => t.effect === 'NoSchedule' && t.key !== 'node.kubernetes.io/unschedulable'));
    const pods = (await json(['get', 'pods', '-n', n, '-l', 'app=agent'])).items;
    const onNodes = new Set(pods.map((p: any) => p.spec.nodeName));
    assert.equal(pods.length, nodes.length);
    assert.equal(onNodes.size, nodes.length, 'each pod on a different node');
  });

  it('completes a Job and starts Jobs from a CronJob', async () => {
    const n = await ns('e2e-batch');
    await cluster.kubectl(['create', 'job', 'pi', '-n', n, '--image=busybox', '--', 'true']);
    await cluster.kubectl(['wait', '-n', n, '--for=condition=Complete', 'job/pi', '--timeout=60s'], { timeoutMs: 70_000 });
    const job = await json(['get', 'job', '-n', n, 'pi']);
    assert.equal(job.status.succeeded, 1);
    await cluster.kubectl(['create', 'cronjob', 'tick', '-n', n, '--image=busybox', '--schedule=* * * * *', '--', 'true']);
    await eventually('a Job created by the CronJob', async () => {
      const jobs = await json(['get', 'jobs', '-n', n]);
      return jobs.items.some((j: any) => j.metadata.ownerReferences?.some((o: any) => o.kind === 'CronJob' && o.name === 'tick'));
    }, 75_000, 2000);
  });

  it('cascades deletes (background and orphan)', async () => {
    const n = await ns('e2e-gc');
    await cluster.kubectl(['create', 'deployment', 'a', '-n', n, '--image=nginx', '--replicas=2']);
    await cluster.kubectl(['create', 'deployment', 'b', '-n', n, '--image=nginx', '--replicas=2']);
    await cluster.kubectl(['rollout', 'status', '-n', n, 'deploy/a', '--timeout=60s'], { timeoutMs: 70_000 });
    await cluster.kubectl(['rollout', 'status', '-n', n, 'deploy/b', '--timeout=60s'], { timeoutMs: 70_000 });
    await cluster.kubectl(['delete', 'deploy', 'a', '-n', n]);
    await eventually('ReplicaSet and pods of a removed', async () => {
      const rs = await json(['get', 'rs', '-n', n, '-l', 'app=a']);
      const pods = await json(['get', 'pods', '-n', n, '-l', 'app=a']);
      return rs.items.length === 0 && pods.items.length === 0;
    });
    await cluster.kubectl(['delete', 'deploy', 'b', '-n', n, '--cascade=orphan']);
    await new Promise((r) => setTimeout(r, 2000));
    const rs = await json(['get', 'rs', '-n', n, '-l', 'app=b']);
    assert.equal(rs.items.length, 1, 'orphaned ReplicaSet kept');
    assert.equal(rs.items[0].metadata.ownerReferences, undefined, 'and released by its owner');
    assert.equal((await json(['get', 'pods', '-n', n, '-l', 'app=b'])).items.length, 2);
  });

  it('deletes everything in a deleted namespace, then the namespace', async () => {
    const n = await ns('e2e-nsdel');
    await cluster.kubectl(['create', 'deployment', 'web', '-n', n, '--image=nginx', '--replicas=2']);
    await cluster.kubectl(['create', 'configmap', 'cfg', '-n', n, '--from-literal=a=b']);
    await cluster.kubectl(['delete', 'namespace', n, '--timeout=60s'], { timeoutMs: 70_000 });
    const r = await cluster.kubectl(['get', 'namespace', n], { allowFail: true });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /NotFound/);
    const created = await cluster.kubectl(['create', 'configmap', 'x', '-n', n], { allowFail: true });
    assert.match(created.stderr, /NotFound|not found/);
  });

  it('explains why a pod cannot be scheduled, and honours cordon', async () => {
    const n = await ns('e2e-sched');
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'huge' }, spec: { containers: [{ name: 'c', image: 'busybox', resources: { requests: { cpu: '1000' } } }] } };
    await cluster.kubectl(['apply', '-n', n, '-f', '-'], { input: JSON.stringify(pod) });
    const ev = await eventually('a FailedScheduling event', async () => {
      const events = await json(['get', 'events', '-n', n, '--field-selector', 'involvedObject.name=huge,reason=FailedScheduling']);
      return events.items[0];
    });
    assert.match(ev.message, /^0\/\d+ nodes are available: .*\d+ Insufficient cpu/);
    const p = await json(['get', 'pod', '-n', n, 'huge']);
    assert.equal(p.status.phase, 'Pending');
    assert.equal(p.spec.nodeName, undefined);

    const nodes = (await json(['get', 'nodes', '-l', 'k8ts.io/sim=true,!k8ts.io/e2e'])).items.map((x: any) => x.metadata.name).sort();
    const cordoned = nodes[0];
    await cluster.kubectl(['cordon', cordoned]);
    try {
      await cluster.kubectl(['create', 'deployment', 'spread', '-n', n, '--image=nginx', '--replicas=6']);
      await cluster.kubectl(['rollout', 'status', '-n', n, 'deploy/spread', '--timeout=60s'], { timeoutMs: 70_000 });
      const placed = (await json(['get', 'pods', '-n', n, '-l', 'app=spread'])).items.map((x: any) => x.spec.nodeName);
      assert.ok(!placed.includes(cordoned), 'nothing lands on a cordoned node');
    } finally {
      await cluster.kubectl(['uncordon', cordoned]);
    }
  });

  it('marks a silent node unreachable, taints it and evicts its pods', async () => {
    const n = await ns('e2e-nodeloss');
    await eventually('node lost-0 Ready', async () => (await json(['get', 'node', 'lost-0'])).status.conditions.some((c: any) => c.type === 'Ready' && c.status === 'True'));
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'stranded' },
      spec: {
        nodeName: 'lost-0', // bound directly: the node is cordoned for everyone else
        tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 2 }],
        containers: [{ name: 'c', image: 'busybox' }],
      },
    };
    await cluster.kubectl(['apply', '-n', n, '-f', '-'], { input: JSON.stringify(pod) });
    await eventually('pod running on lost-0', async () => (await json(['get', 'pod', '-n', n, 'stranded'])).status.phase === 'Running');
    lostNode!.kill('SIGKILL');
    await eventually('node lost-0 not ready with the unreachable taint', async () => {
      const node = await json(['get', 'node', 'lost-0']);
      const ready = node.status.conditions.find((c: any) => c.type === 'Ready');
      return ready.status === 'Unknown' && (node.spec.taints ?? []).some((t: any) => t.key === 'node.kubernetes.io/unreachable' && t.effect === 'NoExecute');
    }, 90_000, 1000);
    await eventually('the pod evicted', async () => {
      const r = await cluster.kubectl(['get', 'pod', '-n', n, 'stranded', '-o', 'json'], { allowFail: true });
      return r.code !== 0 || JSON.parse(r.stdout).metadata.deletionTimestamp !== undefined;
    }, 60_000, 1000);
  });
});

// Draining moves pods around the cluster, so it runs after the concurrent workload tests.
describe('kubectl drain', () => {
  it('evicts pods to other nodes, and respects a PodDisruptionBudget', async () => {
    const n = await ns('e2e-drain');
    await cluster.kubectl(['create', 'deployment', 'web', '-n', n, '--image=nginx', '--replicas=3']);
    await cluster.kubectl(['rollout', 'status', '-n', n, 'deploy/web', '--timeout=60s'], { timeoutMs: 70_000 });
    const pods = (await json(['get', 'pods', '-n', n, '-l', 'app=web'])).items;
    const node = pods[0].spec.nodeName as string;
    try {
      // A budget that allows no disruption blocks the drain.
      await cluster.kubectl(['create', 'pdb', 'web', '-n', n, '--selector=app=web', '--min-available=3']);
      await eventually('PDB status', async () => (await json(['get', 'pdb', '-n', n, 'web'])).status?.expectedPods === 3);
      const blocked = await cluster.kubectl(['drain', node, '--ignore-daemonsets', '--delete-emptydir-data', '--pod-selector=app=web', '--timeout=5s'], { allowFail: true, timeoutMs: 30_000 });
      assert.notEqual(blocked.code, 0);
      assert.match(blocked.stderr + blocked.stdout, /disruption budget/);
      await cluster.kubectl(['delete', 'pdb', 'web', '-n', n]);

      await cluster.kubectl(['drain', node, '--ignore-daemonsets', '--delete-emptydir-data', '--pod-selector=app=web', '--timeout=60s'], { timeoutMs: 70_000 });
      assert.equal((await json(['get', 'node', node])).spec.unschedulable, true);
      await eventually('3 available pods elsewhere', async () => {
        const now = (await json(['get', 'pods', '-n', n, '-l', 'app=web'])).items.filter((p: any) => !p.metadata.deletionTimestamp && p.status.phase === 'Running');
        return now.length === 3 && now.every((p: any) => p.spec.nodeName !== node);
      });
    } finally {
      await cluster.kubectl(['uncordon', node]);
    }
  });
});
