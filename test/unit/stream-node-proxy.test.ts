import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpsServer, request, type Server } from 'node:https';
import { createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import WebSocket from 'ws';
import { createCA, issueCertificate } from '../../src/pki/ca.js';
import { KubeletServer } from '../../src/kubelet/server/kubelet-server.js';
import { spawnProcess } from '../../src/kubelet/server/remote-process.js';
import { createNodeProxy, createUpgradeHandler } from '../../src/apiserver/node-proxy/index.js';
import { parseRequestInfo } from '../../src/apiserver/request-info.js';
import { sendStatus } from '../../src/apiserver/http.js';
import { podStreamPath } from '../../src/apiserver/node-proxy/kubelet-location.js';
import { collectChannels, spdyUpgrade } from '../support/stream-clients.js';

const log = pino({ level: 'silent' });
let dir: string;
let caPem: string;
let api: Server;
let apiPort: number;
let echo: TcpServer;
let echoPort: number;
const ac = new AbortController();
const pods: Record<string, any> = {};
let kubeletPort = 0;

const mkPod = (name: string, extra: any = {}) => ({
  apiVersion: 'v1', kind: 'Pod',
  metadata: { name, namespace: 'default', uid: name },
  spec: { nodeName: 'n1', containers: [{ name: 'c' }], ...extra.spec },
  status: { phase: 'Running', podIP: '127.0.0.1', containerStatuses: [{ name: 'c', containerID: 'containerd://x', restartCount: 0, state: { running: {} } }], ...extra.status },
});

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'k8ts-node-proxy-'));
  mkdirSync(join(dir, 'c'));
  writeFileSync(join(dir, 'c', '0.log'), '2024-01-01T00:00:00Z stdout F hello from c\n');
  const ca = await createCA('test-ca');
  caPem = ca.certPem;
  const kubeletServing = await issueCertificate(ca, { commonName: 'n1', server: true, ipAddresses: ['127.0.0.1'] });
  const apiServing = await issueCertificate(ca, { commonName: 'apiserver', server: true, ipAddresses: ['127.0.0.1'] });
  const kubeletClient = await issueCertificate(ca, { commonName: 'kube-apiserver-kubelet-client', client: true });
  echo = createTcpServer((s) => s.on('data', (d) => s.write(Buffer.concat([Buffer.from('echo:'), d])))).listen(0, '127.0.0.1');
  await new Promise((r) => echo.once('listening', r));
  echoPort = (echo.address() as any).port;
  pods.p = mkPod('p');
  pods.waiting = mkPod('waiting', { status: { containerStatuses: [{ name: 'c', restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } } }] } });
  pods.unscheduled = mkPod('unscheduled', { spec: { nodeName: undefined } });
  pods.done = mkPod('done', { status: { phase: 'Succeeded' } });
  pods.two = mkPod('two', { spec: { containers: [{ name: 'a' }, { name: 'b' }] } });
  const kubelet = new KubeletServer({
    cri: { runtime: { attach: async () => { throw new Error('no attach'); }, listContainerStats: async () => ({ stats: [] }), listPodSandboxStats: async () => ({ stats: [] }) } as any },
    podByName: (_ns, name) => pods[name],
    logDir: (_p, c) => join(dir, c),
    tls: { certPem: kubeletServing.certPem, keyPem: kubeletServing.keyPem, clientCaPem: ca.certPem },
    logger: log,
    nodeName: 'n1',
    execStarter: async (req) => spawnProcess(req.command, req),
  });
  await kubelet.listen(0, ac.signal, '127.0.0.1');
  kubeletPort = kubelet.port!;
  const proxy = createNodeProxy({
    getPod: async (_ns, name) => pods[name],
    getNode: async (name) => (name === 'n1' ? { apiVersion: 'v1', kind: 'Node', metadata: { name }, status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: kubeletPort } } } } : undefined),
    tls: { caPem: ca.certPem, certPem: kubeletClient.certPem, keyPem: kubeletClient.keyPem },
    logger: log,
  });
  // A stand-in for the API server's dispatch: request info, then the proxy.
  api = createHttpsServer({ cert: apiServing.certPem, key: apiServing.keyPem }, (req, res) => {
    const url = new URL(req.url!, 'https://x');
    const ri = parseRequestInfo(req.method!, url.pathname, url.searchParams);
    const r = { req, res, warnings: [] };
    proxy.handleRequest(r, ri, url.searchParams, { signal: new AbortController().signal } as any).catch((err) => sendStatus(r, err));
  });
  api.on('upgrade', createUpgradeHandler({
    proxy,
    authenticate: async (req) => (req.headers['x-anonymous'] ? null : { username: 'admin', groups: ['system:masters'] }),
    authorize: async (user) => ({ allowed: user.username === 'admin' }),
    logger: log,
  }));
  await new Promise<void>((r) => api.listen(0, '127.0.0.1', r));
  apiPort = (api.address() as any).port;
});

after(() => {
  ac.abort();
  api.close();
  api.closeAllConnections();
  echo.close();
  rmSync(dir, { recursive: true, force: true });
});

function get(path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: apiPort, path, ca: caPem }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('kubelet paths: log params pass, exec flags take the kubelet names', () => {
  const p = mkPod('p');
  assert.equal(podStreamPath(p, 'log', new URLSearchParams('container=c&follow=true&tailLines=3&pretty=1')).path, '/containerLogs/default/p/c?follow=true&tailLines=3');
  assert.equal(podStreamPath(p, 'exec', new URLSearchParams('command=ls&command=/&stdin=true&stdout=true&tty=true')).path, '/exec/default/p/c?command=ls&command=%2F&input=1&output=1&tty=1');
  assert.equal(podStreamPath(p, 'portforward', new URLSearchParams('ports=80')).path, '/portForward/default/p?ports=80');
});

test('pods/log is piped from the kubelet', async () => {
  const r = await get('/api/v1/namespaces/default/pods/p/log?container=c');
  assert.equal(r.status, 200);
  assert.equal(r.body, 'hello from c\n');
});

test('upstream errors: waiting container, no node, several containers, missing pod', async () => {
  const w = await get('/api/v1/namespaces/default/pods/waiting/log');
  assert.equal(w.status, 400);
  assert.equal(JSON.parse(w.body).message, 'container "c" in pod "waiting" is waiting to start: ContainerCreating');
  const u = await get('/api/v1/namespaces/default/pods/unscheduled/log');
  assert.equal(JSON.parse(u.body).message, 'pod unscheduled does not have a host assigned');
  const t = await get('/api/v1/namespaces/default/pods/two/log');
  assert.equal(JSON.parse(t.body).message, 'a container name must be specified for pod two, choose one of: [a b]');
  assert.equal((await get('/api/v1/namespaces/default/pods/nope/log')).status, 404);
});

test('exec over WebSocket v5 through the API server', async () => {
  const ws = new WebSocket(`wss://127.0.0.1:${apiPort}/api/v1/namespaces/default/pods/p/exec?command=sh&command=-c&command=echo%20via-api%3B%20exit%205&container=c&stdout=true&stderr=true`, ['v5.channel.k8s.io'], { ca: caPem });
  const { byChannel } = await collectChannels(ws);
  assert.equal(byChannel.get(1)?.toString(), 'via-api\n');
  assert.deepEqual(JSON.parse(byChannel.get(3)!.toString()).details.causes, [{ reason: 'ExitCode', message: '5' }]);
});

test('exec into a completed pod is refused with a non-101 (kubectl then reports it)', async () => {
  const ws = new WebSocket(`wss://127.0.0.1:${apiPort}/api/v1/namespaces/default/pods/done/exec?command=true&stdout=true`, ['v5.channel.k8s.io'], { ca: caPem });
  const code = await new Promise<number>((resolve) => ws.once('unexpected-response', (_q, res) => resolve(res.statusCode!)));
  assert.equal(code, 400);
});

test('port-forward over SPDY through the API server', async () => {
  const up = await spdyUpgrade({ host: '127.0.0.1', port: apiPort, ca: caPem }, 'POST', '/api/v1/namespaces/default/pods/p/portforward', 'portforward.k8s.io');
  assert.match(up.statusLine, / 101 /);
  up.session.openStream({ streamtype: 'error', port: String(echoPort), requestid: '0' }).end();
  const data = up.session.openStream({ streamtype: 'data', port: String(echoPort), requestid: '0' });
  const got = new Promise<string>((resolve) => data.once('data', (d: Buffer) => resolve(d.toString())));
  data.write('abc');
  assert.equal(await got, 'echo:abc');
  up.session.close();
});

test('nodes/proxy reaches the kubelet API', async () => {
  const r = await get('/api/v1/nodes/n1/proxy/healthz');
  assert.equal(r.status, 200);
  assert.equal(r.body, 'ok');
});

test('upgrades need an authenticated user and a stream path', async () => {
  const status = (url: string, headers: Record<string, string> = {}) => new Promise<number>((resolve) => {
    const ws = new WebSocket(url, ['v5.channel.k8s.io'], { ca: caPem, headers });
    ws.once('unexpected-response', (_q, res) => resolve(res.statusCode!));
    ws.once('open', () => resolve(101));
  });
  assert.equal(await status(`wss://127.0.0.1:${apiPort}/api/v1/namespaces/default/pods/p/exec?command=true&stdout=true`, { 'x-anonymous': '1' }), 401);
  assert.equal(await status(`wss://127.0.0.1:${apiPort}/api/v1/namespaces/default/configmaps/x`), 404);
});
