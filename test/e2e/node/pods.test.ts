// Pods on a real node, driven by the real kubectl: containers that run to completion, init
// containers and the seed's multi-container patterns, environment from ConfigMaps and Secrets,
// configMap and secret volumes, hooks, securityContext, image pull failures, hostPort, hostNetwork and the
// restart policies. Everything runs in one namespace of this file's own, deleted at the end.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { repoRoot } from '../../support/cluster.js';
import { nodeClusterUnavailable, useNodeCluster, type NodeCluster } from '../../support/node-cluster.js';
import { condition, containerStatus, PodNamespace, podManifest, sh, waitFor, type Json } from './pod-helpers.js';

const skip = nodeClusterUnavailable();
let cluster: NodeCluster;
let ns: PodNamespace;

const seed = (file: string): string => readFileSync(path.join(repoRoot(), 'test', 'fixtures', 'seed', file), 'utf8');

before(async () => {
  if (skip) return;
  cluster = await useNodeCluster();
  ns = await PodNamespace.create(cluster, 'e2e-pods');
  // The seed's multimap (its own YAML has a backquoted kind kubectl cannot parse) and tkb-secret.
  await ns.k(['create', 'configmap', 'multimap', '--from-literal=given=Nigel', '--from-literal=family=Poulton']);
  await ns.apply(seed('38-secret-tkb-secret.yaml'));
});

after(async () => {
  if (skip || !cluster) return;
  try {
    if (ns) await ns.destroy();
  } finally {
    await cluster.stop();
  }
});

describe('pods on a real node', { skip, concurrency: true }, () => {
  test('a pod that echoes and exits: logs, Completed, phase Succeeded', async () => {
    await ns.apply(podManifest('echo', { restartPolicy: 'Never', containers: [sh('c', 'echo hello from k8ts')] }));
    const row = await ns.waitStatus('echo', /^Completed$/);
    assert.equal(row.ready, '0/1');
    assert.equal(await ns.logs(['echo']), 'hello from k8ts\n');
    const pod = await ns.pod('echo');
    assert.equal(pod.status.phase, 'Succeeded');
    const cs = containerStatus(pod, 'c')!;
    assert.equal(cs.state.terminated.exitCode, 0);
    assert.equal(cs.state.terminated.reason, 'Completed');
    assert.match(cs.containerID, /^containerd:\/\//);
  });

  test('restartPolicy Never: a failing container is not restarted (Error, Failed)', async () => {
    await ns.apply(podManifest('never', { restartPolicy: 'Never', containers: [sh('c', 'echo failing; exit 2')] }));
    await ns.waitStatus('never', /^Error$/);
    const pod = await ns.waitPod('never', 'phase Failed', (p) => p.status?.phase === 'Failed');
    const cs = containerStatus(pod, 'c')!;
    assert.equal(cs.state.terminated.exitCode, 2);
    assert.equal(cs.state.terminated.reason, 'Error');
    assert.equal(cs.restartCount, 0);
    await new Promise((r) => setTimeout(r, 3000));
    assert.equal((await ns.row('never')).restarts, 0);
  });

  test('restartPolicy OnFailure: restarted after a failure, not after success', async () => {
    // Fails on its first run (the marker lives in an emptyDir, which outlives the container).
    await ns.apply(podManifest('onfailure', {
      restartPolicy: 'OnFailure',
      containers: [sh('c', 'if [ -f /data/ran ]; then echo second run; exit 0; fi; touch /data/ran; echo first run; exit 1', {
        volumeMounts: [{ name: 'data', mountPath: '/data' }],
      })],
      volumes: [{ name: 'data', emptyDir: {} }],
    }));
    const row = await ns.waitStatus('onfailure', /^Completed$/);
    assert.equal(row.restarts, 1);
    const pod = await ns.pod('onfailure');
    assert.equal(pod.status.phase, 'Succeeded');
    const cs = containerStatus(pod, 'c')!;
    assert.equal(cs.lastState.terminated.exitCode, 1);
    assert.equal(await ns.logs(['onfailure']), 'second run\n');
    assert.equal(await ns.logs(['onfailure', '--previous']), 'first run\n');
  });

  test('an init container runs to completion first: Init:0/1 while it waits, then Running', async () => {
    // The seed's init pattern: the init container prepares the environment and exits only once it is
    // ready (here: when the test tells it so); the app container must not start before.
    await ns.apply(podManifest('init', {
      initContainers: [sh('prepare', 'until [ -f /work/go ]; do sleep 0.2; done; echo prepared-by-init > /work/config', {
        volumeMounts: [{ name: 'work', mountPath: '/work' }],
      })],
      containers: [sh('app', 'cat /work/config; exec sleep 3600', { volumeMounts: [{ name: 'work', mountPath: '/work' }] })],
      volumes: [{ name: 'work', emptyDir: {} }],
    }));
    const waiting = await ns.waitStatus('init', /^Init:0\/1$/);
    assert.equal(waiting.ready, '0/1');
    await waitFor('init container running', async () => (containerStatus(await ns.pod('init'), 'prepare', true)?.state?.running ? true : undefined));
    let pod = await ns.pod('init');
    assert.equal(condition(pod, 'Initialized'), 'False');
    assert.equal(containerStatus(pod, 'app')?.state?.waiting?.reason, 'PodInitializing');
    await ns.k(['exec', 'init', '-c', 'prepare', '--', 'touch', '/work/go']);
    const running = await ns.waitStatus('init', /^Running$/);
    assert.equal(running.ready, '1/1');
    pod = await ns.pod('init');
    assert.equal(condition(pod, 'Initialized'), 'True');
    assert.equal(containerStatus(pod, 'prepare', true)!.state.terminated.reason, 'Completed');
    await ns.waitLogs(['init', '-c', 'app'], /^prepared-by-init$/m);
  });

  test('sidecar: a restartable init container starts first, stays, and serves the app container', async () => {
    // The seed's sidecar pattern: a web server and a helper keeping its content up to date.
    await ns.apply(podManifest('sidecar', {
      initContainers: [sh('content-sync', 'while true; do echo "synced $(date +%s)" > /www/index.html; sleep 1; done', {
        restartPolicy: 'Always',
        volumeMounts: [{ name: 'www', mountPath: '/www' }],
      })],
      containers: [{ name: 'web', image: 'nginx', volumeMounts: [{ name: 'www', mountPath: '/www' }] }],
      volumes: [{ name: 'www', emptyDir: {} }],
    }));
    const row = await ns.waitStatus('sidecar', /^Running$/);
    await waitFor('2/2 ready', async () => ((await ns.row('sidecar')).ready === '2/2' ? true : undefined));
    assert.equal(row.restarts, 0);
    const pod = await ns.pod('sidecar');
    const side = containerStatus(pod, 'content-sync', true)!;
    assert.ok(side.state.running, 'the sidecar keeps running');
    assert.equal(side.started, true);
    assert.ok(Date.parse(side.state.running.startedAt) <= Date.parse(containerStatus(pod, 'web')!.state.running.startedAt), 'the sidecar started before the app');
    const page = await ns.k(['exec', 'sidecar', '-c', 'web', '--', 'wget', '-qO-', 'http://localhost/']);
    assert.match(page.stdout, /^synced \d+$/m);
  });

  test('adapter and ambassador: containers of one pod share localhost and volumes', async () => {
    // The app writes its own log format; the adapter rewrites it; the app reaches the outside through
    // an ambassador listening on localhost.
    await ns.apply(podManifest('patterns', {
      containers: [
        sh('app', 'i=0; while true; do i=$((i+1)); echo "raw;$i" >> /logs/app.log; wget -qO- http://localhost:8080/ >> /logs/upstream.txt; sleep 1; done', {
          volumeMounts: [{ name: 'logs', mountPath: '/logs' }],
        }),
        sh('adapter', 'touch /logs/app.log; tail -F /logs/app.log | while IFS=";" read k v; do echo "metric{kind=\\"$k\\"} $v"; done', {
          volumeMounts: [{ name: 'logs', mountPath: '/logs' }],
        }),
        sh('ambassador', 'mkdir -p /srv && echo from-ambassador > /srv/index.html && exec httpd -f -p 127.0.0.1:8080 -h /srv'),
      ],
      volumes: [{ name: 'logs', emptyDir: {} }],
    }));
    await ns.waitStatus('patterns', /^Running$/);
    await ns.waitLogs(['patterns', '-c', 'adapter'], /^metric\{kind="raw"\} \d+$/m);
    await waitFor('the app reached the ambassador', async () => {
      const r = await ns.k(['exec', 'patterns', '-c', 'app', '--', 'cat', '/logs/upstream.txt'], { allowFail: true });
      return /from-ambassador/.test(r.stdout) ? true : undefined;
    }, 30_000);
  });

  test('environment: envFrom, valueFrom, $(VAR) expansion, fieldRef, resourceFieldRef, service variables', async () => {
    // A Service created before the pod shows up as <SVC>_SERVICE_HOST/_PORT.
    await ns.apply({
      apiVersion: 'v1', kind: 'Service', metadata: { name: 'backend-api' },
      spec: { selector: { app: 'none' }, ports: [{ name: 'http', port: 8081, targetPort: 80 }] },
    });
    const svc = await ns.json('service/backend-api');
    await ns.k(['create', 'configmap', 'app-settings', '--from-literal=MODE=fast', '--from-literal=LEVEL=3']);
    await ns.k(['create', 'secret', 'generic', 'app-creds', '--from-literal=TOKEN=s3cr3t']);
    await ns.apply(podManifest('env', {
      restartPolicy: 'Never',
      containers: [{
        name: 'c', image: 'busybox',
        command: ['sh', '-c', 'env | sort; echo "args: $0 $1"'],
        args: ['$(GREETING)', '$(MY_POD_NAME)'],
        envFrom: [{ configMapRef: { name: 'app-settings' }, prefix: 'CFG_' }, { secretRef: { name: 'app-creds' } }],
        env: [
          { name: 'FIRSTNAME', valueFrom: { configMapKeyRef: { name: 'multimap', key: 'given' } } },
          { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'tkb-secret', key: 'password' } } },
          { name: 'MISSING', valueFrom: { configMapKeyRef: { name: 'no-such-map', key: 'x', optional: true } } },
          { name: 'GREETING', value: 'hello-$(FIRSTNAME)' },
          { name: 'ESCAPED', value: '$$(FIRSTNAME)' },
          { name: 'MY_POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
          { name: 'MY_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
          { name: 'MY_POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
          { name: 'MY_NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
          { name: 'MEM_LIMIT_MI', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } },
          { name: 'CPU_REQUEST_M', valueFrom: { resourceFieldRef: { resource: 'requests.cpu', divisor: '1m' } } },
        ],
        resources: { requests: { cpu: '50m', memory: '16Mi' }, limits: { memory: '64Mi' } },
      }],
    }));
    await ns.waitStatus('env', /^Completed$/);
    const out = await ns.logs(['env']);
    const env = new Map(out.split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    const pod = await ns.pod('env');
    assert.equal(env.get('CFG_MODE'), 'fast');
    assert.equal(env.get('CFG_LEVEL'), '3');
    assert.equal(env.get('TOKEN'), 's3cr3t');
    assert.equal(env.get('FIRSTNAME'), 'Nigel');
    assert.equal(env.get('PASSWORD'), 'Password123');
    assert.equal(env.has('MISSING'), false);
    assert.equal(env.get('GREETING'), 'hello-Nigel');
    assert.equal(env.get('ESCAPED'), '$(FIRSTNAME)');
    assert.equal(env.get('MY_POD_NAME'), 'env');
    assert.equal(env.get('MY_NAMESPACE'), ns.name);
    assert.equal(env.get('MY_POD_IP'), pod.status.podIP);
    assert.equal(env.get('MY_NODE'), cluster.nodeName);
    assert.equal(env.get('MEM_LIMIT_MI'), '64');
    assert.equal(env.get('CPU_REQUEST_M'), '50');
    assert.equal(env.get('BACKEND_API_SERVICE_HOST'), svc.spec.clusterIP);
    assert.equal(env.get('BACKEND_API_SERVICE_PORT'), '8081');
    assert.equal(env.get('BACKEND_API_SERVICE_PORT_HTTP'), '8081');
    assert.equal(env.get('BACKEND_API_PORT'), `tcp://${svc.spec.clusterIP}:8081`);
    assert.ok(env.has('KUBERNETES_SERVICE_HOST'), 'the default namespace\'s kubernetes service is always there');
    assert.match(out, /^args: hello-Nigel env$/m);
  });

  test('the seed\'s env pods: envpod sees FIRSTNAME/LASTNAME, startup-pod expands them in its command', async () => {
    await ns.apply(seed('35-pod-envpod.yaml'));
    await ns.apply(seed('36-pod-startup-pod.yaml'));
    await ns.waitStatus('envpod', /^Running$/);
    const env = (await ns.k(['exec', 'envpod', '--', 'env'])).stdout;
    assert.match(env, /^FIRSTNAME=Nigel$/m);
    assert.match(env, /^LASTNAME=Poulton$/m);
    await ns.waitStatus('startup-pod', /^Completed$/);
    assert.equal(await ns.logs(['startup-pod']), 'First name Nigel last name Poulton\n');
  });

  test('a missing ConfigMap key reference holds the container in CreateContainerConfigError', async () => {
    await ns.apply(podManifest('badref', {
      containers: [sh('c', 'sleep 3600', { env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'no-such-map', key: 'x' } } }] })],
    }));
    await ns.waitStatus('badref', /^CreateContainerConfigError$/);
    const cs = containerStatus(await ns.pod('badref'), 'c')!;
    assert.match(cs.state.waiting.message, /configmap "no-such-map" not found/);
  });

  test('the seed\'s cmvol: a configMap volume shows each key as a file and sees updates within a minute', async () => {
    await ns.apply(seed('37-pod-cmvol.yaml'));
    await ns.waitStatus('cmvol', /^Running$/);
    assert.equal((await ns.k(['exec', 'cmvol', '--', 'cat', '/etc/name/given'])).stdout, 'Nigel');
    assert.equal((await ns.k(['exec', 'cmvol', '--', 'cat', '/etc/name/family'])).stdout, 'Poulton');
    // Another ConfigMap for the update, so the env tests keep reading the seed's values.
    await ns.k(['create', 'configmap', 'live', '--from-literal=value=one']);
    await ns.apply(podManifest('cmlive', {
      containers: [sh('c', 'exec sleep 3600', { volumeMounts: [{ name: 'cfg', mountPath: '/etc/live' }] })],
      volumes: [{ name: 'cfg', configMap: { name: 'live' } }],
    }));
    await ns.waitStatus('cmlive', /^Running$/);
    assert.equal((await ns.k(['exec', 'cmlive', '--', 'cat', '/etc/live/value'])).stdout, 'one');
    const changed = Date.now();
    await ns.k(['patch', 'configmap', 'live', '--type=merge', '-p', '{"data":{"value":"two","added":"yes"}}']);
    await waitFor('the update inside the container', async () => {
      const r = await ns.k(['exec', 'cmlive', '--', 'cat', '/etc/live/value', '/etc/live/added'], { allowFail: true });
      return r.stdout === 'twoyes' ? true : undefined;
    }, 60_000, 1000);
    assert.ok(Date.now() - changed < 60_000);
  });

  test('the seed\'s secret-pod: secret files are there, read-only, on tmpfs', async () => {
    await ns.apply(seed('39-pod-secret-pod.yaml'));
    await ns.waitStatus('secret-pod', /^Running$/);
    assert.equal((await ns.k(['exec', 'secret-pod', '--', 'cat', '/etc/secret/username'])).stdout, 'nigelpoulton');
    assert.equal((await ns.k(['exec', 'secret-pod', '--', 'cat', '/etc/secret/password'])).stdout, 'Password123');
    const write = await ns.k(['exec', 'secret-pod', '--', 'sh', '-c', 'echo x > /etc/secret/username'], { allowFail: true });
    assert.notEqual(write.code, 0);
    assert.match(write.stderr, /Read-only file system/);
    const mounts = (await ns.k(['exec', 'secret-pod', '--', 'cat', '/proc/mounts'])).stdout;
    const line = mounts.split('\n').find((l) => l.split(' ')[1] === '/etc/secret');
    assert.ok(line, `no mount at /etc/secret in\n${mounts}`);
    assert.match(line, /^\S+ \S+ tmpfs ro[, ]/);
  });

  test('postStart hook runs before the container counts as started', async () => {
    await ns.apply(podManifest('poststart', {
      containers: [sh('c', 'exec sleep 3600', {
        lifecycle: { postStart: { exec: { command: ['sh', '-c', 'echo post-start-ran > /tmp/hook'] } } },
      })],
    }));
    await ns.waitStatus('poststart', /^Running$/);
    assert.equal((await ns.k(['exec', 'poststart', '--', 'cat', '/tmp/hook'])).stdout, 'post-start-ran\n');
  });

  test('a failing postStart hook kills the container (FailedPostStartHook)', async () => {
    await ns.apply(podManifest('poststart-fail', {
      restartPolicy: 'Never',
      containers: [sh('c', 'exec sleep 3600', { lifecycle: { postStart: { exec: { command: ['sh', '-c', 'exit 7'] } } } })],
    }));
    await waitFor('FailedPostStartHook event', async () => {
      const evs = await ns.events('pod/poststart-fail');
      return evs.some((e) => e.reason === 'FailedPostStartHook') ? true : undefined;
    });
    await ns.waitPod('poststart-fail', 'container terminated', (p) => !!containerStatus(p, 'c')?.state?.terminated);
  });

  test('securityContext: runAsUser/runAsGroup, readOnlyRootFilesystem, capabilities', async () => {
    await ns.apply(podManifest('secctx', {
      restartPolicy: 'Never',
      securityContext: { runAsUser: 1000, runAsGroup: 3000, fsGroup: 2000 },
      containers: [
        sh('ro', 'id -u; id -g; touch /rootfs-write 2>&1; touch /scratch/ok && echo scratch-ok', {
          securityContext: { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false },
          volumeMounts: [{ name: 'scratch', mountPath: '/scratch' }],
        }),
        sh('caps', 'grep CapEff /proc/self/status', {
          securityContext: { runAsUser: 0, capabilities: { drop: ['ALL'], add: ['NET_ADMIN'] } },
        }),
      ],
      volumes: [{ name: 'scratch', emptyDir: {} }],
    }));
    await ns.waitPod('secctx', 'both containers done', (p) => ['ro', 'caps'].every((n) => containerStatus(p, n)?.state?.terminated));
    const ro = await ns.logs(['secctx', '-c', 'ro']);
    const lines = ro.split('\n');
    assert.equal(lines[0], '1000');
    assert.equal(lines[1], '3000');
    assert.match(ro, /Read-only file system/);
    assert.match(ro, /^scratch-ok$/m);
    const caps = await ns.logs(['secctx', '-c', 'caps']);
    // NET_ADMIN is capability 12: exactly that bit.
    assert.match(caps, /^CapEff:\s+0000000000001000$/m);
  });

  test('imagePullPolicy Never with a missing image: ErrImageNeverPull', async () => {
    await ns.apply(podManifest('neverpull', { containers: [{ name: 'c', image: 'busybox:not-here', imagePullPolicy: 'Never' }] }));
    await ns.waitStatus('neverpull', /^ErrImageNeverPull$/);
    const cs = containerStatus(await ns.pod('neverpull'), 'c')!;
    assert.match(cs.state.waiting.message, /is not present with pull policy of Never/);
  });

  test('a missing image: ErrImagePull, then ImagePullBackOff, with events', async () => {
    await ns.apply(podManifest('noimage', { containers: [{ name: 'c', image: 'no-such-image-k8ts:v1' }] }));
    const seen = new Set<string>();
    await waitFor('ErrImagePull then ImagePullBackOff', async () => {
      seen.add((await ns.row('noimage')).status);
      return seen.has('ImagePullBackOff') ? true : undefined;
    }, 60_000, 1000);
    assert.ok(seen.has('ErrImagePull'), `statuses seen: ${[...seen].join(', ')}`);
    // Events are written asynchronously (one queue for the node): wait for all four.
    const expected = [
      /^Pulling: Pulling image "no-such-image-k8ts:v1"$/,
      /^Failed: Failed to pull image "no-such-image-k8ts:v1"/,
      /^Failed: Error: ErrImagePull$/,
      /^BackOff: Back-off pulling image "no-such-image-k8ts:v1"$/,
    ];
    await waitFor('the pull events', async () => {
      const messages = (await ns.events('pod/noimage')).map((e) => `${e.reason}: ${e.message}`);
      const missing = expected.filter((re) => !messages.some((m) => re.test(m)));
      if (missing.length) throw new Error(`missing ${missing.join(', ')} in\n${messages.join('\n')}`);
      return true;
    }, 30_000);
  });

  test('hostPort: the node address forwards the port to the pod', async () => {
    // A port of its own per run, so files sharing the node never collide.
    const hostPort = 20000 + (process.pid % 5000);
    await ns.apply(podManifest('hostport', {
      containers: [{ ...sh('web', 'mkdir -p /w && echo hostport-ok > /w/index.html && exec httpd -f -p 8080 -h /w'), ports: [{ containerPort: 8080, hostPort }] }],
    }));
    await ns.waitStatus('hostport', /^Running$/);
    const body = await waitFor('GET through the hostPort', async () => {
      const r = await fetch(`http://${cluster.nodeIP}:${hostPort}/`, { signal: AbortSignal.timeout(3000) });
      return r.ok ? await r.text() : undefined;
    }, 30_000, 500);
    assert.equal(body.trim(), 'hostport-ok');
  });

  test('hostNetwork: the pod has the node\'s address and sees the host\'s interfaces', async () => {
    await ns.apply(podManifest('hostnet', {
      hostNetwork: true,
      containers: [sh('c', 'cat /proc/net/dev; exec sleep 3600')],
    }));
    await ns.waitStatus('hostnet', /^Running$/);
    const pod = await ns.pod('hostnet');
    assert.equal(pod.status.podIP, cluster.nodeIP);
    assert.equal(pod.status.hostIP, cluster.nodeIP);
    // The pod bridge lives in the host's network namespace only.
    await ns.waitLogs(['hostnet'], new RegExp(`^\\s*${cluster.bridge}:`, 'm'));
    const wide = (await ns.k(['get', 'pod', 'hostnet', '-o', 'wide', '--no-headers'])).stdout;
    assert.ok(wide.includes(cluster.nodeIP), wide);
    assert.ok(wide.includes(cluster.nodeName), wide);
  });
});
