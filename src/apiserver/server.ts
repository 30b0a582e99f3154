// The API server: TLS listener (HTTP/2 and HTTP/1.1 on one port), authentication, routing to
// discovery, OpenAPI, health and resource handlers, and the per-resource storages with their
// watch caches. It owns the HTTP surface and the lifecycle of the storages; it never reconciles
// anything (controllers do that through this same API).
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { createServer as createHttp1Server, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttp2Server } from 'node:http2';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { errors, StatusError } from '../api/errors.js';
import type { ResourceInfo } from '../api/registry/types.js';
import type { Store } from '../store/types.js';
import { Authenticator } from './authn.js';
import type { ResourceCatalog } from './catalog.js';
import { aggregatedDiscovery, AGGREGATED_V2, AGGREGATED_V2BETA1, legacyApiVersions, legacyGroup, legacyGroupList, resourceList, wantsAggregated } from './discovery.js';
import type { RequestContext, UserInfo } from './context.js';
import { firstHeader, sendJson, sendStatus, type Reply, type Req, type Res } from './http.js';
import { contextFieldValidation, defaultManager, ResourceHandler } from './handlers/resource-handler.js';
import type { ApiMachinery } from './machinery.js';
import { parseRequestInfo, type RequestInfo } from './request-info.js';
import type { ResourceStorage } from './registry/resource-storage.js';
import { VersionedStorage } from './registry/versioned-storage.js';
import type { VersionConverter } from '../api/conversion/types.js';
import type { Metrics } from './metrics.js';
import type { OpenAPIService } from './openapi-service.js';
import { openAPIv2Protobuf } from '../api/schema/openapi-v2.js';
import type { Authorizer } from '../auth/types.js';
import { FairQueue, isExempt } from '../auth/flowcontrol/index.js';
import { AuditLogger, auditEventOf } from '../auth/audit/index.js';
import { attributesFor, authorizeOrThrow } from '../auth/authz/index.js';
import type { SchemaRegistry } from '../api/schema/registry.js';

export const SERVER_VERSION = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.4+k8ts',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2026-11-25T00:00:00Z',
  goVersion: 'node' + process.versions.node,
  compiler: 'tsc',
  platform: `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`,
};

export interface ApiServerOptions {
  bindAddress: string;
  port: number;
  tls: { certPem: string; keyPem: string; clientCaPem: string };
  catalog: ResourceCatalog;
  machinery: ApiMachinery;
  storages: Map<ResourceInfo, ResourceStorage>;
  authenticator: Authenticator;
  metrics: Metrics;
  openapi: OpenAPIService;
  logger: Logger;
  /** Resources with custom handlers (virtual review types, pod subresources...). */
  special?: SpecialHandler[];
  /** Readiness: resolved once every storage's cache is filled and bootstrap objects exist. */
  isReady(): boolean;
  /** Namespace lifecycle check for creates. */
  checkNamespace(ns: string): Promise<void>;
  requestTimeoutMs?: number;
  /** Shares request concurrency fairly between users (API Priority and Fairness in small). */
  fairQueue?: FairQueue;
  /** Audit log: one event per request. */
  audit?: AuditLogger;
  /** Decides every authenticated request (RBAC, Node); none means everything is allowed. */
  authorizer?: Authorizer;
  /** HTTP/1.1 upgrade requests (streams routed to kubelets). */
  onUpgrade?(req: IncomingMessage, socket: import('node:stream').Duplex, head: Buffer): void;
  /** Conversion for resources stored in another version than the one requested. */
  converterFor?(info: ResourceInfo): VersionConverter | undefined;
}

export interface SpecialHandler {
  matches(ri: RequestInfo, info: ResourceInfo): boolean;
  handle(r: Reply, ri: RequestInfo, info: ResourceInfo, query: URLSearchParams, ctx: RequestContext): Promise<void>;
}

/** Paths anyone may read (upstream's system:public-info-viewer). */
const PUBLIC_PATHS = new Set(['/healthz', '/livez', '/readyz', '/version', '/version/']);

export class ApiServer {
  private readonly resources: ResourceHandler;
  private listening: import('node:tls').Server | null = null;

  constructor(private readonly o: ApiServerOptions) {
    const views = new WeakMap<ResourceInfo, VersionedStorage>();
    this.resources = new ResourceHandler({
      machinery: o.machinery,
      storageFor: (info) => {
        const storage = o.storages.get(info);
        if (!storage) return undefined;
        let v = views.get(info);
        if (!v || v.storage !== storage) views.set(info, (v = new VersionedStorage(storage, info, o.converterFor?.(info))));
        return v;
      },
      checkNamespace: o.checkNamespace,
    });
  }

  get address(): AddressInfo | null {
    return (this.listening?.address() as AddressInfo) ?? null;
  }

  /** Starts listening; resolves once bound. Stops when signal aborts. */
  async listen(signal: AbortSignal): Promise<void> {
    const handler = (req: Req, res: Res) => void this.dispatch(req, res);
    const h1 = createHttp1Server({ keepAliveTimeout: 65_000, requestTimeout: 0, headersTimeout: 60_000 }, handler as any);
    // Watch backlogs and bursts of writes share a session; the 10 MB default resets streams under load.
    const h2 = createHttp2Server({ maxSessionMemory: 256, peerMaxConcurrentStreams: 1000 }, handler as any);
    // WebSocket and SPDY upgrades (exec, attach, port-forward) arrive on HTTP/1.1 connections.
    h1.on('upgrade', (req, socket, head) => (this.o.onUpgrade ? this.o.onUpgrade(req, socket, head) : socket.destroy()));
    const tls = createTlsServer({
      cert: this.o.tls.certPem,
      key: this.o.tls.keyPem,
      ca: this.o.tls.clientCaPem,
      requestCert: true,
      rejectUnauthorized: false,
      ALPNProtocols: ['h2', 'http/1.1'],
    });
    tls.on('secureConnection', (sock: TLSSocket) => {
      if (sock.alpnProtocol === 'h2') h2.emit('connection', sock);
      else h1.emit('connection', sock);
    });
    tls.on('tlsClientError', () => undefined);
    await new Promise<void>((resolve, reject) => {
      tls.once('error', reject);
      tls.listen(this.o.port, this.o.bindAddress, () => resolve());
    });
    this.listening = tls;
    signal.addEventListener('abort', () => {
      tls.close();
      h1.closeAllConnections?.();
    });
  }

  private async dispatch(req: Req, res: Res): Promise<void> {
    const started = process.hrtime.bigint();
    const received = new Date();
    let user: UserInfo | null = null;
    let release: (() => void) | undefined;
    const r: Reply = { req, res, warnings: [] };
    const url = new URL(req.url ?? '/', 'https://localhost');
    const path = url.pathname;
    const query = url.searchParams;
    let ri: RequestInfo | undefined;
    const ac = new AbortController();
    const onClose = () => ac.abort();
    res.on('close', onClose);
    try {
      ri = parseRequestInfo(req.method ?? 'GET', path, query);
      user = await this.o.authenticator.authenticate(req);
      if (!user && !PUBLIC_PATHS.has(path)) throw errors.unauthorized();
      if (this.o.fairQueue && user && !isExempt({ verb: ri.verb, groups: user.groups, path })) release = await this.o.fairQueue.acquire(user.username, ac.signal);
      if (user && this.o.authorizer) await authorizeOrThrow(this.o.authorizer, attributesFor(user, ri, query));
      if (!ri.isResourceRequest) {
        await this.nonResource(r, path, query);
        return;
      }
      const ctx = this.context(req, query, user!, ac.signal);
      r.warnings = ctx.warnings;
      const work = this.resource(r, ri, query, ctx);
      if (ri.verb === 'watch' || isLongRunning(ri, query)) await work;
      else await withTimeout(work, this.requestTimeout(query));
    } catch (err) {
      if (!(err instanceof StatusError) || err.code >= 500) this.o.logger.warn({ err, path, method: req.method }, 'request failed');
      if (!res.headersSent) sendStatus(r, err);
      else if (!res.writableEnded) res.end();
    } finally {
      release?.();
      this.o.audit?.record(auditEventOf({ requestURI: req.url ?? '/', method: req.method ?? 'GET', ri, user: user ?? undefined, sourceIP: (req.socket as any)?.remoteAddress, userAgent: firstHeader(req.headers['user-agent']), code: res.statusCode, received }));
      res.off('close', onClose);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      this.o.metrics.observeRequest(ri?.verb ?? req.method ?? '', ri?.resource ?? '', res.statusCode, seconds);
    }
  }

  private requestTimeout(query: URLSearchParams): number {
    const t = query.get('timeout');
    const max = this.o.requestTimeoutMs ?? 60_000;
    if (!t) return max;
    const ms = parseGoDuration(t);
    return ms === undefined ? max : Math.min(ms, max);
  }

  private context(req: Req, query: URLSearchParams, user: UserInfo, signal: AbortSignal): RequestContext {
    const dryRun = query.getAll('dryRun');
    for (const d of dryRun) if (d !== 'All') throw errors.badRequest(`dryRun: Unsupported value: "${d}": supported values: "All"`);
    const fm = query.get('fieldManager') ?? undefined;
    if (fm !== undefined && (fm.length > 128 || /[^\x20-\x7e]/.test(fm))) throw errors.invalid('PatchOptions', '', '', [{ reason: 'FieldValueInvalid', field: 'fieldManager', message: `Invalid value: "${fm}": must be less than 128 printable characters` }]);
    return {
      user,
      dryRun: dryRun.includes('All'),
      fieldManager: fm,
      defaultFieldManager: defaultManager(firstHeader(req.headers['user-agent'])),
      fieldValidation: contextFieldValidation(query),
      warnings: [],
      now: new Date(),
      signal,
    };
  }

  private async resource(r: Reply, ri: RequestInfo, query: URLSearchParams, ctx: RequestContext): Promise<void> {
    const info = this.o.catalog.lookup(ri.group, ri.version, ri.resource);
    if (!info) throw errors.notFoundPath();
    for (const s of this.o.special ?? []) {
      if (s.matches(ri, info)) return s.handle(r, ri, info, query, ctx);
    }
    if (info.virtual) throw errors.methodNotAllowed();
    await this.resources.handle(r, ri, info, query, ctx);
  }

  private async nonResource(r: Reply, path: string, query: URLSearchParams): Promise<void> {
    const accept = firstHeader(r.req.headers.accept);
    const p = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
    switch (p) {
      case '/version':
        return sendJson(r, 200, SERVER_VERSION);
      case '/healthz':
      case '/livez':
        return sendText(r, 200, 'ok');
      case '/readyz':
        return this.o.isReady() ? sendText(r, 200, 'ok') : sendText(r, 500, '[-]informer-sync failed: not ready yet\nreadyz check failed');
      case '/metrics':
        return this.o.metrics.serve(r);
      case '/api': {
        const agg = wantsAggregated(accept);
        if (agg) return sendJson(r, 200, aggregatedDiscovery(this.o.catalog, true, agg), agg === 'v2' ? AGGREGATED_V2 : AGGREGATED_V2BETA1, { vary: 'Accept' });
        const addr = `${r.req.headers.host ?? '127.0.0.1'}`;
        return sendJson(r, 200, legacyApiVersions(addr));
      }
      case '/apis': {
        const agg = wantsAggregated(accept);
        if (agg) return sendJson(r, 200, aggregatedDiscovery(this.o.catalog, false, agg), agg === 'v2' ? AGGREGATED_V2 : AGGREGATED_V2BETA1, { vary: 'Accept' });
        return sendJson(r, 200, legacyGroupList(this.o.catalog));
      }
      case '/api/v1':
        return sendJson(r, 200, resourceList(this.o.catalog, '', 'v1'));
      case '/openapi/v2':
        return sendOpenAPIv2(r, openAPIv2Protobuf(this.o.machinery.resolver as SchemaRegistry, this.o.catalog.all()));
    }
    if (p.startsWith('/openapi/v3')) return this.o.openapi.serve(r, p, query);
    const parts = p.split('/').filter(Boolean);
    if (parts[0] === 'apis' && parts.length === 2) {
      const g = legacyGroup(this.o.catalog, parts[1]!);
      if (g) return sendJson(r, 200, g);
    }
    if (parts[0] === 'apis' && parts.length === 3 && this.o.catalog.hasGroupVersion(parts[1]!, parts[2]!)) {
      return sendJson(r, 200, resourceList(this.o.catalog, parts[1]!, parts[2]!));
    }
    throw errors.notFoundPath();
  }
}

/** kubectl reads /openapi/v2 only as gnostic protobuf (for kinds /openapi/v3 does not describe). */
function sendOpenAPIv2(r: Reply, body: Buffer): void {
  (r.res as ServerResponse).writeHead(200, { 'content-type': 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf', 'content-length': body.length });
  (r.res as ServerResponse).end(body);
}

function sendText(r: Reply, status: number, text: string): void {
  if (r.res.headersSent) return;
  (r.res as ServerResponse).writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff', 'content-length': Buffer.byteLength(text) });
  r.res.end(text);
}

/** Requests exempt from the request timeout besides watches: followed logs and node streams. */
function isLongRunning(ri: RequestInfo, query: URLSearchParams): boolean {
  const sub = ri.subresource.split('/')[0];
  if (sub === 'log') return query.get('follow') === 'true' || query.get('follow') === '1';
  return sub === 'exec' || sub === 'attach' || sub === 'portforward' || sub === 'proxy';
}

/** Parses Go durations such as "32s", "1m30s", "500ms". */
export function parseGoDuration(s: string): number | undefined {
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g;
  const unit: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  let matched = '';
  for (const m of s.matchAll(re)) {
    total += Number(m[1]) * unit[m[2]!]!;
    matched += m[0];
  }
  return matched === s && s ? total : undefined;
}

async function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    t = setTimeout(() => reject(errors.timeout(`Timeout: request did not complete within requested timeout - context deadline exceeded`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(t);
  }
}
