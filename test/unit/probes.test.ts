import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import pino from 'pino';
import { accountResult, firstProbeDelayMs, freshState, httpStatusResult, initialResult, probeTiming, shouldProbe } from '../../src/kubelet/probes/accounting.js';
import { decodeHealthCheckResponse, encodeHealthCheckRequest } from '../../src/kubelet/probes/grpc-health.js';
import { resolvePort, runExecProbe, runGrpcProbe, runHttpProbe, runTcpProbe } from '../../src/kubelet/probes/prober.js';
import { ProbeManager, runningContainerIds } from '../../src/kubelet/probes/probe-manager.js';
import type { ExecRuntime, ProbedPod } from '../../src/kubelet/probes/types.js';
import type { CriClient } from '../../src/kubelet/cri/cri-client.js';
import type { StatsRuntime } from '../../src/kubelet/stats/stats-provider.js';

// The real CRI client satisfies the narrow interfaces the prober and stats use.
export const criFitsProber = (c: CriClient): ExecRuntime & StatsRuntime => c;

const logger = pino({ level: 'silent' });
const clock = { now: () => new Date() };

test('probe timing defaults and initial results', () => {
  assert.deepEqual(probeTiming({}), { initialDelaySeconds: 0, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 });
  assert.equal(probeTiming({ periodSeconds: 2, failureThreshold: 1 }).failureThreshold, 1);
  assert.equal(initialResult('readiness'), 'Failure');
  assert.equal(initialResult('liveness'), 'Success');
  assert.equal(initialResult('startup'), 'Unknown');
  assert.equal(firstProbeDelayMs(1000, 1500, probeTiming({ initialDelaySeconds: 2 })), 1500);
  assert.equal(firstProbeDelayMs(1000, 9000, probeTiming({ initialDelaySeconds: 2 })), 0);
  assert.equal(httpStatusResult(200), 'Success');
  assert.equal(httpStatusResult(302), 'Success');
  assert.equal(httpStatusResult(399), 'Success');
  assert.equal(httpStatusResult(404), 'Failure');
  assert.equal(httpStatusResult(500), 'Failure');
});

test('readiness accounting: successThreshold and failureThreshold count consecutive results', () => {
  const t = probeTiming({ successThreshold: 2, failureThreshold: 3 });
  let s = freshState('readiness');
  let r = accountResult(s, 'Success', 'readiness', t);
  assert.equal(r.state.result, 'Failure', 'one success is not enough');
  assert.equal(r.changed, false);
  r = accountResult(r.state, 'Success', 'readiness', t);
  assert.equal(r.state.result, 'Success');
  assert.equal(r.changed, true);
  s = r.state;
  r = accountResult(s, 'Failure', 'readiness', t);
  r = accountResult(r.state, 'Failure', 'readiness', t);
  assert.equal(r.state.result, 'Success', 'two failures < threshold 3');
  r = accountResult(r.state, 'Success', 'readiness', t); // resets the failure run
  r = accountResult(r.state, 'Failure', 'readiness', t);
  r = accountResult(r.state, 'Failure', 'readiness', t);
  assert.equal(r.state.result, 'Success');
  r = accountResult(r.state, 'Failure', 'readiness', t);
  assert.equal(r.state.result, 'Failure');
  assert.equal(r.changed, true);
  assert.equal(r.failed, false, 'readiness failure never restarts');
  assert.equal(r.state.onHold, false);
  const u = accountResult(r.state, 'Unknown', 'readiness', t);
  assert.equal(u.state, r.state, 'Unknown attempts are ignored');
});

test('liveness accounting: failure threshold triggers a restart and holds the worker', () => {
  const t = probeTiming({ failureThreshold: 2 });
  let r = accountResult(freshState('liveness'), 'Failure', 'liveness', t);
  assert.equal(r.failed, false);
  assert.equal(r.state.result, 'Success');
  r = accountResult(r.state, 'Failure', 'liveness', t);
  assert.equal(r.failed, true);
  assert.equal(r.state.result, 'Failure');
  assert.equal(r.state.onHold, true);
  assert.equal(r.state.resultRun, 0);
  assert.equal(shouldProbe('liveness', r.state, { started: true, terminating: false }), false);
});

test('startup gates liveness and readiness; startup stops after success; terminating stops liveness', () => {
  const s = freshState('startup');
  assert.equal(shouldProbe('startup', s, { started: false, terminating: false }), true);
  assert.equal(shouldProbe('startup', s, { started: true, terminating: false }), false);
  assert.equal(shouldProbe('liveness', freshState('liveness'), { started: false, terminating: false }), false);
  assert.equal(shouldProbe('readiness', freshState('readiness'), { started: false, terminating: false }), false);
  assert.equal(shouldProbe('readiness', freshState('readiness'), { started: true, terminating: true }), true);
  assert.equal(shouldProbe('liveness', freshState('liveness'), { started: true, terminating: true }), false);
});

test('grpc health messages encode and decode', () => {
  assert.equal(encodeHealthCheckRequest('').length, 0);
  assert.deepEqual([...encodeHealthCheckRequest('ab')], [0x0a, 2, 0x61, 0x62]);
  assert.equal(decodeHealthCheckResponse(Buffer.from([0x08, 0x01])), 1);
  assert.equal(decodeHealthCheckResponse(Buffer.from([0x12, 0x01, 0x00, 0x08, 0x02])), 2, 'unknown fields skipped');
  assert.equal(decodeHealthCheckResponse(Buffer.alloc(0)), 0);
});

test('named ports resolve through the container', () => {
  const c = { name: 'c', ports: [{ name: 'http', containerPort: 8080 }] };
  assert.equal(resolvePort('http', c), 8080);
  assert.equal(resolvePort(81, c), 81);
  assert.equal(resolvePort('82', c), 82);
  assert.throws(() => resolvePort('nope', c), /couldn't find port/);
});

test('exec probe: exit code decides; timeouts fail; other runtime errors give no verdict', async () => {
  const calls: unknown[] = [];
  const cri = (impl: () => Promise<{ exit_code: number; stdout: Buffer; stderr: Buffer }>): ExecRuntime => ({ runtime: { execSync: async (req) => (calls.push(req), impl()) } });
  assert.equal((await runExecProbe(cri(async () => ({ exit_code: 0, stdout: Buffer.from('ok'), stderr: Buffer.alloc(0) })), 'cid', ['true'], 3)).result, 'Success');
  assert.deepEqual(calls[0], { container_id: 'cid', cmd: ['true'], timeout: 3 });
  const failed = await runExecProbe(cri(async () => ({ exit_code: 1, stdout: Buffer.from('bad'), stderr: Buffer.alloc(0) })), 'cid', ['false'], 1);
  assert.deepEqual(failed, { result: 'Failure', output: 'bad' });
  const timeout = Object.assign(new Error('context deadline exceeded'), { code: 4 });
  assert.equal((await runExecProbe(cri(async () => { throw timeout; }), 'cid', ['sleep'], 1)).result, 'Failure');
  assert.equal((await runExecProbe(cri(async () => { throw new Error('container not found'); }), 'cid', ['x'], 1)).result, 'Unknown');
});

async function withHttpServer(handler: http.RequestListener, fn: (port: number) => Promise<void>): Promise<void> {
  const server = http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    await fn((server.address() as AddressInfo).port);
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
}

test('httpGet probe: status ranges, path, headers, timeout, refused', async () => {
  const seen: http.IncomingHttpHeaders[] = [];
  await withHttpServer(
    (req, res) => {
      seen.push(req.headers);
      if (req.url === '/healthz') res.end('ok');
      else if (req.url === '/redirect') { res.statusCode = 302; res.setHeader('Location', '/elsewhere'); res.end(); }
      else if (req.url === '/slow') setTimeout(() => res.end('late'), 3000);
      else { res.statusCode = 500; res.end('boom'); }
    },
    async (port) => {
      const ok = await runHttpProbe('127.0.0.1', port, { path: '/healthz', port, httpHeaders: [{ name: 'X-Probe', value: 'yes' }] }, 1);
      assert.deepEqual(ok, { result: 'Success', output: 'ok' });
      assert.equal(seen[0]['user-agent'], 'kube-probe/1.32');
      assert.equal(seen[0]['x-probe'], 'yes');
      assert.equal((await runHttpProbe('127.0.0.1', port, { path: '/redirect', port }, 1)).result, 'Success');
      const bad = await runHttpProbe('127.0.0.1', port, { path: '/fail', port }, 1);
      assert.deepEqual(bad, { result: 'Failure', output: 'HTTP probe failed with statuscode: 500' });
      const slow = await runHttpProbe('127.0.0.1', port, { path: '/slow', port }, 1);
      assert.equal(slow.result, 'Failure');
      assert.match(slow.output, /deadline exceeded/);
    },
  );
  const refused = await runHttpProbe('127.0.0.1', 1, { port: 1 }, 1);
  assert.equal(refused.result, 'Failure');
  assert.match(refused.output, /ECONNREFUSED/);
});

test('tcpSocket probe: open and closed ports', async () => {
  const server = net.createServer((s) => s.destroy());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  try {
    assert.equal((await runTcpProbe('127.0.0.1', port, 1)).result, 'Success');
  } finally {
    await new Promise((r) => server.close(r));
  }
  assert.equal((await runTcpProbe('127.0.0.1', port, 1)).result, 'Failure');
});

test('grpc probe against a grpc.health.v1 server on loopback', async () => {
  const server = new grpc.Server();
  const statuses: Record<string, number> = { '': 1, sick: 2 };
  server.addService(
    {
      Check: {
        path: '/grpc.health.v1.Health/Check',
        requestStream: false,
        responseStream: false,
        requestSerialize: (v: string) => encodeHealthCheckRequest(v),
        // An object, not a string: grpc-js treats a falsy request ("") as no request at all.
        requestDeserialize: (b: Buffer) => ({ service: b.length ? b.subarray(2).toString() : '' }),
        responseSerialize: (v: number) => Buffer.from([0x08, v]),
        responseDeserialize: (b: Buffer) => decodeHealthCheckResponse(b),
      },
    },
    { Check: (call: grpc.ServerUnaryCall<{ service: string }, number>, cb: grpc.sendUnaryData<number>) => cb(null, statuses[call.request.service] ?? 3) },
  );
  const port = await new Promise<number>((res, rej) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))));
  try {
    const healthy = await runGrpcProbe('127.0.0.1', port, '', 2);
    assert.equal(healthy.result, 'Success', healthy.output);
    const sick = await runGrpcProbe('127.0.0.1', port, 'sick', 2);
    assert.equal(sick.result, 'Failure');
    assert.match(sick.output, /NOT_SERVING/);
  } finally {
    server.forceShutdown();
  }
  assert.equal((await runGrpcProbe('127.0.0.1', port, '', 1)).result, 'Failure');
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('ProbeManager: readiness starts false, becomes ready, liveness failure reported once then held', async () => {
  let live = true;
  const cri: ExecRuntime = {
    runtime: {
      execSync: async (req) => ({ exit_code: req.cmd[0] === 'live' && !live ? 1 : 0, stdout: Buffer.alloc(0), stderr: Buffer.alloc(0) }),
    },
  };
  const pm = new ProbeManager({ cri, clock, logger });
  const changes: string[] = [];
  const failures: string[] = [];
  const unhealthy: string[] = [];
  pm.onChange((uid) => changes.push(uid));
  pm.onLivenessFailure((uid, name, type) => failures.push(`${uid}/${name}/${type}`));
  pm.onUnhealthy((_uid, _name, _type, msg) => unhealthy.push(msg));
  const pod: ProbedPod = {
    metadata: { name: 'p', namespace: 'ns', uid: 'u1' },
    spec: {
      containers: [
        { name: 'app', readinessProbe: { exec: { command: ['ready'] }, periodSeconds: 1 }, livenessProbe: { exec: { command: ['live'] }, periodSeconds: 1, failureThreshold: 1 } },
        { name: 'plain' },
      ],
    },
  };
  pm.add(pod, '127.0.0.1', { app: 'c1', plain: 'c2' });
  assert.equal(pm.isReady('u1', 'app'), false, 'readiness starts false');
  assert.equal(pm.isReady('u1', 'plain'), true, 'no readiness probe: ready when running');
  assert.equal(pm.isStarted('u1', 'app'), true);
  for (let i = 0; i < 40 && !pm.isReady('u1', 'app'); i++) await sleep(25);
  assert.equal(pm.isReady('u1', 'app'), true);
  assert.ok(changes.includes('u1'));
  pm.add(pod, '127.0.0.1', { app: 'c1', plain: 'c2' });
  const before = changes.length;
  pm.add(pod, '127.0.0.1', { app: 'c1', plain: 'c2' });
  assert.equal(changes.length, before, 're-adding the same containers is quiet');

  live = false;
  for (let i = 0; i < 80 && failures.length === 0; i++) await sleep(25);
  assert.deepEqual(failures, ['u1/app/liveness']);
  assert.match(unhealthy[0], /^Liveness probe failed/);
  await sleep(1200);
  assert.equal(failures.length, 1, 'held until the container is replaced');

  live = true;
  pm.add(pod, '127.0.0.1', { app: 'c1-restarted', plain: 'c2' });
  assert.equal(pm.isReady('u1', 'app'), false, 'a new container starts unready');
  pm.add(pod, '127.0.0.1', { plain: 'c2' });
  assert.equal(pm.isReady('u1', 'app'), false, 'no running container: not ready');
  pm.remove('u1');
  assert.equal(pm.isReady('u1', 'plain'), false);
});

test('ProbeManager: startup probe gates readiness, then readiness runs at once', async () => {
  let startupOK = false;
  const cri: ExecRuntime = {
    runtime: { execSync: async (req) => ({ exit_code: req.cmd[0] === 'startup' && !startupOK ? 1 : 0, stdout: Buffer.alloc(0), stderr: Buffer.alloc(0) }) },
  };
  const pm = new ProbeManager({ cri, clock, logger });
  const pod: ProbedPod = {
    metadata: { name: 'p', namespace: 'ns', uid: 'u2' },
    spec: { containers: [{ name: 'app', startupProbe: { exec: { command: ['startup'] }, periodSeconds: 1, failureThreshold: 30 }, readinessProbe: { exec: { command: ['ready'] }, periodSeconds: 10 } }] },
  };
  pm.add(pod, '127.0.0.1', { app: 'c1' });
  await sleep(300);
  assert.equal(pm.isStarted('u2', 'app'), false);
  assert.equal(pm.isReady('u2', 'app'), false);
  startupOK = true;
  for (let i = 0; i < 80 && !pm.isReady('u2', 'app'); i++) await sleep(25);
  assert.equal(pm.isStarted('u2', 'app'), true);
  assert.equal(pm.isReady('u2', 'app'), true, 'readiness probed right after startup succeeded, not a period later');
  pm.stop();
});

test('ProbeManager.add(pod) alone reads podIP and running containers from the status', async () => {
  const cri: ExecRuntime = { runtime: { execSync: async () => ({ exit_code: 0, stdout: Buffer.alloc(0), stderr: Buffer.alloc(0) }) } };
  const pm = new ProbeManager({ cri, clock, logger });
  const pod: ProbedPod = {
    metadata: { name: 'p', namespace: 'ns', uid: 'u3' },
    spec: { containers: [{ name: 'app', readinessProbe: { exec: { command: ['ok'] }, periodSeconds: 1 } }, { name: 'done' }] },
    status: {
      podIP: '10.42.0.9',
      containerStatuses: [
        { name: 'app', containerID: 'containerd://abc', state: { running: { startedAt: new Date().toISOString() } } },
        { name: 'done', containerID: 'containerd://def', state: {} },
      ],
    },
  };
  assert.deepEqual(runningContainerIds(pod), { app: 'abc' });
  pm.add(pod);
  for (let i = 0; i < 40 && !pm.isReady('u3', 'app'); i++) await sleep(25);
  assert.equal(pm.isReady('u3', 'app'), true);
  assert.equal(pm.isReady('u3', 'done'), false, 'not running: not ready');
  pm.stop();
});
