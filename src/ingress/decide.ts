// Per-request decisions on a routing table (pure): which server and route a request matches,
// whether it is redirected to https, the path the backend sees, which certificate an SNI name
// gets, and whether a TLS connection is passed through untouched.
import { matchPath, requestHost, rewritePath, wildcardMatches } from './paths.js';
import type { Backend, CertRef, Route, RoutingTable, Server, TlsTable } from './routing-table.js';

export interface RequestFacts {
  /** Host header as sent */
  host: string | undefined;
  /** request target: path and query */
  url: string;
  scheme: 'http' | 'https';
}

export type Decision =
  | { kind: 'proxy'; backend: Backend; path: string; route?: Route }
  | { kind: 'redirect'; status: 308; location: string }
  | { kind: 'notFound' };

export function serverFor(table: RoutingTable, host: string): Server | undefined {
  const exact = table.exact.get(host);
  if (exact) return exact;
  for (const s of table.wildcard) if (wildcardMatches(s.host, host)) return s;
  return table.catchAll;
}

/** The route a request takes; `httpsPort` shapes the redirect target when it is not 443. */
export function decide(table: RoutingTable, req: RequestFacts, httpsPort = 443): Decision {
  const host = requestHost(req.host);
  const q = req.url.indexOf('?');
  const path = q < 0 ? req.url : req.url.slice(0, q);
  const query = q < 0 ? '' : req.url.slice(q + 1);
  const server = serverFor(table, host);
  if (server) {
    for (const route of server.routes) {
      const m = matchPath(route.matcher, path);
      if (m === false) continue;
      if (req.scheme === 'http' && route.sslRedirect) return redirect(req, host, httpsPort);
      const target = route.rewriteTarget !== undefined ? rewritePath(route.rewriteTarget, m === true ? null : m, query) : req.url;
      return { kind: 'proxy', backend: route.backend, path: target, route };
    }
    if (server.defaultBackend) {
      if (req.scheme === 'http' && server.sslRedirect) return redirect(req, host, httpsPort);
      return { kind: 'proxy', backend: server.defaultBackend, path: req.url };
    }
  }
  if (table.defaultBackend) return { kind: 'proxy', backend: table.defaultBackend, path: req.url };
  return { kind: 'notFound' };
}

function redirect(req: RequestFacts, host: string, httpsPort: number): Decision {
  const authority = httpsPort === 443 ? host : `${host}:${httpsPort}`;
  return { kind: 'redirect', status: 308, location: `https://${authority}${req.url}` };
}

/** The key pair for an SNI name: exact host, then a wildcard, then a host-less TLS entry. */
export function selectCertificate(tls: TlsTable, servername: string | undefined): CertRef | undefined {
  const name = (servername ?? '').toLowerCase();
  if (name) {
    const exact = tls.exact.get(name);
    if (exact) return exact;
    for (const [w, cert] of tls.wildcard) if (wildcardMatches(w, name)) return cert;
  }
  return tls.any;
}

/** The backend for a passthrough host named by SNI, if any. */
export function passthroughBackend(table: RoutingTable, servername: string | undefined): Backend | undefined {
  if (!servername || table.passthrough.size === 0) return undefined;
  const name = servername.toLowerCase();
  const exact = table.passthrough.get(name);
  if (exact) return exact;
  for (const [h, b] of table.passthrough) if (wildcardMatches(h, name)) return b;
  return undefined;
}

/** Round-robin over a backend's endpoints; positions survive table swaps because they are keyed by backend. */
export class EndpointRotation {
  private readonly next = new Map<string, number>();

  /** Endpoints in the order to try: the next one first, then the rest (for connect retries). */
  order(backend: Backend, max = 3): Backend['endpoints'] {
    const eps = backend.endpoints;
    const n = eps.length;
    if (n <= 1) return eps;
    const start = (this.next.get(backend.key) ?? 0) % n;
    this.next.set(backend.key, (start + 1) % n);
    const out: Backend['endpoints'] = [];
    for (let i = 0; i < Math.min(n, max); i++) out.push(eps[(start + i) % n]!);
    return out;
  }
}
