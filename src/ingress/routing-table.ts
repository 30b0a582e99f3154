// The routing table (pure): built from the cluster's Ingresses, IngressClasses, Services,
// EndpointSlices and TLS Secrets in one pass, then only read. The proxy swaps in a new table
// whenever any of those change, so a request sees one consistent configuration.
import type { KubeObject } from '../api/object.js';
import { compilePath, type PathMatcher } from './paths.js';

export const CONTROLLER_NAME = 'k8ts.io/ingress-controller';
export const DEFAULT_CLASS_ANNOTATION = 'ingressclass.kubernetes.io/is-default-class';
export const LEGACY_CLASS_ANNOTATION = 'kubernetes.io/ingress.class';
const NGINX = 'nginx.ingress.kubernetes.io/';
export const A_SSL_REDIRECT = `${NGINX}ssl-redirect`;
export const A_FORCE_SSL_REDIRECT = `${NGINX}force-ssl-redirect`;
export const A_REWRITE_TARGET = `${NGINX}rewrite-target`;
export const A_USE_REGEX = `${NGINX}use-regex`;
export const A_SSL_PASSTHROUGH = `${NGINX}ssl-passthrough`;

export interface Endpoint {
  ip: string;
  port: number;
}

/** A Service port as the proxy reaches it: its ready endpoints (empty means 503). */
export interface Backend {
  /** "namespace/service:port", the round-robin position is kept per key across tables */
  key: string;
  endpoints: Endpoint[];
}

export interface Route {
  matcher: PathMatcher;
  backend: Backend;
  /** namespace/name of the Ingress the path comes from */
  ingress: string;
  rewriteTarget?: string;
  sslRedirect: boolean;
}

export interface Server {
  host: string; // "" for rules without a host
  /** in precedence order: the first that matches wins */
  routes: Route[];
  defaultBackend?: Backend;
  sslRedirect: boolean;
}

export interface CertRef {
  /** namespace/name@resourceVersion: identifies the key pair for caching TLS contexts */
  id: string;
  certPem: string;
  keyPem: string;
}

export interface TlsTable {
  exact: Map<string, CertRef>;
  wildcard: [string, CertRef][];
  /** from a tls entry without hosts */
  any?: CertRef;
}

export interface RoutingTable {
  exact: Map<string, Server>;
  wildcard: Server[];
  catchAll?: Server;
  defaultBackend?: Backend;
  tls: TlsTable;
  /** SNI host → backend the raw TLS stream goes to (ssl-passthrough) */
  passthrough: Map<string, Backend>;
  /** namespace/name of every Ingress this controller serves */
  ingresses: string[];
  /** configuration problems found while building (logged, never fatal) */
  problems: string[];
}

export interface RoutingSources {
  ingresses: readonly KubeObject[];
  ingressClasses: readonly KubeObject[];
  service(namespace: string, name: string): KubeObject | undefined;
  /** EndpointSlices labelled kubernetes.io/service-name=name in namespace */
  endpointSlices(namespace: string, name: string): readonly KubeObject[];
  secret(namespace: string, name: string): KubeObject | undefined;
}

export const emptyTable = (): RoutingTable => ({
  exact: new Map(),
  wildcard: [],
  tls: { exact: new Map(), wildcard: [] },
  passthrough: new Map(),
  ingresses: [],
  problems: [],
});

/** The IngressClass names this controller serves, and whether one of them is the default. */
export function ourClasses(classes: readonly KubeObject[]): { names: Set<string>; isDefault: boolean } {
  const names = new Set<string>();
  let isDefault = false;
  for (const c of classes) {
    if ((c as any).spec?.controller !== CONTROLLER_NAME) continue;
    names.add(c.metadata.name!);
    if (c.metadata.annotations?.[DEFAULT_CLASS_ANNOTATION] === 'true') isDefault = true;
  }
  return { names, isDefault };
}

/** Whether the Ingress is ours: its class (field, else the legacy annotation), or none while ours is the default. */
export function servesIngress(ing: KubeObject, classes: { names: Set<string>; isDefault: boolean }): boolean {
  const cls = (ing as any).spec?.ingressClassName ?? ing.metadata.annotations?.[LEGACY_CLASS_ANNOTATION];
  return typeof cls === 'string' && cls !== '' ? classes.names.has(cls) : classes.isDefault;
}

const byAge = (a: KubeObject, b: KubeObject): number => {
  const ta = a.metadata.creationTimestamp ?? '';
  const tb = b.metadata.creationTimestamp ?? '';
  if (ta !== tb) return ta < tb ? -1 : 1;
  const ka = `${a.metadata.namespace}/${a.metadata.name}`;
  const kb = `${b.metadata.namespace}/${b.metadata.name}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
};

const truthy = (v: string | undefined): boolean => v === 'true';

/** Ready endpoints of a Service port (by number or name) from its EndpointSlices. */
export function resolveEndpoints(src: RoutingSources, namespace: string, serviceName: string, port: { number?: number; name?: string }): Endpoint[] | undefined {
  const svc = src.service(namespace, serviceName);
  if (!svc) return undefined;
  const ports: any[] = (svc as any).spec?.ports ?? [];
  const sp = ports.find((p) => (port.name ? p.name === port.name : p.port === port.number));
  if (!sp) return undefined;
  const portName = sp.name ?? '';
  const out: Endpoint[] = [];
  const seen = new Set<string>();
  for (const slice of src.endpointSlices(namespace, serviceName)) {
    const s = slice as any;
    if (s.addressType === 'FQDN') continue;
    const p = (s.ports ?? []).find((x: any) => (x.name ?? '') === portName && (x.protocol ?? 'TCP') === 'TCP');
    if (!p || typeof p.port !== 'number') continue;
    for (const ep of s.endpoints ?? []) {
      if (ep.conditions?.ready === false) continue;
      const ip = ep.addresses?.[0];
      if (typeof ip !== 'string') continue;
      const k = `${ip}:${p.port}`;
      if (seen.has(k)) continue;
      seen.add(k);
      out.push({ ip, port: p.port });
    }
  }
  out.sort((a, b) => (a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : a.port - b.port));
  return out;
}

const specificity = (r: Route): number => r.matcher.path.length * 2 + (r.matcher.kind === 'Exact' ? 1 : 0);

/** Builds the table from the sources; never throws on bad input (problems are collected). */
export function buildRoutingTable(src: RoutingSources): RoutingTable {
  const table = emptyTable();
  const classes = ourClasses(src.ingressClasses);
  const ingresses = src.ingresses.filter((i) => !i.metadata.deletionTimestamp && servesIngress(i, classes)).sort(byAge);
  const backends = new Map<string, Backend>();
  const backendFor = (ns: string, b: any, where: string): Backend | undefined => {
    const svc = b?.service;
    if (!svc?.name) {
      if (b?.resource) table.problems.push(`${where}: resource backends are not supported`);
      return undefined;
    }
    const port = { number: svc.port?.number, name: svc.port?.name };
    const key = `${ns}/${svc.name}:${port.name ?? port.number}`;
    let backend = backends.get(key);
    if (!backend) {
      const endpoints = resolveEndpoints(src, ns, svc.name, port);
      if (!endpoints) table.problems.push(`${where}: service ${ns}/${svc.name} port ${port.name ?? port.number} not found`);
      backend = { key, endpoints: endpoints ?? [] };
      backends.set(key, backend);
    }
    return backend;
  };

  // Hosts with TLS redirect http to https by default (ingress-nginx), whichever Ingress lists them.
  const tlsHosts = new Set<string>();
  for (const ing of ingresses) for (const t of (ing as any).spec?.tls ?? []) for (const h of t.hosts ?? []) tlsHosts.add(String(h).toLowerCase());

  const servers = new Map<string, Server>();
  const serverFor = (host: string): Server => {
    let s = servers.get(host);
    if (!s) servers.set(host, (s = { host, routes: [], sslRedirect: false }));
    return s;
  };
  for (const ing of ingresses) {
    const ns = ing.metadata.namespace!;
    const id = `${ns}/${ing.metadata.name}`;
    table.ingresses.push(id);
    const a = ing.metadata.annotations ?? {};
    const spec = (ing as any).spec ?? {};
    const rewriteTarget = a[A_REWRITE_TARGET] || undefined;
    const regex = truthy(a[A_USE_REGEX]) || rewriteTarget !== undefined;
    const sslRedirectAllowed = a[A_SSL_REDIRECT] !== 'false';
    const forceRedirect = truthy(a[A_FORCE_SSL_REDIRECT]);
    const passthrough = truthy(a[A_SSL_PASSTHROUGH]);
    const defaultBackend = spec.defaultBackend ? backendFor(ns, spec.defaultBackend, `${id} defaultBackend`) : undefined;
    if (defaultBackend && !table.defaultBackend) table.defaultBackend = defaultBackend;

    for (const rule of spec.rules ?? []) {
      const host = typeof rule.host === 'string' ? rule.host.toLowerCase() : '';
      const paths: any[] = rule.http?.paths ?? [];
      if (passthrough && host) {
        const p = paths.find((x) => (x.path ?? '/') === '/') ?? paths[0];
        const b = p ? backendFor(ns, p.backend, `${id} ${host}`) : defaultBackend;
        if (b && !table.passthrough.has(host)) table.passthrough.set(host, b);
        continue;
      }
      const server = serverFor(host);
      const redirect = forceRedirect || (sslRedirectAllowed && tlsHosts.has(host));
      if (redirect) server.sslRedirect = true;
      if (defaultBackend && !server.defaultBackend) server.defaultBackend = defaultBackend;
      for (const p of paths) {
        const backend = backendFor(ns, p.backend, `${id} ${host}${p.path ?? '/'}`);
        if (!backend) continue;
        const matcher = compilePath(p.pathType, p.path, regex);
        // The same path from a younger Ingress loses to the one already there (ingress-nginx).
        if (server.routes.some((r) => r.matcher.kind === matcher.kind && r.matcher.path === matcher.path)) {
          table.problems.push(`${id}: path ${host}${matcher.path} is already served by another Ingress`);
          continue;
        }
        const route: Route = { matcher, backend, ingress: id, sslRedirect: redirect };
        if (rewriteTarget !== undefined) route.rewriteTarget = rewriteTarget;
        server.routes.push(route);
      }
    }

    for (const t of spec.tls ?? []) {
      if (!t.secretName) continue;
      const cert = certFromSecret(src.secret(ns, t.secretName));
      if (!cert) {
        table.problems.push(`${id}: TLS secret ${ns}/${t.secretName} is missing or not a kubernetes.io/tls key pair`);
        continue;
      }
      const hosts: string[] = (t.hosts ?? []).map((h: string) => h.toLowerCase());
      if (!hosts.length && !table.tls.any) table.tls.any = cert;
      for (const h of hosts) {
        if (h.startsWith('*.')) {
          if (!table.tls.wildcard.some(([w]) => w === h)) table.tls.wildcard.push([h, cert]);
        } else if (!table.tls.exact.has(h)) table.tls.exact.set(h, cert);
      }
    }
  }

  for (const s of servers.values()) {
    // Stable sort: equal specificity keeps the older Ingress first.
    s.routes.sort((a, b) => specificity(b) - specificity(a));
    if (s.host === '') table.catchAll = s;
    else if (s.host.startsWith('*.')) table.wildcard.push(s);
    else table.exact.set(s.host, s);
  }
  return table;
}

function certFromSecret(secret: KubeObject | undefined): CertRef | undefined {
  const s = secret as any;
  if (!s || (s.type && s.type !== 'kubernetes.io/tls')) return undefined;
  const crt = s.data?.['tls.crt'];
  const key = s.data?.['tls.key'];
  if (typeof crt !== 'string' || typeof key !== 'string' || !crt || !key) return undefined;
  return {
    id: `${secret!.metadata.namespace}/${secret!.metadata.name}@${secret!.metadata.resourceVersion ?? ''}`,
    certPem: Buffer.from(crt, 'base64').toString('utf8'),
    keyPem: Buffer.from(key, 'base64').toString('utf8'),
  };
}
