// HttpKubeClient: the KubeClient every out-of-apiserver component uses. Owns the wire: one
// multiplexed HTTP/2 session over mutual TLS (re-dialled when it closes, errors or receives
// GOAWAY), URL building, content types, query parameters, Status → ApiError mapping and the
// newline-delimited JSON watch framing. It never retries writes the server may have seen, keeps
// no cache and knows nothing about resource semantics.
import { connect, constants, type ClientHttp2Session, type ClientHttp2Stream, type OutgoingHttpHeaders } from 'node:http2';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { KubeObject } from '../api/object.js';
import type { Status } from '../api/errors.js';
import {
  ApiError,
  type DeleteOptions,
  type GroupVersionResource,
  type KubeClient,
  type ListOptions,
  type ObjectList,
  type PatchOptions,
  type PatchType,
  type WatchEvent,
  type WatchOptions,
  type WriteOptions,
} from './types.js';
import { TokenBucket } from './token-bucket.js';
import { gvrPath, listQuery, writeQuery } from './request-path.js';

export interface HttpKubeClientConfig {
  /** https://host:port */
  server: string;
  caPem: string;
  certPem?: string;
  keyPem?: string;
  /** Bearer token (service accounts). */
  token?: string;
  userAgent?: string;
  /** Client-side rate limit in requests per second; 0 or unset means unlimited. */
  qps?: number;
  /** Token bucket size when qps is set (default 2 × qps). */
  burst?: number;
  /** Per-request timeout for non-watch requests (default 60 s). */
  requestTimeoutMs?: number;
}

const PATCH_CONTENT_TYPES: Record<PatchType, string> = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
};

const REASON_BY_CODE: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  406: 'NotAcceptable',
  409: 'Conflict',
  410: 'Gone',
  413: 'RequestEntityTooLarge',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

/** Transport errors that mean the request never reached the server, so resending is safe. */
const NEVER_SENT = new Set(['ERR_HTTP2_GOAWAY_SESSION', 'ERR_HTTP2_INVALID_SESSION', 'ERR_HTTP2_STREAM_CANCEL', 'ERR_HTTP2_SESSION_ERROR']);

const PING_INTERVAL_MS = 30_000;
const PING_TIMEOUT_MS = 15_000;

interface RawResponse {
  status: number;
  body: Buffer;
}

export class HttpKubeClient implements KubeClient {
  private session: ClientHttp2Session | null = null;
  private active = 0;
  private closed = false;
  private readonly limiter: TokenBucket | null;
  private readonly baseHeaders: OutgoingHttpHeaders;
  private readonly timeoutMs: number;

  constructor(private readonly config: HttpKubeClientConfig) {
    this.limiter = config.qps && config.qps > 0 ? new TokenBucket(config.qps, config.burst ?? Math.max(1, Math.ceil(config.qps * 2))) : null;
    this.baseHeaders = { 'user-agent': config.userAgent ?? 'k8ts-client/v1.32.0', accept: 'application/json' };
    if (config.token) this.baseHeaders.authorization = `Bearer ${config.token}`;
    this.timeoutMs = config.requestTimeoutMs ?? 60_000;
  }

  /** Reads server, CA and credentials from the current context of a kubeconfig file. */
  static fromKubeconfig(path: string, overrides: Partial<HttpKubeClientConfig> = {}): HttpKubeClient {
    return new HttpKubeClient({ ...kubeconfigToConfig(readFileSync(path, 'utf8')), ...overrides });
  }

  /** Closes the HTTP/2 session; in-flight requests fail. The client may not be used afterwards. */
  close(): void {
    this.closed = true;
    this.session?.close();
    this.session = null;
  }

  async get<T extends KubeObject = KubeObject>(gvr: GroupVersionResource, namespace: string, name: string, opts?: { subresource?: string }): Promise<T> {
    return this.json<T>('GET', gvrPath(gvr, namespace, name, opts?.subresource));
  }

  async list<T extends KubeObject = KubeObject>(gvr: GroupVersionResource, namespace: string, opts?: ListOptions): Promise<ObjectList<T>> {
    return this.json<ObjectList<T>>('GET', gvrPath(gvr, namespace) + listQuery(opts, false));
  }

  async create<T extends KubeObject = KubeObject>(gvr: GroupVersionResource, namespace: string, obj: T, opts?: WriteOptions): Promise<T> {
    const path = opts?.subresource
      ? gvrPath(gvr, namespace, obj.metadata.name, opts.subresource)
      : gvrPath(gvr, namespace);
    return this.json<T>('POST', path + writeQuery(opts), JSON.stringify(obj), 'application/json');
  }

  async update<T extends KubeObject = KubeObject>(gvr: GroupVersionResource, namespace: string, obj: T, opts?: WriteOptions): Promise<T> {
    const path = gvrPath(gvr, namespace, obj.metadata.name, opts?.subresource);
    return this.json<T>('PUT', path + writeQuery(opts), JSON.stringify(obj), 'application/json');
  }

  async patch<T extends KubeObject = KubeObject>(gvr: GroupVersionResource, namespace: string, name: string, type: PatchType, body: unknown, opts?: PatchOptions): Promise<T> {
    if (type === 'apply' && !opts?.fieldManager) throw new Error('server-side apply requires opts.fieldManager');
    const path = gvrPath(gvr, namespace, name, opts?.subresource) + writeQuery(opts, type === 'apply' ? opts?.force : undefined);
    // JSON is valid YAML, so apply patches are sent as JSON text too.
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    return this.json<T>('PATCH', path, text, PATCH_CONTENT_TYPES[type]);
  }

  async delete(gvr: GroupVersionResource, namespace: string, name: string, opts?: DeleteOptions): Promise<KubeObject | undefined> {
    let body: string | undefined;
    if (opts) {
      const d: Record<string, unknown> = { kind: 'DeleteOptions', apiVersion: 'v1' };
      if (opts.propagationPolicy) d.propagationPolicy = opts.propagationPolicy;
      if (opts.gracePeriodSeconds !== undefined) d.gracePeriodSeconds = opts.gracePeriodSeconds;
      if (opts.preconditions) d.preconditions = opts.preconditions;
      if (opts.dryRun) d.dryRun = ['All'];
      body = JSON.stringify(d);
    }
    const res = await this.json<KubeObject | Status>('DELETE', gvrPath(gvr, namespace, name), body, body ? 'application/json' : undefined);
    return res && res.kind !== 'Status' ? (res as KubeObject) : undefined;
  }

  async createSubresource<R = unknown>(gvr: GroupVersionResource, namespace: string, name: string, subresource: string, body: unknown, opts?: WriteOptions): Promise<R> {
    const path = gvrPath(gvr, namespace, name, subresource) + writeQuery(opts);
    return this.json<R>('POST', path, JSON.stringify(body), 'application/json');
  }

  /**
   * Streams events until the server ends the response (resolves) or opts.signal aborts
   * (resolves). A non-200 answer rejects with ApiError; a broken connection rejects with the
   * transport error. An exception thrown by onEvent cancels the stream and rejects with it.
   */
  async watch<T extends KubeObject = KubeObject>(gvr: GroupVersionResource, namespace: string, opts: WatchOptions, onEvent: (e: WatchEvent<T>) => void): Promise<void> {
    const { signal } = opts;
    if (signal.aborted) return;
    const path = gvrPath(gvr, namespace) + listQuery(opts, true);
    await this.limiter?.take();
    const stream = this.open('GET', path, undefined);
    this.active++;
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      let status = 0;
      let partial = '';
      const errChunks: Buffer[] = [];
      const finish = (err?: unknown) => {
        if (settled) return;
        settled = true;
        signal.removeEventListener('abort', onAbort);
        this.streamDone();
        if (!stream.closed) stream.close(constants.NGHTTP2_CANCEL);
        if (err) reject(err);
        else resolve();
      };
      const onAbort = () => finish();
      signal.addEventListener('abort', onAbort, { once: true });
      stream.on('response', (headers) => {
        status = Number(headers[':status']);
        if (status === 200) stream.setEncoding('utf8');
      });
      stream.on('data', (chunk: string | Buffer) => {
        if (settled) return;
        if (status !== 200) {
          errChunks.push(chunk as Buffer);
          return;
        }
        let text = partial + (chunk as string);
        let start = 0;
        try {
          for (let nl = text.indexOf('\n', start); nl >= 0; nl = text.indexOf('\n', start)) {
            if (nl > start) onEvent(JSON.parse(text.slice(start, nl)) as WatchEvent<T>);
            if (settled) return;
            start = nl + 1;
          }
        } catch (err) {
          finish(err);
          return;
        }
        partial = start === text.length ? '' : text.slice(start);
        text = '';
      });
      stream.on('end', () => {
        if (status !== 200 && status !== 0) return finish(toApiError(status, Buffer.concat(errChunks)));
        if (partial.trim()) {
          try {
            onEvent(JSON.parse(partial) as WatchEvent<T>);
          } catch (err) {
            return finish(err);
          }
        }
        finish();
      });
      stream.on('error', (err) => finish(signal.aborted ? undefined : err));
      stream.on('close', () => finish(status === 0 && !signal.aborted ? new Error(`watch ${path}: stream closed before a response`) : undefined));
    });
  }

  // --- transport ---

  private async json<T>(method: string, path: string, body?: string, contentType?: string): Promise<T> {
    const res = await this.request(method, path, body, contentType);
    if (res.status < 200 || res.status >= 300) throw toApiError(res.status, res.body);
    if (!res.body.length) return undefined as T;
    return JSON.parse(res.body.toString('utf8')) as T;
  }

  private async request(method: string, path: string, body: string | undefined, contentType: string | undefined): Promise<RawResponse> {
    await this.limiter?.take();
    try {
      return await this.once(method, path, body, contentType);
    } catch (err) {
      // A session that went away under us: the request never reached the server, resend once.
      if (!this.closed && NEVER_SENT.has((err as NodeJS.ErrnoException).code ?? '')) return this.once(method, path, body, contentType);
      if (!this.closed && method === 'GET' && !(err instanceof ApiError)) return this.once(method, path, body, contentType);
      throw err;
    }
  }

  private once(method: string, path: string, body: string | undefined, contentType: string | undefined): Promise<RawResponse> {
    const stream = this.open(method, path, contentType, body);
    this.active++;
    return new Promise<RawResponse>((resolve, reject) => {
      let status = 0;
      const chunks: Buffer[] = [];
      let settled = false;
      const done = (err: Error | null) => {
        if (settled) return;
        settled = true;
        this.streamDone();
        if (err) reject(err);
        else resolve({ status, body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks) });
      };
      stream.setTimeout(this.timeoutMs, () => {
        stream.close(constants.NGHTTP2_CANCEL);
        done(new Error(`${method} ${path}: timed out after ${this.timeoutMs} ms`));
      });
      stream.on('response', (headers) => (status = Number(headers[':status'])));
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => done(null));
      stream.on('error', (err) => done(err));
      stream.on('close', () => {
        if (status) return done(null);
        const e = new Error(`${method} ${path}: stream closed (code ${stream.rstCode})`) as NodeJS.ErrnoException;
        if (stream.rstCode === constants.NGHTTP2_REFUSED_STREAM) e.code = 'ERR_HTTP2_STREAM_CANCEL';
        done(e);
      });
    });
  }

  private open(method: string, path: string, contentType: string | undefined, body?: string): ClientHttp2Stream {
    const headers: OutgoingHttpHeaders = { ...this.baseHeaders, ':method': method, ':path': path };
    if (contentType) headers['content-type'] = contentType;
    const session = this.getSession();
    const stream = session.request(headers, { endStream: body === undefined });
    if (body !== undefined) stream.end(body);
    return stream;
  }

  private streamDone(): void {
    this.active--;
    // An idle client must not keep the process alive.
    if (this.active === 0) this.session?.unref();
  }

  private getSession(): ClientHttp2Session {
    if (this.closed) throw new Error('HttpKubeClient is closed');
    const existing = this.session;
    if (existing && !existing.closed && !existing.destroyed) {
      if (this.active === 0) existing.ref();
      return existing;
    }
    const c = this.config;
    const session = connect(c.server, {
      ca: c.caPem,
      cert: c.certPem,
      key: c.keyPem,
      // Watches are long-lived streams; leave the server's stream limit as the only bound.
      peerMaxConcurrentStreams: 1000,
    });
    const forget = () => {
      if (this.session === session) this.session = null;
    };
    session.on('goaway', forget);
    session.on('error', forget);
    // Long watches on a silently dead connection would never end: ping while streams are open.
    const keepalive = setInterval(() => {
      if (this.active === 0 || session.destroyed) return;
      const deadline = setTimeout(() => session.destroy(new Error('HTTP/2 ping timed out')), PING_TIMEOUT_MS);
      deadline.unref();
      const sent = session.ping((err) => {
        clearTimeout(deadline);
        if (err) session.destroy(err);
      });
      if (!sent) clearTimeout(deadline);
    }, PING_INTERVAL_MS);
    keepalive.unref();
    session.on('close', () => {
      clearInterval(keepalive);
      forget();
    });
    this.session = session;
    return session;
  }
}

function toApiError(code: number, body: Buffer): ApiError {
  const text = body.toString('utf8');
  try {
    const s = JSON.parse(text) as Status;
    if (s && s.kind === 'Status') return new ApiError(s.code || code, s.reason ?? REASON_BY_CODE[code] ?? 'Unknown', s.message ?? text, s);
  } catch {
    // not JSON: fall through
  }
  return new ApiError(code, REASON_BY_CODE[code] ?? 'Unknown', text.trim() || `the server responded with status ${code}`);
}

/** The current context of a kubeconfig (YAML text) as client configuration. */
export function kubeconfigToConfig(yamlText: string): HttpKubeClientConfig {
  const k = parseYaml(yamlText) as any;
  const ctxName = k['current-context'];
  const ctx = (k.contexts ?? []).find((c: any) => c.name === ctxName)?.context ?? k.contexts?.[0]?.context;
  if (!ctx) throw new Error('kubeconfig has no context');
  const cluster = (k.clusters ?? []).find((c: any) => c.name === ctx.cluster)?.cluster;
  if (!cluster?.server) throw new Error(`kubeconfig: cluster ${ctx.cluster} not found`);
  const user = (k.users ?? []).find((u: any) => u.name === ctx.user)?.user ?? {};
  const dataOrFile = (data: string | undefined, file: string | undefined) =>
    data ? Buffer.from(data, 'base64').toString('utf8') : file ? readFileSync(file, 'utf8') : undefined;
  const caPem = dataOrFile(cluster['certificate-authority-data'], cluster['certificate-authority']);
  if (!caPem) throw new Error('kubeconfig: cluster has no certificate authority');
  return {
    server: cluster.server,
    caPem,
    certPem: dataOrFile(user['client-certificate-data'], user['client-certificate']),
    keyPem: dataOrFile(user['client-key-data'], user['client-key']),
    token: user.token ?? (user.tokenFile ? readFileSync(user.tokenFile, 'utf8').trim() : undefined),
  };
}
