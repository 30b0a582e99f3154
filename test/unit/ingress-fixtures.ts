// Builders for the objects the ingress routing table is made from.
import type { KubeObject } from '../../src/api/object.js';
import type { RoutingSources } from '../../src/ingress/routing-table.js';

let clock = 0;
const stamp = () => new Date(Date.UTC(2026, 0, 1, 0, 0, clock++)).toISOString().replace(/\.\d+Z$/, 'Z');

export const k8tsClass = (isDefault = true): KubeObject =>
  ({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'IngressClass',
    metadata: { name: 'k8ts', annotations: isDefault ? { 'ingressclass.kubernetes.io/is-default-class': 'true' } : {} },
    spec: { controller: 'k8ts.io/ingress-controller' },
  }) as KubeObject;

export const otherClass = (): KubeObject =>
  ({ apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: 'nginx' }, spec: { controller: 'k8s.io/ingress-nginx' } }) as KubeObject;

export interface PathSpec {
  path?: string;
  pathType?: string;
  service: string;
  port?: number | string;
}

export function ingress(name: string, o: { ns?: string; cls?: string; annotations?: Record<string, string>; rules?: { host?: string; paths: PathSpec[] }[]; defaultBackend?: { service: string; port: number }; tls?: { hosts?: string[]; secretName: string }[] }): KubeObject {
  const backend = (s: string, port: number | string | undefined) => ({ service: { name: s, port: typeof port === 'string' ? { name: port } : { number: port ?? 80 } } });
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name, namespace: o.ns ?? 'default', creationTimestamp: stamp(), annotations: o.annotations ?? {}, resourceVersion: '1' },
    spec: {
      ...(o.cls ? { ingressClassName: o.cls } : {}),
      ...(o.defaultBackend ? { defaultBackend: backend(o.defaultBackend.service, o.defaultBackend.port) } : {}),
      ...(o.tls ? { tls: o.tls } : {}),
      rules: (o.rules ?? []).map((r) => ({
        ...(r.host ? { host: r.host } : {}),
        http: { paths: r.paths.map((p) => ({ path: p.path ?? '/', pathType: p.pathType ?? 'Prefix', backend: backend(p.service, p.port) })) },
      })),
    },
  } as KubeObject;
}

/** A Service with port 80 named http (targetPort 8080 on its endpoints) and ready endpoints at ips. */
export function serviceWithEndpoints(name: string, ips: string[], o: { ns?: string; notReady?: string[] } = {}): { svc: KubeObject; slice: KubeObject } {
  const ns = o.ns ?? 'default';
  const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns }, spec: { ports: [{ name: 'http', port: 80, targetPort: 8080 }] } } as KubeObject;
  const slice = {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: `${name}-abc`, namespace: ns, labels: { 'kubernetes.io/service-name': name } },
    addressType: 'IPv4',
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    endpoints: [
      ...ips.map((ip) => ({ addresses: [ip], conditions: { ready: true } })),
      ...(o.notReady ?? []).map((ip) => ({ addresses: [ip], conditions: { ready: false } })),
    ],
  } as KubeObject;
  return { svc, slice };
}

export function tlsSecret(name: string, cert: string, key: string, ns = 'default'): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'kubernetes.io/tls',
    metadata: { name, namespace: ns, resourceVersion: '7' },
    data: { 'tls.crt': Buffer.from(cert).toString('base64'), 'tls.key': Buffer.from(key).toString('base64') },
  } as KubeObject;
}

export function sources(objs: { ingresses: KubeObject[]; classes?: KubeObject[]; services?: { svc: KubeObject; slice: KubeObject }[]; secrets?: KubeObject[] }): RoutingSources {
  const key = (o: KubeObject) => `${o.metadata.namespace}/${o.metadata.name}`;
  const svcs = new Map((objs.services ?? []).map((s) => [key(s.svc), s]));
  const secrets = new Map((objs.secrets ?? []).map((s) => [key(s), s]));
  return {
    ingresses: objs.ingresses,
    ingressClasses: objs.classes ?? [k8tsClass()],
    service: (ns, n) => svcs.get(`${ns}/${n}`)?.svc,
    endpointSlices: (ns, n) => {
      const s = svcs.get(`${ns}/${n}`);
      return s ? [s.slice] : [];
    },
    secret: (ns, n) => secrets.get(`${ns}/${n}`),
  };
}
