// healthCheckNodePort servers for Services with externalTrafficPolicy Local: an external load
// balancer asks each node over HTTP whether it has endpoints of the Service, and sends traffic only
// to nodes answering 200 (503 otherwise), as upstream kube-proxy serves them. One server per port,
// opened and closed as Services come and go; it never serves anything else.
import http from 'node:http';
import { endpointsOf, servicePortsOf, usableEndpoints, type EndpointSliceLike, type ServiceLike } from './service-model.js';

export interface HealthCheckEntry {
  namespace: string;
  name: string;
  localEndpoints: number;
}

/** The health check a Service needs on this node, or undefined. */
export function healthCheckOf(svc: ServiceLike, slices: readonly EndpointSliceLike[], nodeName: string): { port: number; entry: HealthCheckEntry } | undefined {
  const port = svc.spec?.healthCheckNodePort;
  if (!port || svc.spec?.type !== 'LoadBalancer' || svc.spec.externalTrafficPolicy !== 'Local') return undefined;
  const local = new Set<string>();
  for (const sp of servicePortsOf(svc)) for (const ep of usableEndpoints(endpointsOf(sp, slices, nodeName)).local) local.add(ep.ip);
  return { port, entry: { namespace: svc.metadata.namespace ?? '', name: svc.metadata.name ?? '', localEndpoints: local.size } };
}

/** The answer upstream's health server gives: 200 with local endpoints, 503 without. */
export function healthCheckResponse(e: HealthCheckEntry): { status: number; body: string } {
  return {
    status: e.localEndpoints > 0 ? 200 : 503,
    body: JSON.stringify({ service: { namespace: e.namespace, name: e.name }, localEndpoints: e.localEndpoints, serviceProxyHealthy: true }),
  };
}

export interface HealthCheckLogger {
  warn(obj: object, msg: string): void;
}

export class HealthCheckServers {
  private readonly entries = new Map<number, HealthCheckEntry>();
  private readonly servers = new Map<number, http.Server>();

  constructor(private readonly bindAddress: string, private readonly logger: HealthCheckLogger) {}

  /** Sets (or with entry undefined, removes) what a port answers; opens or closes its server. */
  set(port: number, entry: HealthCheckEntry | undefined): void {
    if (!entry) {
      this.entries.delete(port);
      const s = this.servers.get(port);
      if (s) {
        this.servers.delete(port);
        s.close();
        s.closeAllConnections();
      }
      return;
    }
    this.entries.set(port, entry);
    if (this.servers.has(port)) return;
    const server = http.createServer((req, res) => {
      const e = this.entries.get(port);
      const r = e ? healthCheckResponse(e) : { status: 503, body: '{}' };
      res.writeHead(r.status, { 'Content-Type': 'application/json', 'X-Content-Type-Options': 'nosniff' });
      res.end(r.body);
    });
    server.keepAliveTimeout = 1000;
    server.on('error', (err) => {
      this.logger.warn({ err, port }, 'health check node port unavailable');
      if (this.servers.get(port) === server) this.servers.delete(port);
    });
    server.listen(port, this.bindAddress);
    this.servers.set(port, server);
  }

  close(): void {
    for (const port of [...this.servers.keys()]) this.set(port, undefined);
  }
}
