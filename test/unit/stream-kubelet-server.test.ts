import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:https';
import pino from 'pino';
import WebSocket from 'ws';
import { createCA, issueCertificate, type KeyPairPem } from '../../src/pki/ca.js';
import { KubeletServer } from '../../src/kubelet/server/kubelet-server.js';
import { spawnProcess } from '../../src/kubelet/server/remote-process.js';
import type { PodLike } from '../../src/kubelet/server/container-ref.js';
import { collectChannels, spdyUpgrade } from '../support/stream-clients.js';

let dir: string;
let caPem: string;
let client: KeyPairPem;
let stranger: KeyPairPem;
let echo: Server;
let echoPort: number;
let port: number;
const ac = new AbortController();
let running = true;

const pod: PodLike = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', namespace: 'ns', uid: 'u1' },
  spec: { containers: [{ name: 'c' }, { name: 'w' }] },
  status: {
    podIP: '127.0.0.1',
    containerStatuses: [
      { name: 'c', containerID: 'containerd://abc', restartCount: 1, state: { running: {} } },
      { name: 'w', restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } } },
    ],
  },
};

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'k8ts-kubelet-srv-'));
  mkdirSync(join(dir, 'c'));
  writeFileSync(join(dir, 'c', '0.log'), '2024-01-01T00:00:00Z stdout F old-1\n');
  writeFileSync(join(dir, 'c', '1.log'), '2024-01-01T00:00:01Z stdout F new-1\n2024-01-01T00:00:02Z stderr F new-2\n');
  const ca = await createCA('test-ca');
  caPem = ca.certPem;
  const serving = await issueCertificate(ca, { commonName: 'node', server: true, ipAddresses: ['127.0.0.1'] });
  client = await issueCertificate(ca, { commonName: 'kube-apiserver-kubelet-client', client: true });
  stranger = await issueCertificate(ca, { commonName: 'bob', client: true });
  echo = createServer((s) => s.on('data', (d) => s.write(Buffer.concat([Buffer.from('echo:'), d])))).listen(0, '127.0.0.1');
  await new Promise((r) => echo.once('listening', r));
  echoPort = (echo.address() as any).port;
  const server = new KubeletServer({
    cri: { runtime: { attach: async () => { throw new Error('no attach'); }, listContainerStats: async () => ({ stats: [] }), listPodSandboxStats: async () => ({ stats: [] }) } as any },
    podByName: (ns, name) => (ns === 'ns' && name === 'p' ? { ...pod, status: { ...pod.status, containerStatuses: running ? pod.status.containerStatuses : [{ name: 'c', containerID: 'containerd://abc', restartCount: 1, state: { terminated: {} } }] } } : undefined),
    logDir: (_p, c) => join(dir, c),
    tls: { certPem: serving.certPem, keyPem: serving.keyPem, clientCaPem: ca.certPem },
    logger: pino({ level: 'silent' }),
    nodeName: 'n1',
    execStarter: async (req) => spawnProcess(req.command, req),
  });
  await server.listen(0, ac.signal, '127.0.0.1');
  port = server.port!;
});

after(() => {
  ac.abort();
  echo.close();
  rmSync(dir, { recursive: true, force: true });
});

function get(path: string, cert = client): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, ca: caPem, cert: cert.certPem, key: cert.keyPem }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end();
  });
}

const tlsOpts = () => ({ ca: caPem, cert: client.certPem, key: client.keyPem });

test('only the API server client certificate is accepted', async () => {
  assert.equal((await get('/healthz')).status, 200);
  const r = await get('/healthz', stranger);
  assert.equal(r.status, 403);
});

test('containerLogs: current, previous, tail, timestamps, waiting container', async () => {
  assert.equal((await get('/containerLogs/ns/p/c')).body, 'new-1\nnew-2\n');
  assert.equal((await get('/containerLogs/ns/p/c?previous=true')).body, 'old-1\n');
  assert.equal((await get('/containerLogs/ns/p/c?tailLines=1&timestamps=true')).body, '2024-01-01T00:00:02Z new-2\n');
  const w = await get('/containerLogs/ns/p/w');
  assert.equal(w.status, 400);
  assert.match(JSON.parse(w.body).message, /container "w" in pod "p" is waiting to start: ContainerCreating/);
  assert.equal((await get('/containerLogs/ns/nope/c')).status, 404);
});

test('exec over WebSocket v5: output channels, exit code status, stdin close', async () => {
  const q = new URLSearchParams();
  for (const c of ['sh', '-c', 'cat; echo out; echo err >&2; exit 3']) q.append('command', c);
  q.set('stdin', 'true');
  q.set('stdout', 'true');
  q.set('stderr', 'true');
  const ws = new WebSocket(`wss://127.0.0.1:${port}/exec/ns/p/c?${q}`, ['v5.channel.k8s.io'], tlsOpts());
  const out = collectChannels(ws);
  await new Promise((r) => ws.once('open', r));
  assert.equal(ws.protocol, 'v5.channel.k8s.io');
  ws.send(Buffer.from([0, ...Buffer.from('in\n')]));
  ws.send(Buffer.from([255, 0]));
  const { byChannel, closeCode } = await out;
  assert.equal(closeCode, 1000);
  assert.equal(byChannel.get(1)?.toString(), 'in\nout\n');
  assert.equal(byChannel.get(2)?.toString(), 'err\n');
  const status = JSON.parse(byChannel.get(3)!.toString());
  assert.equal(status.reason, 'NonZeroExitCode');
  assert.deepEqual(status.details.causes, [{ reason: 'ExitCode', message: '3' }]);
});

test('exec over WebSocket v4 (client-node) succeeds with a Success status', async () => {
  const ws = new WebSocket(`wss://127.0.0.1:${port}/exec/ns/p/c?command=echo&command=hi&stdout=true`, ['v4.channel.k8s.io', 'channel.k8s.io'], tlsOpts());
  const { byChannel } = await collectChannels(ws);
  assert.equal(byChannel.get(1)?.toString(), 'hi\n');
  assert.equal(JSON.parse(byChannel.get(3)!.toString()).status, 'Success');
});

test('exec of a container that is not running is refused before the upgrade', async () => {
  const ws = new WebSocket(`wss://127.0.0.1:${port}/exec/ns/p/w?command=true&stdout=true`, ['v5.channel.k8s.io'], tlsOpts());
  const status = await new Promise<number>((resolve) => ws.once('unexpected-response', (_q, res) => resolve(res.statusCode!)));
  assert.equal(status, 400);
});

test('exec over SPDY/3.1: streams per channel, status on the error stream', async () => {
  const up = await spdyUpgrade({ host: '127.0.0.1', port, ...tlsOpts() }, 'POST', '/exec/ns/p/c?command=sh&command=-c&command=echo%20spdy%3B%20exit%202&output=1&error=1', 'v4.channel.k8s.io, v3.channel.k8s.io');
  assert.match(up.statusLine, / 101 /);
  assert.equal(up.headers['x-stream-protocol-version'], 'v4.channel.k8s.io');
  const read = (s: ReturnType<typeof up.session.openStream>) => new Promise<string>((resolve) => {
    const chunks: Buffer[] = [];
    s.on('data', (d: Buffer) => chunks.push(d));
    s.once('end', () => resolve(Buffer.concat(chunks).toString()));
  });
  const error = up.session.openStream({ streamtype: 'error' });
  error.end();
  const stdout = up.session.openStream({ streamtype: 'stdout' });
  stdout.end();
  const stderr = up.session.openStream({ streamtype: 'stderr' });
  stderr.end();
  const [e, o] = await Promise.all([read(error), read(stdout), read(stderr)]);
  assert.equal(o, 'spdy\n');
  assert.deepEqual(JSON.parse(e).details.causes, [{ reason: 'ExitCode', message: '2' }]);
  up.socket.destroy();
});

test('port-forward over raw SPDY: error and data stream pair per connection', async () => {
  const up = await spdyUpgrade({ host: '127.0.0.1', port, ...tlsOpts() }, 'POST', '/portForward/ns/p', 'portforward.k8s.io');
  assert.match(up.statusLine, / 101 /);
  const error = up.session.openStream({ streamtype: 'error', port: String(echoPort), requestid: '0' });
  error.end();
  const data = up.session.openStream({ streamtype: 'data', port: String(echoPort), requestid: '0' });
  const got = new Promise<string>((resolve) => data.once('data', (d: Buffer) => resolve(d.toString())));
  data.write('hello');
  assert.equal(await got, 'echo:hello');
  // A closed port reports on the error stream.
  const e2 = up.session.openStream({ streamtype: 'error', port: '1', requestid: '1' });
  e2.end();
  const msg = new Promise<string>((resolve) => e2.on('data', (d: Buffer) => resolve(d.toString())));
  up.session.openStream({ streamtype: 'data', port: '1', requestid: '1' });
  assert.match(await msg, /error forwarding port 1 to pod/);
  up.session.close();
});

test('port-forward over WebSocket channels (client-node)', async () => {
  const ws = new WebSocket(`wss://127.0.0.1:${port}/portForward/ns/p?ports=${echoPort}`, ['v4.channel.k8s.io'], tlsOpts());
  const msgs: Buffer[] = [];
  const reply = new Promise<void>((resolve) => ws.on('message', (d: Buffer) => {
    msgs.push(d);
    if (d[0] === 0 && d.subarray(1).toString() === 'echo:x') resolve();
  }));
  await new Promise((r) => ws.once('open', r));
  ws.send(Buffer.from([0, ...Buffer.from('x')]));
  await reply;
  assert.equal(msgs[0]![0], 0);
  assert.equal(msgs[0]!.readUInt16LE(1), echoPort);
  ws.close();
});

test('stats/summary answers with the node name', async () => {
  const r = await get('/stats/summary');
  assert.equal(r.status, 200);
  const s = JSON.parse(r.body);
  assert.equal(s.node.nodeName, 'n1');
  assert.deepEqual(s.pods, []);
});

test('follow ends when the container stops', async () => {
  running = true;
  const p = get('/containerLogs/ns/p/c?follow=true');
  setTimeout(() => (running = false), 200);
  const r = await p;
  assert.equal(r.body, 'new-1\nnew-2\n');
});
