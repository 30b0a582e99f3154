// The kubelet's HTTPS API (:10250): container logs, exec, attach, port-forward and stats for the
// pods of this node. Owns the listening socket and the streaming protocols; it never changes a
// pod or a container — reads the pod from the kubelet's cache and asks the runtime to stream.
// Only the API server may call it: a client certificate from the cluster CA with the CN
// kube-apiserver-kubelet-client.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import { connect as netConnect, type Socket } from 'node:net';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import WebSocket, { WebSocketServer } from 'ws';
import type { RuntimeService } from '../cri/types.js';
import { CHANNEL_PROTOCOLS, SPDY_PORTFORWARD_OVER_WS, pickProtocol } from './channel-protocol.js';
import { findContainer, specHasContainer, type PodLike } from './container-ref.js';
import { BadLogOptions, parseLogOptions, streamLog } from './cri-log.js';
import { collectExecStreams, expectedStreamCount, serveExecSpdy } from './exec-spdy.js';
import { serveExecWebSocket } from './exec-websocket.js';
import { servePortForwardChannels, servePortForwardSpdy, type Dialer } from './portforward.js';
import { criStreamingProcess, ctrExecStarter, type ProcessRequest, type ProcessStarter, type RemoteProcess } from './remote-process.js';
import { SpdySession } from './spdy/session.js';
import { CpuRateTracker, buildPodSummaries, hostSummary, type Summary } from './stats-summary.js';

export const KUBELET_CLIENT_CN = 'kube-apiserver-kubelet-client';
/** `ws` only accepts RFC 7230 tokens as subprotocols; this alias stands in for the SPDY tunnel's name. */
const SPDY_WS_ALIAS = 'spdy-3.1.portforward.k8s.io';

export interface KubeletServerDeps {
  cri: { runtime: Pick<RuntimeService, 'attach' | 'listContainerStats' | 'listPodSandboxStats'> & Partial<Pick<RuntimeService, 'exec' | 'containerStatus'>> };
  podByName(namespace: string, name: string): PodLike | undefined;
  /** Directory holding `<restartCount>.log` of one container (upstream: /var/log/pods/<ns>_<pod>_<uid>/<container>). */
  logDir(pod: PodLike, container: string): string;
  tls: { certPem: string; keyPem: string; clientCaPem: string };
  logger: Logger;
  nodeName: string;
  /** containerd's socket, for `ctr task exec` (the default exec path). */
  containerdAddress?: string;
  execStarter?: ProcessStarter;
  attachStarter?: ProcessStarter;
  /** Connects to a pod's port (default: the pod IP, or loopback for hostNetwork pods). */
  dial?(pod: PodLike, port: number): Promise<Socket>;
  allowedClientCNs?: string[];
}

class HttpError extends Error {
  constructor(readonly code: number, message: string, readonly reason = code === 404 ? 'NotFound' : code === 403 ? 'Forbidden' : 'BadRequest') {
    super(message);
  }
}

function truthy(q: URLSearchParams, ...names: string[]): boolean {
  return names.some((n) => q.get(n) === 'true' || q.get(n) === '1');
}

function statusBody(code: number, reason: string, message: string): string {
  return JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code });
}

export class KubeletServer {
  private readonly wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, handleProtocols: (p) => this.chooseWsProtocol(p) });
  private readonly tracker = new CpuRateTracker();
  private readonly execStarter: ProcessStarter;
  private readonly attachStarter: ProcessStarter;
  private server: Server | undefined;
  private readonly live = new Set<Duplex>();
  /** Sockets already answered with 101: errors there close the socket instead of writing HTTP. */
  private readonly upgraded = new WeakSet<Duplex>();

  constructor(private readonly d: KubeletServerDeps) {
    const ctr = ctrExecStarter({ address: d.containerdAddress ?? '/run/containerd/containerd.sock' });
    // The runtime's own streaming endpoint: with a terminal it owns the pty (resizes work), and it
    // answers only once the output is copied (`ctr task exec` may exit under load before reading a
    // short-lived process's output). Without a terminal but with stdin, `ctr task exec`, whose pipes
    // carry the end of stdin that WebSocket v4 cannot express (see docs/known-issues.md).
    const exec = d.cri.runtime.exec?.bind(d.cri.runtime);
    this.execStarter = d.execStarter ?? (async (req) => {
      if (!exec || (!req.tty && req.stdin)) return ctr(req);
      const { url } = await exec({ container_id: req.containerId, cmd: req.command, tty: req.tty, stdin: req.stdin, stdout: req.stdout, stderr: req.stderr && !req.tty });
      return criStreamingProcess(url, req);
    });
    this.attachStarter = d.attachStarter ?? (async (req) => {
      const { url } = await d.cri.runtime.attach({ container_id: req.containerId, stdin: req.stdin, tty: req.tty, stdout: req.stdout, stderr: req.stderr });
      return criStreamingProcess(url, req);
    });
    this.wss.on('headers', (headers: string[]) => {
      for (let i = 0; i < headers.length; i++) {
        if (headers[i] === `Sec-WebSocket-Protocol: ${SPDY_WS_ALIAS}`) headers[i] = `Sec-WebSocket-Protocol: ${SPDY_PORTFORWARD_OVER_WS}`;
      }
    });
  }

  get port(): number | undefined {
    const a = this.server?.address();
    return a && typeof a === 'object' ? a.port : undefined;
  }

  /** Listens on port (0: any) until the signal aborts; resolves once bound. */
  async listen(port: number, signal: AbortSignal, host?: string): Promise<void> {
    const server = createServer({
      cert: this.d.tls.certPem,
      key: this.d.tls.keyPem,
      ca: this.d.tls.clientCaPem,
      requestCert: true,
      rejectUnauthorized: true,
      requestTimeout: 0,
    });
    server.on('request', (req, res) => void this.onRequest(req, res));
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => void this.onUpgrade(req, socket, head));
    server.on('tlsClientError', () => undefined);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    this.server = server;
    const warm = setInterval(() => void this.summary().catch(() => undefined), 10_000);
    warm.unref();
    signal.addEventListener('abort', () => {
      clearInterval(warm);
      server.close();
      server.closeAllConnections();
      for (const s of this.live) s.destroy();
      this.wss.close();
    }, { once: true });
  }

  private authorized(req: IncomingMessage): boolean {
    const sock = req.socket as TLSSocket;
    if (!sock.authorized) return false;
    const cn = sock.getPeerCertificate()?.subject?.CN;
    const allowed = this.d.allowedClientCNs ?? [KUBELET_CLIENT_CN];
    return typeof cn === 'string' && allowed.includes(cn);
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://kubelet');
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    try {
      if (!this.authorized(req)) throw new HttpError(403, `Forbidden (user=${(req.socket as TLSSocket).getPeerCertificate?.()?.subject?.CN ?? 'anonymous'}, verb=${req.method?.toLowerCase()}, path=${url.pathname})`);
      if (url.pathname === '/healthz') {
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
        return;
      }
      if (parts[0] === 'containerLogs' && req.method === 'GET') return await this.containerLogs(req, res, parts, url.searchParams);
      if (parts[0] === 'stats' && parts[1] === 'summary') {
        const body = JSON.stringify(await this.summary());
        res.writeHead(200, { 'content-type': 'application/json' }).end(body);
        return;
      }
      if (parts[0] === 'exec' || parts[0] === 'attach' || parts[0] === 'portForward') throw new HttpError(400, 'Upgrade request required');
      throw new HttpError(404, '404 page not found');
    } catch (err) {
      this.fail(res, err);
    }
  }

  private fail(res: ServerResponse, err: unknown): void {
    const e = err instanceof HttpError ? err : new HttpError(500, (err as Error)?.message ?? String(err), 'InternalError');
    if (e.code >= 500) this.d.logger.warn({ err }, 'kubelet API request failed');
    if (res.headersSent) {
      res.end();
      return;
    }
    res.writeHead(e.code, { 'content-type': 'application/json' }).end(statusBody(e.code, e.reason, e.message));
  }

  private pod(ns: string | undefined, name: string | undefined): PodLike {
    const pod = ns && name ? this.d.podByName(ns, name) : undefined;
    if (!pod) throw new HttpError(404, `pod "${name}" does not exist`);
    return pod;
  }

  private async containerLogs(req: IncomingMessage, res: ServerResponse, parts: string[], q: URLSearchParams): Promise<void> {
    const [, ns, podName, containerName] = parts;
    const pod = this.pod(ns, podName);
    const name = containerName ?? q.get('container') ?? pod.spec?.containers?.[0]?.name;
    if (!name || !specHasContainer(pod, name)) throw new HttpError(400, `container ${name} is not valid for pod ${podName}`);
    let opts;
    try {
      opts = parseLogOptions(q, Date.now());
    } catch (err) {
      if (err instanceof BadLogOptions) throw new HttpError(400, err.message);
      throw err;
    }
    const ref = findContainer(pod, name)!;
    let n = ref.restartCount;
    if (opts.previous) {
      if (n === 0) throw new HttpError(400, `previous terminated container "${name}" in pod "${podName}" not found`);
      n -= 1;
    } else if (!ref.containerId) throw new HttpError(400, `container "${name}" in pod "${podName}" is waiting to start: ${ref.waitingReason ?? 'ContainerCreating'}`);
    const path = (await this.runtimeLogPath(opts.previous ? ref.lastContainerId : ref.containerId)) ?? join(this.d.logDir(pod, name), `${n}.log`);
    const ac = new AbortController();
    res.on('close', () => ac.abort());
    res.writeHead(200, { 'content-type': 'text/plain', 'transfer-encoding': 'chunked' });
    res.flushHeaders();
    const followId = ref.containerId;
    await streamLog({
      path,
      opts: opts.previous ? { ...opts, follow: false } : opts,
      sink: { write: (b) => res.write(b) },
      stillRunning: async () => {
        const cur = this.d.podByName(ns!, podName!);
        const c = cur && findContainer(cur, name);
        return !!c && c.containerId === followId && c.running;
      },
      signal: ac.signal,
    });
    res.end();
  }

  /** The log file the runtime reports for a container instance (absolute), if it still knows it. */
  private async runtimeLogPath(containerId: string | undefined): Promise<string | undefined> {
    const status = this.d.cri.runtime.containerStatus;
    if (!containerId || !status) return undefined;
    try {
      const p = (await status.call(this.d.cri.runtime, { container_id: containerId }, 5_000)).status?.log_path;
      return p && p.startsWith('/') ? p : undefined;
    } catch {
      return undefined;
    }
  }

  async summary(): Promise<Summary> {
    const first = !this.sampled;
    const take = async () => {
      const [sandboxes, containers] = await Promise.all([
        this.d.cri.runtime.listPodSandboxStats({}).then((r) => r.stats, () => undefined),
        this.d.cri.runtime.listContainerStats({}).then((r) => r.stats, () => []),
      ]);
      return { pods: buildPodSummaries(sandboxes, containers, this.tracker), host: hostSummary(this.tracker) };
    };
    let s = await take();
    if (first) {
      // Rates need two samples; the first request waits for the second.
      await new Promise((r) => setTimeout(r, 250));
      s = await take();
    }
    this.sampled = true;
    return { node: { nodeName: this.d.nodeName, cpu: s.host.cpu, memory: s.host.memory }, pods: s.pods };
  }
  private sampled = false;

  private chooseWsProtocol(offered: Set<string>): string | false {
    if (offered.has(SPDY_WS_ALIAS)) return SPDY_WS_ALIAS;
    return pickProtocol(offered, CHANNEL_PROTOCOLS) ?? false;
  }

  private rejectUpgrade(socket: Duplex, err: unknown): void {
    const e = err instanceof HttpError ? err : new HttpError(500, (err as Error)?.message ?? String(err), 'InternalError');
    const body = statusBody(e.code, e.reason, e.message);
    const text = e.code === 400 ? 'Bad Request' : e.code === 403 ? 'Forbidden' : e.code === 404 ? 'Not Found' : 'Internal Server Error';
    socket.end(`HTTP/1.1 ${e.code} ${text}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  }

  private async onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    this.live.add(socket);
    socket.once('close', () => this.live.delete(socket));
    socket.on('error', () => undefined);
    const url = new URL(req.url ?? '/', 'https://kubelet');
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const q = url.searchParams;
    try {
      if (!this.authorized(req)) throw new HttpError(403, 'Forbidden');
      const kind = parts[0];
      const upgrade = String(req.headers.upgrade ?? '').toLowerCase();
      const isWs = upgrade === 'websocket';
      const isSpdy = upgrade.startsWith('spdy/3.1');
      if (!isWs && !isSpdy) throw new HttpError(400, `unsupported upgrade ${upgrade}`);
      const pod = this.pod(parts[1], parts[2]);
      if (kind === 'portForward') {
        const dial: Dialer = (port) => (this.d.dial ?? defaultDial)(pod, port);
        if (isWs) {
          const offered = String(req.headers['sec-websocket-protocol'] ?? '').split(',').map((s) => s.trim());
          if (offered.includes(SPDY_PORTFORWARD_OVER_WS)) req.headers['sec-websocket-protocol'] = SPDY_WS_ALIAS;
          const ws = await this.acceptWs(req, socket, head);
          if (ws.protocol === SPDY_WS_ALIAS) {
            const session = new SpdySession({ write: (b) => ws.readyState === WebSocket.OPEN && ws.send(b), end: () => ws.close(1000) }, 'server');
            ws.on('message', (d: Buffer) => session.receive(d));
            ws.on('close', () => session.transportClosed());
            ws.on('error', () => undefined);
            servePortForwardSpdy(session, dial);
          } else {
            const ports = q.getAll('ports').flatMap((p) => p.split(',')).map(Number).filter((p) => p > 0 && p < 65536);
            await servePortForwardChannels(ws, ports, dial);
          }
          return;
        }
        const session = this.acceptSpdy(socket, head, req, 'portforward.k8s.io');
        servePortForwardSpdy(session, dial);
        return;
      }
      if (kind !== 'exec' && kind !== 'attach') throw new HttpError(404, '404 page not found');
      // Upstream's paths: /{kind}/{ns}/{pod}/{container} or /{kind}/{ns}/{pod}/{uid}/{container}.
      const containerName = parts.length >= 5 ? parts[4] : parts[3] ?? q.get('container') ?? undefined;
      if (!containerName || !specHasContainer(pod, containerName)) throw new HttpError(400, `container ${containerName} is not valid for pod ${parts[2]}`);
      const ref = findContainer(pod, containerName)!;
      if (!ref.running || !ref.containerId) throw new HttpError(400, `container not found ("${containerName}")`);
      const command = q.getAll('command');
      const preq: ProcessRequest = {
        containerId: ref.containerId,
        command,
        tty: truthy(q, 'tty'),
        stdin: truthy(q, 'stdin', 'input'),
        stdout: truthy(q, 'stdout', 'output'),
        stderr: truthy(q, 'stderr', 'error'),
      };
      if (kind === 'exec' && !command.length) throw new HttpError(400, 'you must specify at least 1 command');
      if (!preq.stdin && !preq.stdout && !preq.stderr) throw new HttpError(400, 'you must specify at least 1 of stdin, stdout, stderr');
      const start = kind === 'exec' ? this.execStarter : this.attachStarter;
      if (isWs) {
        const ws = await this.acceptWs(req, socket, head);
        // The client may send stdin and a resize at once; hold them while the process starts.
        const early: Buffer[] = [];
        const hold = (d: Buffer, isBinary: boolean) => isBinary && early.push(d);
        ws.on('message', hold);
        let proc: RemoteProcess;
        try {
          proc = await start(preq);
        } catch (err) {
          ws.send(Buffer.concat([Buffer.from([3]), Buffer.from(JSON.stringify({ metadata: {}, status: 'Failure', message: (err as Error).message }))]));
          ws.close(1000);
          return;
        }
        ws.off('message', hold);
        await serveExecWebSocket(ws, ws.protocol, proc, command, early);
        return;
      }
      const offered = String(req.headers['x-stream-protocol-version'] ?? '').split(',').map((s) => s.trim());
      if (!offered.includes('v4.channel.k8s.io')) throw new HttpError(403, `unable to upgrade: unable to negotiate protocol: client supports ${offered.join(', ')}, server supports v4.channel.k8s.io`);
      const session = this.acceptSpdy(socket, head, req, 'v4.channel.k8s.io');
      const streams = await collectExecStreams(session, expectedStreamCount(preq));
      let proc: RemoteProcess;
      try {
        proc = await start(preq);
      } catch (err) {
        streams.error.end(JSON.stringify({ metadata: {}, status: 'Failure', message: (err as Error).message }));
        setTimeout(() => session.close(), 50);
        return;
      }
      await serveExecSpdy(session, streams, proc, command);
    } catch (err) {
      if (socket.writable && !this.upgraded.has(socket)) this.rejectUpgrade(socket, err);
      else socket.destroy();
    }
  }

  private acceptWs(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<WebSocket> {
    return new Promise((resolve, reject) => {
      const offered = String(req.headers['sec-websocket-protocol'] ?? '').split(',').map((s) => s.trim());
      if (!this.chooseWsProtocol(new Set(offered))) {
        reject(new HttpError(400, `unable to upgrade: no supported subprotocol in ${offered.join(', ')}`));
        return;
      }
      this.upgraded.add(socket);
      this.wss.handleUpgrade(req, socket, head, (ws) => resolve(ws));
    });
  }

  private acceptSpdy(socket: Duplex, head: Buffer, _req: IncomingMessage, protocol: string): SpdySession {
    this.upgraded.add(socket);
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: ${protocol}\r\n\r\n`);
    const session = new SpdySession({ write: (b) => socket.writable && socket.write(b), end: () => socket.end() }, 'server');
    socket.on('data', (d: Buffer) => session.receive(d));
    socket.once('close', () => session.transportClosed());
    if (head.length) session.receive(head);
    return session;
  }
}

function defaultDial(pod: PodLike, port: number): Promise<Socket> {
  const host = pod.spec?.hostNetwork ? '127.0.0.1' : pod.status?.podIP;
  if (!host) return Promise.reject(new Error('pod has no IP address'));
  return new Promise((resolve, reject) => {
    const s = netConnect({ host, port });
    s.once('connect', () => {
      s.off('error', reject);
      resolve(s);
    });
    s.once('error', reject);
  });
}
