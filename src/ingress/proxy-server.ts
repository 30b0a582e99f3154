// The ingress data path: an HTTP listener and an HTTPS listener on the node address. HTTPS
// terminates TLS with the certificate SNI selects, unless the SNI host is configured for
// ssl-passthrough, in which case the raw TCP stream is spliced to the backend. Requests are
// forwarded over a keep-alive pool; Upgrade requests (WebSocket) become raw byte pipes. The
// routing table is replaced whole (setTable); requests in flight keep the table they started with.
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { parseClientHello, MAX_CLIENT_HELLO } from './client-hello.js';
import { decide, EndpointRotation, passthroughBackend, selectCertificate, type Decision } from './decide.js';
import { backendRequestHeaders, clientResponseHeaders, rawRequestHead } from './headers.js';
import { emptyTable, type Endpoint, type RoutingTable } from './routing-table.js';

export interface IngressProxyOptions {
  address: string;
  httpPort: number;
  httpsPort: number;
  /** served when no TLS Secret matches the SNI name */
  defaultCertificate: { certPem: string; keyPem: string };
  /** the https port named in redirects (the LoadBalancer port); defaults to httpsPort */
  redirectHttpsPort?: number;
  logger: Logger;
}

const CONNECT_TIMEOUT_MS = 5_000;
const CLIENT_KEEPALIVE_MS = 60_000;
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']);

export class IngressProxy {
  private table: RoutingTable = emptyTable();
  private readonly rotation = new EndpointRotation();
  private readonly contexts = new Map<string, tls.SecureContext>();
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 64, timeout: 60_000 });
  private readonly httpServer: http.Server;
  private readonly httpsServer: https.Server;
  private readonly tlsListener: net.Server;
  private readonly sockets = new Set<Duplex>();
  private httpPort = 0;
  private httpsPort = 0;

  constructor(private readonly o: IngressProxyOptions) {
    this.httpServer = http.createServer({ keepAlive: true }, (req, res) => this.handle(req, res, 'http'));
    this.httpServer.on('upgrade', (req, socket, head) => this.upgrade(req, socket, head, 'http'));
    this.httpsServer = https.createServer(
      {
        key: o.defaultCertificate.keyPem,
        cert: o.defaultCertificate.certPem,
        SNICallback: (name, cb) => cb(null, this.contextFor(name)),
        ALPNProtocols: ['http/1.1'],
      },
      (req, res) => this.handle(req, res, 'https'),
    );
    this.httpsServer.on('upgrade', (req, socket, head) => this.upgrade(req, socket, head, 'https'));
    this.httpsServer.on('tlsClientError', () => undefined);
    // Idle client connections stay open about as long as ingress-nginx keeps them (75 s there).
    for (const s of [this.httpServer, this.httpsServer]) {
      s.keepAliveTimeout = CLIENT_KEEPALIVE_MS;
      s.headersTimeout = CLIENT_KEEPALIVE_MS + 5_000;
    }
    this.tlsListener = net.createServer((socket) => this.acceptTls(socket));
    for (const s of [this.httpServer, this.tlsListener]) {
      s.on('connection', (sock: net.Socket) => {
        this.sockets.add(sock);
        sock.once('close', () => this.sockets.delete(sock));
      });
    }
  }

  /** Replaces the routing table; TLS contexts of Secrets no longer used are dropped. */
  setTable(table: RoutingTable): void {
    this.table = table;
    const live = new Set<string>();
    for (const c of table.tls.exact.values()) live.add(c.id);
    for (const [, c] of table.tls.wildcard) live.add(c.id);
    if (table.tls.any) live.add(table.tls.any.id);
    for (const id of this.contexts.keys()) if (!live.has(id)) this.contexts.delete(id);
  }

  get ports(): { http: number; https: number } {
    return { http: this.httpPort, https: this.httpsPort };
  }

  /** Binds both listeners (port 0 picks a free port) and closes them when signal aborts. */
  async listen(signal: AbortSignal): Promise<void> {
    const bind = (s: net.Server, port: number) =>
      new Promise<number>((resolve, reject) => {
        s.once('error', reject);
        s.listen({ host: this.o.address, port }, () => {
          s.off('error', reject);
          resolve((s.address() as net.AddressInfo).port);
        });
      });
    this.httpPort = await bind(this.httpServer, this.o.httpPort);
    try {
      this.httpsPort = await bind(this.tlsListener, this.o.httpsPort);
    } catch (err) {
      this.httpServer.close();
      throw err;
    }
    signal.addEventListener('abort', () => void this.close(), { once: true });
  }

  async close(): Promise<void> {
    const closed = [this.httpServer, this.tlsListener].map((s) => new Promise<void>((r) => (s.listening ? s.close(() => r()) : r())));
    this.httpServer.closeIdleConnections();
    for (const s of this.sockets) s.destroy();
    this.agent.destroy();
    await Promise.all(closed);
  }

  private contextFor(servername: string): tls.SecureContext | undefined {
    const cert = selectCertificate(this.table.tls, servername);
    if (!cert) return undefined; // the server's default certificate
    let ctx = this.contexts.get(cert.id);
    if (!ctx) {
      try {
        ctx = tls.createSecureContext({ cert: cert.certPem, key: cert.keyPem });
      } catch (err) {
        this.o.logger.warn({ err, secret: cert.id }, 'TLS secret does not hold a usable key pair; serving the default certificate');
        return undefined;
      }
      this.contexts.set(cert.id, ctx);
    }
    return ctx;
  }

  /** The https listener: peek at the ClientHello only when some host is passed through. */
  private acceptTls(socket: net.Socket): void {
    socket.on('error', () => undefined);
    if (this.table.passthrough.size === 0) {
      this.httpsServer.emit('connection', socket);
      return;
    }
    let buf: Buffer = Buffer.alloc(0);
    const timer = setTimeout(() => socket.destroy(), CONNECT_TIMEOUT_MS);
    socket.once('close', () => clearTimeout(timer));
    const onData = (chunk: Buffer) => {
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      const hello = parseClientHello(buf);
      if (hello.kind === 'incomplete' && buf.length < MAX_CLIENT_HELLO) return;
      clearTimeout(timer);
      socket.off('data', onData);
      socket.pause();
      const backend = hello.kind === 'hello' ? passthroughBackend(this.table, hello.serverName) : undefined;
      if (!backend) {
        socket.unshift(buf);
        this.httpsServer.emit('connection', socket);
        return;
      }
      this.splice(socket, buf, this.rotation.order(backend), 0);
    };
    socket.on('data', onData);
  }

  /**
   * Raw TCP to the first endpoint that accepts the connection, the peeked bytes first; when none
   * does, `refusal` (if any) is the last thing the client gets.
   */
  private splice(client: Duplex, first: Buffer, eps: Endpoint[], i: number, refusal?: string): void {
    const ep = eps[i];
    if (!ep) {
      if (refusal) client.end(refusal);
      else client.destroy();
      return;
    }
    const upstream = net.connect({ host: ep.ip, port: ep.port, timeout: CONNECT_TIMEOUT_MS });
    let connected = false;
    // A side that closed after ending normally has handed its last bytes to the pipe, which ends
    // the other side in turn; only an abrupt close tears the other side down.
    const clientClosed = () => {
      if (!upstream.writableEnded) upstream.destroy();
    };
    client.once('close', clientClosed);
    upstream.once('timeout', () => upstream.destroy(new Error('connect timeout')));
    upstream.on('error', () => {
      if (connected) return void client.destroy();
      client.off('close', clientClosed);
      if (!client.destroyed) this.splice(client, first, eps, i + 1, refusal);
    });
    upstream.once('connect', () => {
      connected = true;
      upstream.setTimeout(0);
      upstream.setNoDelay(true);
      upstream.write(first);
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
      upstream.once('close', () => {
        if (!client.writableEnded) client.destroy();
      });
    });
  }

  private decideFor(req: http.IncomingMessage, scheme: 'http' | 'https'): Decision {
    return decide(this.table, { host: req.headers.host, url: req.url ?? '/', scheme }, this.o.redirectHttpsPort ?? this.httpsPort);
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse, scheme: 'http' | 'https'): void {
    const d = this.decideFor(req, scheme);
    if (d.kind === 'notFound') return plain(res, 404, 'default backend - 404\n');
    if (d.kind === 'redirect') {
      res.writeHead(d.status, { location: d.location, 'content-length': 0 });
      res.end();
      return;
    }
    if (!d.backend.endpoints.length) return plain(res, 503, '503 Service Temporarily Unavailable\n');
    const client = { remoteAddress: req.socket.remoteAddress, scheme, port: scheme === 'http' ? this.httpPort : this.httpsPort };
    this.forward(req, res, d.path, backendRequestHeaders(req.headers, client), this.rotation.order(d.backend), 0);
  }

  private forward(req: http.IncomingMessage, res: http.ServerResponse, path: string, headers: http.OutgoingHttpHeaders, eps: Endpoint[], i: number, staleRetried = false): void {
    const ep = eps[i]!;
    const preq = http.request({ host: ep.ip, port: ep.port, method: req.method, path, headers, agent: this.agent, timeout: CONNECT_TIMEOUT_MS });
    let bodyStarted = false;
    let responded = false;
    // The body flows only once a connection is up, so a refused connection can be retried.
    const startBody = () => {
      if (bodyStarted) return;
      bodyStarted = true;
      preq.setTimeout(0);
      req.pipe(preq);
    };
    preq.on('socket', (s: net.Socket) => (s.connecting ? s.once('connect', startBody) : startBody()));
    preq.on('timeout', () => preq.destroy(new Error('backend connect timeout')));
    preq.on('response', (pres) => {
      responded = true;
      res.writeHead(pres.statusCode ?? 502, pres.statusMessage, clientResponseHeaders(pres.headers));
      pres.pipe(res);
      pres.on('error', () => res.destroy());
    });
    preq.on('error', (err) => {
      if (responded || res.destroyed) return void res.destroy();
      req.unpipe(preq);
      // A refused connection moves on to the next endpoint; a pooled connection the backend had
      // already closed is retried once on the same endpoint when the request has no body.
      if (!bodyStarted && i + 1 < eps.length) return this.forward(req, res, path, headers, eps, i + 1);
      const bodyless = !req.headers['content-length'] && !req.headers['transfer-encoding'];
      if (bodyStarted && preq.reusedSocket && !staleRetried && bodyless && IDEMPOTENT.has(req.method ?? '')) {
        return this.forward(req, res, path, headers, eps, i, true);
      }
      this.o.logger.debug({ err, endpoint: `${ep.ip}:${ep.port}` }, 'backend request failed');
      if (!res.headersSent) plain(res, 502, '502 Bad Gateway\n');
      else res.destroy();
    });
    res.once('close', () => {
      if (!res.writableFinished) preq.destroy();
    });
  }

  private upgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer, scheme: 'http' | 'https'): void {
    socket.on('error', () => undefined);
    const d = this.decideFor(req, scheme);
    if (d.kind !== 'proxy' || !d.backend.endpoints.length) {
      const status = d.kind === 'redirect' ? `308 Permanent Redirect\r\nLocation: ${d.location}` : d.kind === 'notFound' ? '404 Not Found' : '503 Service Unavailable';
      socket.end(`HTTP/1.1 ${status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
      return;
    }
    const client = { remoteAddress: req.socket.remoteAddress, scheme, port: scheme === 'http' ? this.httpPort : this.httpsPort };
    const headBytes = Buffer.concat([Buffer.from(rawRequestHead(req.method ?? 'GET', d.path, backendRequestHeaders(req.headers, client, true)), 'latin1'), head]);
    this.splice(socket, headBytes, this.rotation.order(d.backend), 0, 'HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
  }
}

function plain(res: http.ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
