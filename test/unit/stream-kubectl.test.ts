// The real kubectl 1.32 against our streaming stack: a minimal stand-in API server (discovery and
// one pod) in front of the real node proxy and kubelet server, with exec run as local processes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { createServer as createHttpsServer, type Server } from 'node:https';
import { connect, createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { createCA, issueCertificate } from '../../src/pki/ca.js';
import { writeKubeconfig } from '../../src/pki/kubeconfig.js';
import { KubeletServer } from '../../src/kubelet/server/kubelet-server.js';
import { spawnProcess } from '../../src/kubelet/server/remote-process.js';
import { createNodeProxy } from '../../src/apiserver/node-proxy/index.js';
import { createMetricsHandler, nodeMetricsInfo, podMetricsInfo } from '../../src/apiserver/metrics-api/index.js';
import { parseRequestInfo } from '../../src/apiserver/request-info.js';
import { sendJson, sendStatus } from '../../src/apiserver/http.js';
import { runKubectl, streamKubectl, type KubectlTarget } from '../support/kubectl.js';

let kubectlMissing: string | false = false;
try {
  execFileSync(process.env.K8TS_TEST_KUBECTL ?? 'kubectl', ['version', '--client'], { stdio: 'ignore' });
} catch {
  kubectlMissing = 'kubectl is not installed';
}

const log = pino({ level: 'silent' });
let dir: string;
let api: Server;
let echo: TcpServer;
let echoPort = 0;
let target: KubectlTarget;
const ac = new AbortController();
let running = true;

const pod = () => ({
  apiVersion: 'v1', kind: 'Pod',
  metadata: { name: 'p', namespace: 'default', uid: 'u1', creationTimestamp: '2024-01-01T00:00:00Z' },
  spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'busybox' }] },
  status: { phase: 'Running', podIP: '127.0.0.1', containerStatuses: [{ name: 'c', containerID: 'containerd://x', restartCount: 0, ready: true, image: 'busybox', imageID: '', started: true, state: running ? { running: { startedAt: '2024-01-01T00:00:00Z' } } : { terminated: { exitCode: 0, reason: 'Completed' } } }] },
});

const apiResources = {
  kind: 'APIResourceList', apiVersion: 'v1', groupVersion: 'v1',
  resources: [
    { name: 'pods', singularName: 'pod', namespaced: true, kind: 'Pod', verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'], shortNames: ['po'], categories: ['all'] },
    { name: 'pods/attach', singularName: '', namespaced: true, kind: 'PodAttachOptions', verbs: ['create', 'get'] },
    { name: 'pods/exec', singularName: '', namespaced: true, kind: 'PodExecOptions', verbs: ['create', 'get'] },
    { name: 'pods/log', singularName: '', namespaced: true, kind: 'Pod', verbs: ['get'] },
    { name: 'pods/portforward', singularName: '', namespaced: true, kind: 'PodPortForwardOptions', verbs: ['create', 'get'] },
  ],
};

before(async () => {
  if (kubectlMissing) return;
  dir = mkdtempSync(join(tmpdir(), 'k8ts-stream-kubectl-'));
  mkdirSync(join(dir, 'logs', 'c'), { recursive: true });
  mkdirSync(join(dir, 'home'));
  writeFileSync(join(dir, 'logs', 'c', '0.log'), '2024-01-01T00:00:00Z stdout F line one\n2024-01-01T00:00:01Z stderr F line two\n');
  const ca = await createCA('test-ca');
  const kubeletServing = await issueCertificate(ca, { commonName: 'n1', server: true, ipAddresses: ['127.0.0.1'] });
  const apiServing = await issueCertificate(ca, { commonName: 'apiserver', server: true, ipAddresses: ['127.0.0.1'], dnsNames: ['localhost'] });
  const kubeletClient = await issueCertificate(ca, { commonName: 'kube-apiserver-kubelet-client', client: true });
  const admin = await issueCertificate(ca, { commonName: 'admin', organizations: ['system:masters'], client: true });
  echo = createTcpServer((s) => s.on('data', (d) => s.write(Buffer.concat([Buffer.from('echo:'), d])))).listen(0, '127.0.0.1');
  await new Promise((r) => echo.once('listening', r));
  echoPort = (echo.address() as any).port;
  const kubelet = new KubeletServer({
    cri: { runtime: { attach: async () => { throw new Error('attach is not available'); }, listContainerStats: async () => ({ stats: [] }), listPodSandboxStats: async () => ({ stats: [] }) } as any },
    podByName: (_ns, name) => (name === 'p' ? pod() : undefined),
    logDir: (_p, c) => join(dir, 'logs', c),
    tls: { certPem: kubeletServing.certPem, keyPem: kubeletServing.keyPem, clientCaPem: ca.certPem },
    logger: log,
    nodeName: 'n1',
    execStarter: async (req) => spawnProcess(req.command, req),
  });
  await kubelet.listen(0, ac.signal, '127.0.0.1');
  const kubeletPort = kubelet.port!;
  const proxy = createNodeProxy({
    getPod: async (_ns, name) => (name === 'p' ? pod() : undefined),
    getNode: async () => ({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' }, status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: kubeletPort } } } }),
    tls: { caPem: ca.certPem, certPem: kubeletClient.certPem, keyPem: kubeletClient.keyPem },
    logger: log,
  });
  const node = () => ({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' }, status: { allocatable: { cpu: '2', memory: '4Gi' }, capacity: { cpu: '2', memory: '4Gi' }, addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: kubeletPort } } } });
  const metrics = createMetricsHandler({
    listNodes: async () => [node()],
    listPods: async () => [pod()],
    tls: { certPem: '', keyPem: '' },
    logger: log,
    fetchSummary: async () => ({
      node: { nodeName: 'n1', cpu: { time: new Date().toISOString(), usageNanoCores: 500_000_000 }, memory: { time: new Date().toISOString(), workingSetBytes: 1024 ** 3 } },
      pods: [{ podRef: { name: 'p', namespace: 'default', uid: 'u1' }, containers: [{ name: 'c', cpu: { time: new Date().toISOString(), usageNanoCores: 3_000_000 }, memory: { time: new Date().toISOString(), workingSetBytes: 20 * 1024 * 1024 } }] }],
    }),
  });
  api = createHttpsServer({ cert: apiServing.certPem, key: apiServing.keyPem }, (req, res) => {
    const url = new URL(req.url!, 'https://x');
    const r = { req, res, warnings: [] };
    const path = url.pathname;
    if (path === '/version') return sendJson(r, 200, { major: '1', minor: '32', gitVersion: 'v1.32.4', platform: 'linux/amd64' });
    if (path === '/api') return sendJson(r, 200, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1' }] });
    if (path === '/apis') return sendJson(r, 200, { kind: 'APIGroupList', apiVersion: 'v1', groups: [{ name: 'metrics.k8s.io', versions: [{ groupVersion: 'metrics.k8s.io/v1beta1', version: 'v1beta1' }], preferredVersion: { groupVersion: 'metrics.k8s.io/v1beta1', version: 'v1beta1' } }] });
    if (path === '/apis/metrics.k8s.io/v1beta1') return sendJson(r, 200, { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: 'metrics.k8s.io/v1beta1', resources: [{ name: 'pods', singularName: '', namespaced: true, kind: 'PodMetrics', verbs: ['get', 'list'] }, { name: 'nodes', singularName: '', namespaced: false, kind: 'NodeMetrics', verbs: ['get', 'list'] }] });
    if (path === '/api/v1/namespaces/default/pods') return sendJson(r, 200, { kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion: '1' }, items: [pod()] });
    if (path === '/api/v1/nodes') return sendJson(r, 200, { kind: 'NodeList', apiVersion: 'v1', metadata: { resourceVersion: '1' }, items: [node()] });
    if (path.startsWith('/apis/metrics.k8s.io/')) {
      const ri = parseRequestInfo(req.method!, path, url.searchParams);
      const info = ri.resource === 'pods' ? podMetricsInfo : nodeMetricsInfo;
      return void metrics.handle(r, ri, info, url.searchParams, { now: new Date() } as any).catch((err) => sendStatus(r, err));
    }
    if (path === '/api/v1') return sendJson(r, 200, apiResources);
    if (path === '/api/v1/namespaces/default/pods/p') return sendJson(r, 200, pod());
    const ri = parseRequestInfo(req.method!, path, url.searchParams);
    if (ri.resource === 'pods' && ri.subresource) {
      return void proxy.handleRequest(r, ri, url.searchParams, { signal: new AbortController().signal } as any).catch((err) => sendStatus(r, err));
    }
    sendJson(r, 404, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'NotFound', code: 404, message: 'the server could not find the requested resource' });
  });
  api.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url!, 'https://x');
    const ri = parseRequestInfo(req.method!, url.pathname, url.searchParams);
    if (!proxy.isStreamUpgrade(ri)) return socket.destroy();
    proxy.handleUpgrade(req, socket, head, ri);
  });
  await new Promise<void>((r) => api.listen(0, '127.0.0.1', r));
  const kubeconfig = join(dir, 'kubeconfig');
  writeKubeconfig(kubeconfig, { server: `https://127.0.0.1:${(api.address() as any).port}`, caPem: ca.certPem, clientCertPem: admin.certPem, clientKeyPem: admin.keyPem });
  target = { kubeconfig, home: join(dir, 'home') };
});

after(() => {
  if (kubectlMissing) return;
  ac.abort();
  api.close();
  api.closeAllConnections();
  echo.close();
  rmSync(dir, { recursive: true, force: true });
});

async function withEnv<T>(env: Record<string, string>, f: () => Promise<T>): Promise<T> {
  const old = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  try {
    return await f();
  } finally {
    for (const [k, v] of Object.entries(old)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

const script = 'echo out; echo err >&2; exit 3';

test('kubectl exec over WebSocket v5: output, stderr and the exit code', { skip: kubectlMissing }, async () => {
  const r = await runKubectl(target, ['exec', 'p', '--', 'sh', '-c', script], { allowFail: true });
  assert.equal(r.stdout, 'out\n');
  assert.match(r.stderr, /err\n/);
  assert.match(r.stderr, /command terminated with exit code 3/);
  assert.equal(r.code, 3);
});

test('kubectl exec -i passes stdin and its end', { skip: kubectlMissing }, async () => {
  const r = await runKubectl(target, ['exec', '-i', 'p', '--', 'cat'], { input: 'piped\n' });
  assert.equal(r.stdout, 'piped\n');
});

test('kubectl exec over SPDY/3.1 (websockets disabled)', { skip: kubectlMissing }, async () => {
  const r = await withEnv({ KUBECTL_REMOTE_COMMAND_WEBSOCKETS: 'false' }, () => runKubectl(target, ['exec', 'p', '--', 'sh', '-c', script], { allowFail: true, timeoutMs: 20_000 }));
  assert.equal(r.stdout, 'out\n');
  assert.match(r.stderr, /err\n/);
  assert.equal(r.code, 3);
  const ok = await withEnv({ KUBECTL_REMOTE_COMMAND_WEBSOCKETS: 'false' }, () => runKubectl(target, ['exec', '-i', 'p', '--', 'cat'], { input: 'spdy-in\n' }));
  assert.equal(ok.stdout, 'spdy-in\n');
});

test('kubectl logs, --tail, --timestamps and -f', { skip: kubectlMissing }, async () => {
  assert.equal((await runKubectl(target, ['logs', 'p'])).stdout, 'line one\nline two\n');
  assert.equal((await runKubectl(target, ['logs', 'p', '--tail=1', '--timestamps'])).stdout, '2024-01-01T00:00:01Z line two\n');
  running = true;
  const f = streamKubectl(target, ['logs', '-f', 'p']);
  await f.waitForLine(/line two/, 10_000);
  appendFileSync(join(dir, 'logs', 'c', '0.log'), '2024-01-01T00:00:02Z stdout F line three\n');
  await f.waitForLine(/line three/, 10_000);
  running = false;
  await f.stop();
  running = true;
});

for (const mode of ['websocket tunnel', 'raw SPDY'] as const) {
  test(`kubectl port-forward (${mode})`, { skip: kubectlMissing }, async () => {
    const env: Record<string, string> = mode === 'raw SPDY' ? { KUBECTL_PORT_FORWARD_WEBSOCKETS: 'false' } : {};
    const pf = await withEnv(env, async () => streamKubectl(target, ['port-forward', 'pod/p', `:${echoPort}`, '--address', '127.0.0.1']));
    try {
      const line = await pf.waitForLine(/Forwarding from 127\.0\.0\.1:\d+/, 15_000);
      const local = Number(/127\.0\.0\.1:(\d+)/.exec(line)![1]);
      for (const msg of ['first', 'second']) {
        const got = await new Promise<string>((resolve, reject) => {
          const s = connect(local, '127.0.0.1', () => s.write(msg));
          s.once('data', (d) => {
            resolve(d.toString());
            s.end();
          });
          s.once('error', reject);
        });
        assert.equal(got, `echo:${msg}`);
      }
    } finally {
      await pf.stop();
    }
  });
}

test('kubectl cp both ways (tar over exec)', { skip: kubectlMissing }, async () => {
  const { readFileSync } = await import('node:fs');
  const src = join(dir, 'in-pod.txt');
  writeFileSync(src, 'content from the pod\n');
  const down = join(dir, 'downloaded.txt');
  await runKubectl(target, ['cp', `p:${src}`, down]);
  assert.equal(readFileSync(down, 'utf8'), 'content from the pod\n');
  const upDir = join(dir, 'uploaded');
  mkdirSync(upDir);
  await runKubectl(target, ['cp', down, `p:${upDir}/copy.txt`]);
  assert.equal(readFileSync(join(upDir, 'copy.txt'), 'utf8'), 'content from the pod\n');
});

test('kubectl top pod and node read metrics.k8s.io', { skip: kubectlMissing }, async () => {
  const pods = await runKubectl(target, ['top', 'pod']);
  assert.match(pods.stdout, /NAME\s+CPU\(cores\)\s+MEMORY\(bytes\)/);
  assert.match(pods.stdout, /^p\s+3m\s+20Mi\s*$/m);
  const nodes = await runKubectl(target, ['top', 'node']);
  assert.match(nodes.stdout, /^n1\s+500m\s+25%\s+1024Mi\s+25%\s*$/m);
});

test('large transfers both ways over SPDY (no flow-control stall)', { skip: kubectlMissing }, async () => {
  const big = 'x'.repeat(3 * 1024 * 1024);
  const up = await withEnv({ KUBECTL_REMOTE_COMMAND_WEBSOCKETS: 'false' }, () => runKubectl(target, ['exec', '-i', 'p', '--', 'wc', '-c'], { input: big, timeoutMs: 30_000 }));
  assert.equal(up.stdout.trim(), String(big.length));
  const down = await withEnv({ KUBECTL_REMOTE_COMMAND_WEBSOCKETS: 'false' }, () => runKubectl(target, ['exec', 'p', '--', 'head', '-c', '3000000', '/dev/zero'], { timeoutMs: 30_000 }));
  assert.equal(down.stdout.length, 3_000_000);
});
