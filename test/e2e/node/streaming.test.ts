// Streams between kubectl and containers on a real node, through the API server and the kubelet:
// exec (with and without stdin and a terminal), logs and its flags, attach, port-forward, cp, and
// top (metrics.k8s.io from the runtime's stats).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { findBinary } from '../../../src/kubelet/containerd/prerequisites.js';
import { nodeClusterUnavailable, useNodeCluster, type NodeCluster } from '../../support/node-cluster.js';
import { containerStatus, PodNamespace, podManifest, sh, sleep, waitFor } from './pod-helpers.js';

const skip = nodeClusterUnavailable();
let cluster: NodeCluster;
let ns: PodNamespace;
let scratch: string;

before(async () => {
  if (skip) return;
  cluster = await useNodeCluster();
  ns = await PodNamespace.create(cluster, 'e2e-streams');
  scratch = mkdtempSync(path.join(os.tmpdir(), 'k8ts-streams-'));
  // One long-running pod for exec and cp, a web server for port-forward, a chatty two-container pod for logs.
  await ns.apply([
    podManifest('shell', { containers: [sh('main', 'exec sleep 3600'), sh('helper', 'exec sleep 3600')] }),
    podManifest('web', { containers: [{ name: 'web', image: 'nginx', ports: [{ containerPort: 80 }] }] }),
    podManifest('chatty', {
      containers: [
        sh('counter', 'i=0; while true; do i=$((i+1)); echo "line $i"; sleep 0.5; done'),
        sh('other', 'echo from-other; exec sleep 3600'),
      ],
    }),
  ]);
  await Promise.all(['shell', 'web', 'chatty'].map((p) => ns.waitStatus(p, /^Running$/)));
});

after(async () => {
  if (skip || !cluster) return;
  try {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
    if (ns) await ns.destroy();
  } finally {
    await cluster.stop();
  }
});

/** GET through a local port, as a browser behind `kubectl port-forward` would. */
function httpGet(port: number, urlPath: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: urlPath, timeout: 10_000, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

describe('streaming through the API server', { skip, concurrency: true }, () => {
  test('kubectl exec: stdout, stderr and the exit code, without stdin', async () => {
    const r = await ns.k(['exec', 'shell', '-c', 'main', '--', 'sh', '-c', 'echo to-stdout; echo to-stderr >&2; exit 3'], { allowFail: true });
    assert.equal(r.code, 3, 'kubectl exits with the command\'s exit code');
    assert.equal(r.stdout, 'to-stdout\n');
    assert.match(r.stderr, /^to-stderr$/m);
    assert.match(r.stderr, /command terminated with exit code 3/);
    const other = await ns.k(['exec', 'shell', '-c', 'helper', '--', 'hostname']);
    assert.equal(other.stdout, 'shell\n', 'containers of a pod share its hostname');
  });

  test('kubectl exec -i: stdin reaches the process', async () => {
    const input = Array.from({ length: 2000 }, (_, i) => `row ${i}`).join('\n') + '\n';
    const r = await ns.k(['exec', '-i', 'shell', '-c', 'main', '--', 'sh', '-c', 'wc -l; echo done'], { input });
    assert.equal(r.stdout.trim().split('\n')[0]!.trim(), '2000');
    assert.match(r.stdout, /^done$/m);
  });

  test('kubectl exec -it: a terminal in the container', { skip: findBinary('script') ? undefined : 'needs script(1) for a pty' }, async () => {
    // script(1) gives kubectl a real terminal, as a user's shell would.
    const cmd = `kubectl --kubeconfig ${cluster.kubeconfig} -n ${ns.name} exec -it shell -c main -- sh -c 'tty; echo "TERM=$TERM"; exit 5'`;
    const out = await new Promise<{ code: number; out: string }>((resolve, reject) => {
      const child = spawn('script', ['-qec', cmd, '/dev/null'], { env: { ...process.env, HOME: scratch, KUBECONFIG: '' }, stdio: ['pipe', 'pipe', 'pipe'] });
      let text = '';
      child.stdout.on('data', (b: Buffer) => (text += b.toString('utf8')));
      child.stderr.on('data', (b: Buffer) => (text += b.toString('utf8')));
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        child.stdin.destroy();
        resolve({ code: code ?? 1, out: text });
      });
      // stdin stays open: script(1) would type an end-of-file into the terminal (echoed as ^@).
    });
    assert.match(out.out, /^\/dev\/pts\/\d+\r$/m, `exit ${out.code}: ${out.out}`);
    assert.match(out.out, /^TERM=xterm\r$/m, 'a terminal type is set, lines end in CR LF');
    assert.match(out.out, /command terminated with exit code 5/);
    assert.equal(out.code, 5);
  });

  test('kubectl logs: -c, --tail, --timestamps, --since, -f', async () => {
    await ns.waitLogs(['chatty', '-c', 'counter'], /^line 6$/m, 30_000);
    const all = await ns.logs(['chatty', '-c', 'counter']);
    assert.match(all, /^line 1\nline 2\n/);
    assert.equal(await ns.logs(['chatty', '-c', 'other']), 'from-other\n');
    const noContainer = await ns.k(['logs', 'chatty'], { allowFail: true });
    assert.match(noContainer.stdout + noContainer.stderr, /line 1|Defaulted container "counter"/, 'the first container is the default');
    const tail = await ns.logs(['chatty', '-c', 'counter', '--tail', '2']);
    const tailLines = tail.trimEnd().split('\n');
    assert.equal(tailLines.length, 2);
    assert.match(tailLines[1]!, /^line \d+$/);
    const ts = await ns.logs(['chatty', '-c', 'counter', '--timestamps', '--tail', '3']);
    for (const l of ts.trimEnd().split('\n')) assert.match(l, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z line \d+$/);
    await sleep(1500);
    const since = await ns.logs(['chatty', '-c', 'counter', '--since', '2s']);
    const sinceLines = since.trimEnd().split('\n');
    assert.ok(sinceLines.length >= 1 && sinceLines.length <= 6, `--since 2s gave ${sinceLines.length} lines`);
    assert.ok(sinceLines.length < all.trimEnd().split('\n').length);
    const follow = cluster.kubectlStream(['-n', ns.name, 'logs', '-f', '--tail', '1', 'chatty', '-c', 'counter']);
    try {
      const first = await follow.waitForLine(/^line \d+$/, 10_000);
      const n = Number(first.split(' ')[1]);
      await follow.waitForLine(new RegExp(`^line ${n + 2}$`), 10_000);
    } finally {
      await follow.stop();
    }
  });

  test('kubectl logs --previous shows the container before its restart', async () => {
    await ns.apply(podManifest('restarts', {
      containers: [sh('c', 'if [ -f /data/second ]; then echo second life; exec sleep 3600; fi; touch /data/second; echo first life; exit 1', {
        volumeMounts: [{ name: 'data', mountPath: '/data' }],
      })],
      volumes: [{ name: 'data', emptyDir: {} }],
    }));
    await ns.waitPod('restarts', 'restarted once', (p) => containerStatus(p, 'c')?.restartCount === 1 && !!containerStatus(p, 'c')?.state?.running);
    assert.equal(await ns.logs(['restarts']), 'second life\n');
    assert.equal(await ns.logs(['restarts', '--previous']), 'first life\n');
    const none = await ns.k(['logs', 'chatty', '-c', 'other', '--previous'], { allowFail: true });
    assert.notEqual(none.code, 0);
    assert.match(none.stderr, /previous terminated container "other" in pod "chatty" not found/);
  });

  test('kubectl attach: to a container\'s stdin and output', async () => {
    await ns.apply(podManifest('attached', {
      containers: [sh('c', 'echo ready; while read line; do echo "got:$line"; done; echo stdin-closed; exec sleep 3600', { stdin: true, stdinOnce: true })],
    }));
    await ns.waitStatus('attached', /^Running$/);
    await ns.waitLogs(['attached'], /^ready$/m);
    const r = await ns.k(['attach', '-i', 'attached'], { input: 'hello\nworld\n', timeoutMs: 30_000, allowFail: true });
    assert.match(r.stdout, /^got:hello$/m, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /^got:world$/m);
    // stdinOnce: closing stdin ends the process.
    await ns.waitLogs(['attached'], /^stdin-closed$/m, 30_000);
    // Without -i, attach streams the output of a running container.
    const out = cluster.kubectlStream(['-n', ns.name, 'attach', 'chatty', '-c', 'counter']);
    try {
      await out.waitForLine(/^line \d+$/, 15_000);
    } finally {
      await out.stop();
    }
  });

  test('kubectl run -i --rm: attach to a new pod, then it is deleted', async () => {
    const r = await ns.k(['run', 'oneshot', '--image=busybox', '--restart=Never', '-i', '--rm', '--', 'sh', '-c', 'read x; echo "echoed:$x"'], { input: 'ping\n', timeoutMs: 60_000 });
    assert.match(r.stdout, /^echoed:ping$/m);
    assert.match(r.stdout, /pod "oneshot" deleted/);
  });

  test('kubectl port-forward: HTTP through a local port to the pod', async () => {
    const pf = cluster.kubectlStream(['-n', ns.name, 'port-forward', 'pod/web', ':80']);
    try {
      const line = await pf.waitForLine(/^Forwarding from 127\.0\.0\.1:\d+ -> 80$/, 20_000);
      const port = Number(/:(\d+) ->/.exec(line)![1]);
      for (let i = 0; i < 3; i++) {
        const res = await httpGet(port, '/');
        assert.equal(res.status, 200);
        assert.match(res.body, /Welcome to k8ts httpd/);
      }
      const missing = await httpGet(port, '/no-such-page');
      assert.equal(missing.status, 404);
    } finally {
      await pf.stop();
    }
  });

  test('kubectl port-forward to a Service picks a pod behind it', async () => {
    await ns.apply({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web-svc' }, spec: { selector: { app: 'web-svc' }, ports: [{ port: 8080, targetPort: 80 }] } });
    await ns.apply(podManifest('web-backend', { containers: [{ name: 'web', image: 'nginx' }] }, { labels: { app: 'web-svc' } }));
    await ns.waitStatus('web-backend', /^Running$/);
    const pf = cluster.kubectlStream(['-n', ns.name, 'port-forward', 'service/web-svc', ':8080']);
    try {
      const line = await pf.waitForLine(/^Forwarding from 127\.0\.0\.1:\d+ -> 80$/, 20_000);
      const res = await httpGet(Number(/:(\d+) ->/.exec(line)![1]), '/');
      assert.equal(res.status, 200);
    } finally {
      await pf.stop();
    }
  });

  test('kubectl cp: into the container and back out', async () => {
    const local = path.join(scratch, 'upload.txt');
    const content = `payload ${Date.now()}\n${'x'.repeat(100_000)}\n`;
    writeFileSync(local, content);
    await ns.k(['cp', local, 'shell:/tmp/upload.txt', '-c', 'main']);
    const inside = await ns.k(['exec', 'shell', '-c', 'main', '--', 'sh', '-c', 'wc -c < /tmp/upload.txt; head -1 /tmp/upload.txt']);
    assert.equal(inside.stdout.split('\n')[0]!.trim(), String(Buffer.byteLength(content)));
    assert.equal(inside.stdout.split('\n')[1], content.split('\n')[0]);
    await ns.k(['exec', 'shell', '-c', 'main', '--', 'sh', '-c', 'mkdir -p /tmp/out/sub && echo made-inside > /tmp/out/sub/file.txt']);
    const back = path.join(scratch, 'download');
    await ns.k(['cp', 'shell:/tmp/out', back, '-c', 'main']);
    assert.equal(readFileSync(path.join(back, 'sub', 'file.txt'), 'utf8'), 'made-inside\n');
    const roundTrip = path.join(scratch, 'roundtrip.txt');
    await ns.k(['cp', 'shell:/tmp/upload.txt', roundTrip, '-c', 'main']);
    assert.equal(readFileSync(roundTrip, 'utf8'), content);
  });

  test('kubectl top pod and top node', async () => {
    const pods = await waitFor('metrics for the shell pod', async () => {
      const r = await ns.k(['top', 'pod'], { allowFail: true });
      return r.code === 0 && /^shell\s+\d+m\s+\d+Mi\s*$/m.test(r.stdout) ? r.stdout : undefined;
    }, 60_000, 1000);
    assert.match(pods, /^NAME\s+CPU\(cores\)\s+MEMORY\(bytes\)/);
    const containers = await ns.k(['top', 'pod', 'shell', '--containers']);
    assert.match(containers.stdout, /^shell\s+main\s+\d+m\s+\d+Mi\s*$/m);
    assert.match(containers.stdout, /^shell\s+helper\s+\d+m\s+\d+Mi\s*$/m);
    const node = await cluster.kubectl(['top', 'node', cluster.nodeName]);
    assert.match(node.stdout, new RegExp(`^${cluster.nodeName}\\s+\\d+m\\s+\\d+%\\s+\\d+Mi\\s+\\d+%\\s*$`, 'm'));
  });
});
