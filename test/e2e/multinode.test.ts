// Two agents in their own network namespaces join a server with a token (test/support/multi-node.ts):
// both nodes Ready with their own pod ranges, pods on different nodes reach each other by pod IP
// (host-gw routes), a node's identity cannot read a Secret only the other node's pods use, and
// node client certificates (60 s here) rotate without the node going NotReady. Real kubectl,
// real containers; needs root and containerd.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '../support/cluster.js';
import { agentFile, multiNodeUnavailable, startMultiNodeCluster, type MultiNodeCluster } from '../support/multi-node.js';

const skip = multiNodeUnavailable() ?? (existsSync(path.join(repoRoot(), 'dist', 'src', 'cli', 'main.js')) ? undefined : 'run `npm run build` first');
const NS = `mn-${Math.floor(Math.random() * 1e6)}`;
let c: MultiNodeCluster;
const tmp = mkdtempSync(path.join(os.tmpdir(), 'k8ts-mn-test-'));

before(async () => {
  if (skip) return;
  c = await startMultiNodeCluster({ agents: 2, serverArgs: ['--kubelet-client-certificate-duration', '60s'] });
  await c.kubectl(['create', 'namespace', NS]);
});

after(async () => {
  if (skip || !c) return;
  await c.kubectl(['delete', 'namespace', NS, '--wait=false'], { allowFail: true });
  await c.stop();
  rmSync(tmp, { recursive: true, force: true });
});

const nodeKubeconfig = (i: number) => {
  const file = path.join(tmp, `node-${i}.kubeconfig`);
  writeFileSync(file, agentFile(c.nodes[i]!, 'agent/kubelet.kubeconfig')!);
  return file;
};

test('two agents join with a token and get their own pod ranges', { skip }, async () => {
  const out = await c.kubectl(['get', 'nodes', '-o', 'jsonpath={range .items[*]}{.metadata.name} {.spec.podCIDR} {.status.conditions[?(@.type=="Ready")].status}{"\\n"}{end}']);
  const rows = out.stdout.trim().split('\n').map((l) => l.split(' '));
  assert.deepEqual(rows.map((r) => r[0]).sort(), c.nodes.map((n) => n.name).sort());
  for (const r of rows) {
    assert.match(r[1]!, /^10\.42\.\d+\.0\/24$/);
    assert.equal(r[2], 'True');
  }
  assert.notEqual(rows[0]![1], rows[1]![1], 'distinct pod ranges');
  const who = await c.kubectl(['auth', 'whoami', '--kubeconfig', nodeKubeconfig(0), '-o', 'jsonpath={.status.userInfo.username}']);
  assert.equal(who.stdout, `system:node:${c.nodes[0]!.name}`);
});

const pod = (name: string, node: string, image: string, extra: Record<string, unknown> = {}, app = name) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: NS, labels: { app } },
  spec: {
    nodeName: node,
    terminationGracePeriodSeconds: 1,
    containers: [{ name: 'c', image, imagePullPolicy: 'IfNotPresent', ...(image === 'busybox' ? { command: ['sleep', '3600'] } : {}), ...extra }],
  },
});

test('a pod on node A reaches a pod on node B by pod IP', { skip }, async () => {
  const [a, b] = c.nodes;
  await c.kubectl(['create', 'secret', 'generic', 'b-only', '-n', NS, '--from-literal=word=bravo']);
  const server = pod('web', b!.name, 'nginx', { env: [{ name: 'WORD', valueFrom: { secretKeyRef: { name: 'b-only', key: 'word' } } }] }, 'cerritos');
  const client = pod('client', a!.name, 'busybox', { command: ['sh', '-c', 'mkdir -p /w && echo alpha > /w/index.html && httpd -p 8080 -h /w && exec sleep 3600'] }, 'enterprise');
  await c.kubectl(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [server, client] }) });
  await c.kubectl(['wait', '-n', NS, '--for=condition=Ready', 'pod/web', 'pod/client', '--timeout=90s']);
  const ip = (await c.kubectl(['get', 'pod', 'web', '-n', NS, '-o', 'jsonpath={.status.podIP}'])).stdout.trim();
  const clientIP = (await c.kubectl(['get', 'pod', 'client', '-n', NS, '-o', 'jsonpath={.status.podIP}'])).stdout.trim();
  assert.notEqual(ip.split('.').slice(0, 3).join('.'), clientIP.split('.').slice(0, 3).join('.'), 'the pods are in different node ranges');
  // (busybox 1.35's `wget -T` crashes, so timeout(1) bounds the request.)
  const page = await c.kubectl(['exec', '-n', NS, 'client', '--', 'timeout', '5', 'wget', '-qO-', `http://${ip}/`]);
  assert.match(page.stdout, /Welcome to k8ts httpd/);
  const back = await c.kubectl(['exec', '-n', NS, 'web', '--', 'timeout', '5', 'wget', '-qO-', `http://${clientIP}:8080/`]);
  assert.match(back.stdout, /alpha/, 'and back: node B\'s pod reaches node A\'s pod');
});

test('node A\'s identity cannot read a Secret only node B\'s pods use', { skip }, async () => {
  const denied = await c.kubectl(['get', 'secret', 'b-only', '-n', NS, '--kubeconfig', nodeKubeconfig(0)], { allowFail: true });
  assert.notEqual(denied.code, 0);
  assert.match(denied.stderr, /Forbidden|forbidden/);
  const allowed = await c.kubectl(['get', 'secret', 'b-only', '-n', NS, '--kubeconfig', nodeKubeconfig(1), '-o', 'jsonpath={.data.word}']);
  assert.equal(Buffer.from(allowed.stdout, 'base64').toString(), 'bravo');
});

test('node client certificates rotate without the node going NotReady', { skip }, async () => {
  const a = c.nodes[0]!;
  const first = agentFile(a, 'agent/pki/client-kubelet.crt');
  const deadline = Date.now() + 90_000;
  let rotated = false;
  while (Date.now() < deadline) {
    const ready = await c.kubectl(['get', 'node', a.name, '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}']);
    assert.equal(ready.stdout.trim(), 'True', 'node stays Ready');
    if (agentFile(a, 'agent/pki/client-kubelet.crt') !== first) {
      rotated = true;
      break;
    }
    await new Promise((r) => setTimeout(r, 2_000));
  }
  assert.ok(rotated, `no rotation within 90 s\n${a.log().slice(-3000)}`);
  const csrs = await c.kubectl(['get', 'csr', '-o', `jsonpath={range .items[?(@.spec.username=="system:node:${a.name}")]}{.spec.signerName} {.status.conditions[0].reason}{"\\n"}{end}`]);
  assert.match(csrs.stdout, /kubernetes\.io\/kube-apiserver-client-kubelet AutoApproved/);
  // The node keeps working with the new certificate: its Lease is renewed and pods still run.
  await new Promise((r) => setTimeout(r, 12_000));
  const who = await c.kubectl(['auth', 'whoami', '--kubeconfig', nodeKubeconfig(0), '-o', 'jsonpath={.status.userInfo.username}']);
  assert.equal(who.stdout, `system:node:${a.name}`);
  const ready = await c.kubectl(['get', 'node', a.name, '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}']);
  assert.equal(ready.stdout.trim(), 'True');
});

test('the seed\'s enterprise pod on node A reaches `cer` by name, served by a pod on node B', { skip }, async () => {
  await c.kubectl(['apply', '-f', '-'], {
    input: JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'cer', namespace: NS }, spec: { selector: { app: 'cerritos' }, ports: [{ port: 80, targetPort: 80 }] } }),
  });
  // Endpoints, the service proxy's rules and cluster DNS on node A follow within seconds.
  const deadline = Date.now() + 45_000;
  let last = '';
  for (;;) {
    const r = await c.kubectl(['exec', '-n', NS, 'client', '--', 'timeout', '5', 'wget', '-qO-', 'http://cer/'], { allowFail: true });
    if (/Welcome to k8ts httpd/.test(r.stdout)) break;
    last = r.stdout + r.stderr;
    if (Date.now() > deadline) assert.fail(`enterprise could not reach cer: ${last}\n${c.nodes[0]!.log().slice(-2000)}`);
    await new Promise((res) => setTimeout(res, 2_000));
  }
});
