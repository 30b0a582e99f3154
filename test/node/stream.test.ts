// The kubelet's streaming API against real containers: exec (pipes, exit codes, stdin, tty) via
// `ctr task exec`, attach via the runtime's streaming endpoint, logs from the CRI log files,
// port-forward to the pod IP, and stats from CRI. Needs root and containerd; cleans up all.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import pino from 'pino';
import WebSocket from 'ws';
import { createCA, issueCertificate, type KeyPairPem } from '../../src/pki/ca.js';
import { BUSYBOX_IMAGE } from '../../src/kubelet/images/oci-image.js';
import type { PodSandboxConfig } from '../../src/kubelet/cri/cri-client.js';
import { KubeletServer } from '../../src/kubelet/server/kubelet-server.js';
import type { PodLike } from '../../src/kubelet/server/container-ref.js';
import { nodeRuntimeUnavailable, startTestNodeRuntime, type TestNodeRuntime } from '../support/node-runtime.js';
import { collectChannels, spdyUpgrade } from '../support/stream-clients.js';

const skip = nodeRuntimeUnavailable();
let rt: TestNodeRuntime;
let caPem: string;
let client: KeyPairPem;
let port: number;
let pod: PodLike;
let podIP = '';
const ac = new AbortController();

before(async () => {
  if (skip) return;
  rt = await startTestNodeRuntime();
  const ca = await createCA('test-ca');
  caPem = ca.certPem;
  const serving = await issueCertificate(ca, { commonName: 'node', server: true, ipAddresses: ['127.0.0.1'] });
  client = await issueCertificate(ca, { commonName: 'kube-apiserver-kubelet-client', client: true });
  const uid = `uid-${Date.now()}`;
  const logDir = join(rt.dataDir, 'pods', `default_s_${uid}`);
  const sandboxConfig: PodSandboxConfig = {
    metadata: { name: 's', uid, namespace: 'default', attempt: 0 },
    hostname: 's',
    log_directory: logDir,
    labels: { 'io.kubernetes.pod.name': 's', 'io.kubernetes.pod.namespace': 'default', 'io.kubernetes.pod.uid': uid },
    linux: { security_context: { namespace_options: { network: 'POD', pid: 'CONTAINER', ipc: 'POD' } } },
  };
  const { pod_sandbox_id } = await rt.cri.runtime.runPodSandbox({ config: sandboxConfig });
  podIP = (await rt.cri.runtime.podSandboxStatus({ pod_sandbox_id })).status?.network?.ip ?? '';
  const labels = (name: string) => ({ 'io.kubernetes.pod.name': 's', 'io.kubernetes.pod.namespace': 'default', 'io.kubernetes.pod.uid': uid, 'io.kubernetes.container.name': name });
  const start = async (name: string, args: string) => {
    const { container_id } = await rt.cri.runtime.createContainer({
      pod_sandbox_id,
      config: { metadata: { name, attempt: 0 }, image: { image: BUSYBOX_IMAGE }, command: ['sh', '-c'], args: [args], log_path: `${name}/0.log`, labels: labels(name) } as any,
      sandbox_config: sandboxConfig,
    });
    await rt.cri.runtime.startContainer({ container_id });
    return container_id;
  };
  const tickId = await start('tick', 'i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.2; done');
  const webId = await start('web', 'mkdir -p /www && echo served-by-pod > /www/index.html && httpd -f -p 8080 -h /www');
  const cs = (name: string, id: string) => ({ name, containerID: `containerd://${id}`, restartCount: 0, state: { running: {} } });
  pod = {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name: 's', namespace: 'default', uid },
    spec: { nodeName: 'n1', containers: [{ name: 'tick' }, { name: 'web' }] },
    status: { phase: 'Running', podIP, containerStatuses: [cs('tick', tickId), cs('web', webId)] },
  };
  const server = new KubeletServer({
    cri: rt.cri,
    podByName: (ns, name) => (ns === 'default' && name === 's' ? pod : undefined),
    logDir: (_p, c) => join(logDir, c),
    tls: { certPem: serving.certPem, keyPem: serving.keyPem, clientCaPem: ca.certPem },
    logger: pino({ level: 'silent' }),
    nodeName: 'n1',
    containerdAddress: rt.supervisor.socketPath,
  });
  await server.listen(0, ac.signal, '127.0.0.1');
  port = server.port!;
});

after(async () => {
  ac.abort();
  await rt?.stop();
});

const tls = () => ({ ca: caPem, cert: client.certPem, key: client.keyPem });
const execUrl = (container: string, cmd: string[], flags: string) => `wss://127.0.0.1:${port}/exec/default/s/${container}?${cmd.map((c) => `command=${encodeURIComponent(c)}`).join('&')}&${flags}`;

test('exec in a real container: output, exit code, stdin', { skip }, async () => {
  const ws = new WebSocket(execUrl('web', ['sh', '-c', 'hostname; echo e >&2; exit 4'], 'output=1&error=1'), ['v5.channel.k8s.io'], tls());
  const { byChannel } = await collectChannels(ws);
  assert.equal(byChannel.get(1)?.toString(), 's\n');
  assert.equal(byChannel.get(2)?.toString(), 'e\n');
  assert.deepEqual(JSON.parse(byChannel.get(3)!.toString()).details.causes, [{ reason: 'ExitCode', message: '4' }]);

  const ws2 = new WebSocket(execUrl('web', ['cat'], 'input=1&output=1'), ['v5.channel.k8s.io'], tls());
  const out = collectChannels(ws2);
  await new Promise((r) => ws2.once('open', r));
  ws2.send(Buffer.from([0, ...Buffer.from('through-stdin\n')]));
  ws2.send(Buffer.from([255, 0]));
  const r2 = await out;
  assert.equal(r2.byChannel.get(1)?.toString(), 'through-stdin\n');
  assert.equal(JSON.parse(r2.byChannel.get(3)!.toString()).status, 'Success');
});

test('exec with a tty follows resizes', { skip }, async () => {
  const ws = new WebSocket(execUrl('web', ['sh', '-c', 'tty; sleep 0.5; stty size'], 'input=1&output=1&tty=1'), ['v5.channel.k8s.io'], tls());
  const out = collectChannels(ws);
  await new Promise((r) => ws.once('open', r));
  ws.send(Buffer.from([4, ...Buffer.from('{"Width":100,"Height":30}')]));
  const { byChannel } = await out;
  const text = byChannel.get(1)?.toString() ?? '';
  assert.match(text, /\/dev\/pts\/\d+/);
  assert.match(text, /30 100/);
});

test('attach streams the main process output', { skip }, async () => {
  const ws = new WebSocket(`wss://127.0.0.1:${port}/attach/default/s/tick?output=1&error=1`, ['v5.channel.k8s.io'], tls());
  const got = await new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('no attach output')), 10_000);
    ws.on('message', (d: Buffer) => {
      if (d[0] === 1 && /tick \d+/.test(d.subarray(1).toString())) {
        clearTimeout(t);
        resolve(d.subarray(1).toString());
      }
    });
    ws.once('unexpected-response', (_q, res) => reject(new Error(`status ${res.statusCode}`)));
  });
  assert.match(got, /tick \d+/);
  ws.close();
});

test('logs from the CRI log file', { skip }, async () => {
  await new Promise((r) => setTimeout(r, 500));
  const body = await new Promise<string>((resolve, reject) => {
    import('node:https').then(({ request }) => {
      const req = request({ host: '127.0.0.1', port, path: '/containerLogs/default/s/tick?tailLines=2', ...tls() }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve(Buffer.concat(chunks).toString()));
      });
      req.on('error', reject);
      req.end();
    }, reject);
  });
  assert.match(body, /^tick \d+\ntick \d+\n$/);
});

test('port-forward reaches the pod port', { skip }, async () => {
  const up = await spdyUpgrade({ host: '127.0.0.1', port, ...tls() }, 'POST', '/portForward/default/s', 'portforward.k8s.io');
  up.session.openStream({ streamtype: 'error', port: '8080', requestid: '0' }).end();
  const data = up.session.openStream({ streamtype: 'data', port: '8080', requestid: '0' });
  const chunks: Buffer[] = [];
  data.on('data', (d: Buffer) => chunks.push(d));
  const ended = new Promise((r) => data.once('end', r));
  let body = '';
  for (let i = 0; i < 30 && !body.includes('served-by-pod'); i++) {
    data.write('GET / HTTP/1.0\r\n\r\n');
    await Promise.race([ended, new Promise((r) => setTimeout(r, 300))]);
    body = Buffer.concat(chunks).toString();
  }
  assert.match(body, /served-by-pod/);
  up.session.close();
});

test('stats/summary lists the pod with container usage', { skip }, async () => {
  const { request } = await import('node:https');
  const body = await new Promise<string>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/stats/summary', ...tls() }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve(Buffer.concat(chunks).toString()));
    });
    req.on('error', reject);
    req.end();
  });
  const s = JSON.parse(body);
  const p = s.pods.find((x: any) => x.podRef.name === 's');
  assert.ok(p, body);
  assert.deepEqual(p.containers.map((c: any) => c.name).sort(), ['tick', 'web']);
  assert.ok(p.memory.workingSetBytes > 0);
  assert.ok(s.node.memory.workingSetBytes > 0);
});
