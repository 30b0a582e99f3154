// Routes pods/log, pods/exec, pods/attach, pods/portforward and nodes/proxy from the API server to
// the kubelet of the node concerned, over HTTPS with the API server's kubelet-client certificate.
// Plain requests are piped; upgrades (WebSocket, SPDY) are forwarded as raw bytes after the
// request line, so the kubelet does the protocol handshake. Never reads or changes stored objects
// beyond the pod and node lookups it is given; authentication and authorization happen before.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Duplex } from 'node:stream';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import { StatusError, errors } from '../../api/errors.js';
import type { RequestContext } from '../context.js';
import { toStatusError, type Reply } from '../http.js';
import type { RequestInfo } from '../request-info.js';
import { kubeletTarget, nodeProxyPath, podStreamPath, type KubeletLocation, type NodeLike, type PodLike, type RoutedRequest } from './kubelet-location.js';

export interface NodeProxyDeps {
  getPod(namespace: string, name: string): Promise<PodLike | undefined>;
  getNode(name: string): Promise<NodeLike | undefined>;
  /** caPem verifies the kubelet's serving certificate; without it the kubelet is not verified (upstream's default). */
  tls: { caPem?: string; certPem: string; keyPem: string };
  logger: Logger;
  connectTimeoutMs?: number;
}

export interface NodeProxy {
  handleRequest(r: Reply, ri: RequestInfo, query: URLSearchParams, ctx: RequestContext): Promise<void>;
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, ri: RequestInfo): void;
  /** Whether an upgrade request is one of ours (pods/exec|attach|portforward, nodes/proxy). */
  isStreamUpgrade(ri: RequestInfo): boolean;
}

const POD_STREAMS = new Set(['log', 'exec', 'attach', 'portforward']);
/** Request headers that belong to the client's hop or identity and never reach the kubelet. */
const DROP_HEADERS = new Set(['authorization', 'host', 'proxy-authorization', 'cookie', 'content-length', 'transfer-encoding', 'keep-alive', 'te', 'trailer']);

export function createNodeProxy(deps: NodeProxyDeps): NodeProxy {
  const tlsOpts = {
    cert: deps.tls.certPem,
    key: deps.tls.keyPem,
    ...(deps.tls.caPem ? { ca: deps.tls.caPem, rejectUnauthorized: true } : { rejectUnauthorized: false }),
    // Kubelet certificates name the node, not necessarily the address dialled.
    checkServerIdentity: () => undefined,
  };

  async function route(ri: RequestInfo, query: URLSearchParams): Promise<KubeletLocation & { kind: RoutedRequest['kind'] }> {
    const sub = ri.subresource.split('/')[0]!;
    let routed: RoutedRequest;
    if (ri.resource === 'pods' && POD_STREAMS.has(sub) && !ri.subresource.includes('/')) {
      const pod = await deps.getPod(ri.namespace, ri.name);
      if (!pod) throw errors.notFound('pods', '', ri.name);
      routed = podStreamPath(pod, sub as 'log', query);
    } else if (ri.resource === 'nodes' && sub === 'proxy') {
      routed = nodeProxyPath(ri.name, ri.subresource, query);
    } else {
      throw errors.notFound(ri.resource, '', `${ri.name}/${ri.subresource}`);
    }
    const node = await deps.getNode(routed.nodeName);
    if (!node) throw errors.notFound('nodes', '', routed.nodeName);
    return { ...kubeletTarget(node), path: routed.path, kind: routed.kind };
  }

  function isStreamUpgrade(ri: RequestInfo): boolean {
    const sub = ri.subresource.split('/')[0]!;
    return (ri.resource === 'pods' && (sub === 'exec' || sub === 'attach' || sub === 'portforward')) || (ri.resource === 'nodes' && sub === 'proxy');
  }

  async function handleRequest(r: Reply, ri: RequestInfo, query: URLSearchParams, ctx: RequestContext): Promise<void> {
    const loc = await route(ri, query);
    if (loc.kind === 'exec' || loc.kind === 'attach' || loc.kind === 'portforward') {
      throw errors.badRequest('Upgrade request required');
    }
    const method = r.req.method ?? 'GET';
    if (loc.kind === 'log' && method !== 'GET') throw errors.methodNotAllowed();
    await new Promise<void>((resolve, reject) => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(r.req.headers)) {
        if (k.startsWith(':') || DROP_HEADERS.has(k) || k.startsWith('impersonate-') || v === undefined) continue;
        headers[k] = Array.isArray(v) ? v.join(', ') : v;
      }
      const up = httpsRequest({ host: loc.host, port: loc.port, path: loc.path, method, headers, ...tlsOpts, timeout: deps.connectTimeoutMs ?? 10_000 }, (res) => {
        const res0 = r.res as ServerResponse;
        const out: Record<string, string> = { 'cache-control': 'no-cache, private' };
        const ct = res.headers['content-type'];
        if (ct) out['content-type'] = ct;
        res0.writeHead(res.statusCode ?? 502, out);
        // Streams such as `logs -f` must reach the client as soon as the kubelet writes them.
        (res0 as any).flushHeaders?.();
        res.on('data', (c: Buffer) => res0.write(c));
        res.once('end', () => {
          res0.end();
          resolve();
        });
        res.once('error', (err) => {
          res0.end();
          reject(err);
        });
      });
      up.once('timeout', () => up.destroy(new Error(`dial tcp ${loc.host}:${loc.port}: i/o timeout`)));
      up.once('error', (err) => reject(kubeletError(loc, err)));
      ctx.signal.addEventListener('abort', () => up.destroy(), { once: true });
      r.req.on('close', () => up.destroy());
      if (method === 'GET' || method === 'HEAD') up.end();
      else (r.req as NodeJS.ReadableStream).pipe(up);
      // Responses here are open-ended (follow); no idle socket timeout once connected.
      up.once('response', () => up.setTimeout(0));
    });
  }

  function handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, ri: RequestInfo): void {
    socket.on('error', () => undefined);
    const url = new URL(req.url ?? '/', 'https://localhost');
    void route(ri, url.searchParams)
      .then((loc) => forwardUpgrade(req, socket, head, loc))
      .catch((err) => writeStatus(socket, toStatusError(err)));
  }

  function forwardUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, loc: KubeletLocation): void {
    const up: TLSSocket = tlsConnect({ host: loc.host, port: loc.port, ALPNProtocols: ['http/1.1'], ...tlsOpts });
    const timer = setTimeout(() => up.destroy(new Error(`dial tcp ${loc.host}:${loc.port}: i/o timeout`)), deps.connectTimeoutMs ?? 10_000);
    let connected = false;
    up.once('secureConnect', () => {
      connected = true;
      clearTimeout(timer);
      const lines = [`${req.method ?? 'GET'} ${loc.path} HTTP/1.1`, `Host: ${loc.host}:${loc.port}`];
      for (let i = 0; i < req.rawHeaders.length; i += 2) {
        const k = req.rawHeaders[i]!;
        const lk = k.toLowerCase();
        if (DROP_HEADERS.has(lk) || lk.startsWith('impersonate-')) continue;
        lines.push(`${k}: ${req.rawHeaders[i + 1]}`);
      }
      if (req.method === 'POST' || req.method === 'PUT') lines.push('Content-Length: 0');
      up.write(lines.join('\r\n') + '\r\n\r\n');
      if (head.length) up.write(head);
      socket.pipe(up);
      up.pipe(socket);
    });
    up.once('error', (err) => {
      clearTimeout(timer);
      if (!connected) writeStatus(socket, kubeletError(loc, err));
      else socket.destroy();
    });
    // A kubelet that finished (exec's last output, then its status) ends the connection: the pipe
    // then ends the client's socket after what is still buffered for it. Destroying it here would
    // drop that tail whenever the client reads slower than the kubelet writes.
    up.once('close', () => {
      if (!up.readableEnded) socket.destroy();
    });
    socket.once('close', () => up.destroy());
  }

  return { handleRequest, handleUpgrade, isStreamUpgrade };
}

function kubeletError(loc: KubeletLocation, err: Error): StatusError {
  if (err instanceof StatusError) return err;
  return errors.internal(`error dialing backend: ${err.message} (kubelet ${loc.host}:${loc.port})`);
}

const REASON_TEXT: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 500: 'Internal Server Error' };

/** An error answer on a socket that has not been upgraded (any non-101 makes kubectl fall back or fail). */
export function writeStatus(socket: Duplex, se: StatusError): void {
  if (!socket.writable) return;
  const body = JSON.stringify(se.toStatus());
  socket.end(`HTTP/1.1 ${se.code} ${REASON_TEXT[se.code] ?? 'Error'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

