// Header rewriting between client and backend (pure): hop-by-hop headers stay on their own hop,
// and the backend learns the original client, scheme and host through X-Forwarded-*.
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

function connectionTokens(h: IncomingHttpHeaders): Set<string> | undefined {
  const c = h.connection;
  if (!c) return undefined;
  return new Set(String(c).toLowerCase().split(',').map((t) => t.trim()).filter(Boolean));
}

export interface ClientFacts {
  remoteAddress: string | undefined;
  scheme: 'http' | 'https';
  /** the port the client connected to */
  port: number;
}

/**
 * Headers for the backend request. With `upgrade`, the Connection/Upgrade pair is kept so the
 * backend can switch protocols (WebSocket).
 */
export function backendRequestHeaders(h: IncomingHttpHeaders, client: ClientFacts, upgrade = false): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  const named = connectionTokens(h);
  for (const k in h) {
    if (HOP_BY_HOP.has(k) || named?.has(k)) continue;
    if (k.startsWith('x-forwarded-') || k === 'x-real-ip') continue;
    out[k] = h[k];
  }
  if (upgrade && h.upgrade) {
    out.connection = 'Upgrade';
    out.upgrade = h.upgrade;
  }
  const ip = client.remoteAddress?.startsWith('::ffff:') ? client.remoteAddress.slice(7) : client.remoteAddress ?? '';
  // As ingress-nginx without use-forwarded-headers: a client's own X-Forwarded-* are not trusted.
  out['x-forwarded-for'] = ip;
  out['x-real-ip'] = ip;
  out['x-forwarded-proto'] = client.scheme;
  out['x-forwarded-host'] = h.host ?? '';
  out['x-forwarded-port'] = String(client.port);
  return out;
}

/** Response headers for the client: the backend's, without its hop-by-hop ones. */
export function clientResponseHeaders(h: IncomingHttpHeaders): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  const named = connectionTokens(h);
  for (const k in h) {
    if (HOP_BY_HOP.has(k) || named?.has(k)) continue;
    out[k] = h[k];
  }
  return out;
}

/** The request head written raw to a backend for an Upgrade request. */
export function rawRequestHead(method: string, path: string, headers: OutgoingHttpHeaders): string {
  let s = `${method} ${path} HTTP/1.1\r\n`;
  for (const k in headers) {
    const v = headers[k];
    if (v === undefined) continue;
    if (Array.isArray(v)) for (const x of v) s += `${k}: ${x}\r\n`;
    else s += `${k}: ${v}\r\n`;
  }
  return `${s}\r\n`;
}
