// HTTP plumbing shared by every handler: the request/response types of both HTTP/1.1 and HTTP/2,
// JSON and Status replies, and content negotiation. No API semantics live here.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import { StatusError, errors, type Status } from '../api/errors.js';

export type Req = IncomingMessage | Http2ServerRequest;
export type Res = ServerResponse | Http2ServerResponse;

export interface Reply {
  req: Req;
  res: Res;
  warnings: string[];
}

function warningHeader(warnings: string[]): string[] | undefined {
  if (!warnings.length) return undefined;
  return warnings.map((w) => `299 - ${JSON.stringify(w)}`);
}

export function sendJson(r: Reply, status: number, body: unknown, contentType = 'application/json', extra: Record<string, string> = {}): void {
  const payload = typeof body === 'string' ? body : JSON.stringify(body);
  const headers: Record<string, string | string[] | number> = {
    'content-type': contentType,
    'content-length': Buffer.byteLength(payload),
    'cache-control': 'no-cache, private',
    ...extra,
  };
  const w = warningHeader(r.warnings);
  if (w) headers.warning = w;
  if (r.res.headersSent) {
    (r.res as ServerResponse).end();
    return;
  }
  (r.res as ServerResponse).writeHead(status, headers);
  (r.res as ServerResponse).end(r.req.method === 'HEAD' ? undefined : payload);
}

export function sendStatus(r: Reply, err: unknown): void {
  const se = toStatusError(err);
  if (se.details?.retryAfterSeconds !== undefined && !r.res.headersSent) r.res.setHeader('retry-after', String(se.details.retryAfterSeconds));
  sendJson(r, se.code, se.toStatus());
}

export function toStatusError(err: unknown): StatusError {
  if (err instanceof StatusError) return err;
  const msg = err instanceof Error ? err.message : String(err);
  return errors.internal(msg);
}

export function successStatus(details?: Status['details']): Status {
  const s: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 200 };
  if (details) s.details = details;
  return s;
}

/** Accept header asks for a meta.k8s.io Table (kubectl's human-readable get). */
export function wantsTable(accept: string | undefined): boolean {
  if (!accept) return false;
  for (const part of accept.split(',')) {
    const p = part.replace(/\s+/g, '');
    if (p.includes('as=Table') && p.includes('g=meta.k8s.io')) return true;
  }
  return false;
}

/** Accept header asks for PartialObjectMetadata(List). */
export function wantsPartialMetadata(accept: string | undefined): boolean {
  return !!accept && /as=PartialObjectMetadata/.test(accept) && /g=meta\.k8s\.io/.test(accept);
}

export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase();
}

export function firstHeader(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** Reads the request body up to limit bytes; 413 beyond it. */
export function readBody(req: Req, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(firstHeader(req.headers['content-length']) ?? '0');
    if (declared > limit) {
      req.resume?.();
      reject(errors.tooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (c: Buffer) => {
      if (failed) return;
      size += c.length;
      if (size > limit) {
        failed = true;
        reject(errors.tooLarge());
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => failed || resolve(Buffer.concat(chunks)));
    req.on('error', (e: Error) => failed || reject(e));
  });
}
