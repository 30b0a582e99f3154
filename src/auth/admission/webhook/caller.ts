// Calls one admission webhook over HTTPS with an AdmissionReview v1 and returns its response.
// Resolves service references through an injectable resolver (default: the service's ready
// endpoints, then its ClusterIP), verifying the serving certificate against caBundle for the
// name <service>.<namespace>.svc, as upstream does.
import { randomUUID } from 'node:crypto';
import { request as httpsRequest } from 'node:https';
import type { KubeObject } from '../../../api/object.js';
import type { AdmissionAttributes } from '../../types.js';
import type { ObjectLookup } from '../lookup.js';
import type { Webhook, WebhookClientConfig } from './matching.js';

export interface AdmissionResponse {
  uid: string;
  allowed: boolean;
  status?: { code?: number; message?: string; reason?: string };
  patch?: string;
  patchType?: string;
  warnings?: string[];
  auditAnnotations?: Record<string, string>;
}

export interface Target {
  url: URL;
  /** TLS server name to verify (service DNS name), when it differs from the URL host. */
  servername?: string;
}

export type ServiceResolver = (svc: NonNullable<WebhookClientConfig['service']>) => Promise<Target>;

/** Resolves a service reference to a ready endpoint address (or the ClusterIP when there is none). */
export function endpointResolver(lookup: ObjectLookup): ServiceResolver {
  return async (svc) => {
    const port = svc.port ?? 443;
    const path = svc.path ?? '/';
    const servername = `${svc.name}.${svc.namespace}.svc`;
    const service = await lookup.get('', 'services', svc.namespace, svc.name);
    if (!service) throw new Error(`service "${svc.name}" not found`);
    const spec = (service as any).spec ?? {};
    if (spec.type === 'ExternalName') return { url: new URL(`https://${spec.externalName}:${port}${path}`), servername };
    const svcPort = (spec.ports ?? []).find((p: any) => p.port === port);
    const endpoints = await lookup.get('', 'endpoints', svc.namespace, svc.name);
    for (const subset of (endpoints as any)?.subsets ?? []) {
      const addr = subset.addresses?.[0]?.ip;
      const epPort = (subset.ports ?? []).find((p: any) => !svcPort?.name || p.name === svcPort.name)?.port;
      if (addr && epPort) return { url: new URL(`https://${addr.includes(':') ? `[${addr}]` : addr}:${epPort}${path}`), servername };
    }
    if (spec.clusterIP && spec.clusterIP !== 'None') return { url: new URL(`https://${spec.clusterIP}:${port}${path}`), servername };
    throw new Error(`service "${svc.namespace}/${svc.name}" has no endpoints`);
  };
}

const OPTIONS_KIND: Record<string, string> = { CREATE: 'CreateOptions', UPDATE: 'UpdateOptions', DELETE: 'DeleteOptions', CONNECT: '' };

export function admissionReview(a: AdmissionAttributes, uid = randomUUID()): Record<string, unknown> {
  const kind = { group: a.info.group, version: a.info.version, kind: a.info.kind };
  const resource = { group: a.info.group, version: a.info.version, resource: a.info.plural };
  const request: Record<string, unknown> = {
    uid,
    kind,
    resource,
    requestKind: kind,
    requestResource: resource,
    name: a.name || a.object?.metadata.name || undefined,
    namespace: a.namespace || undefined,
    operation: a.operation,
    userInfo: { username: a.user.username, uid: a.user.uid, groups: a.user.groups, extra: a.user.extra },
    object: a.operation === 'DELETE' ? null : a.object ?? null,
    oldObject: a.oldObject ?? null,
    dryRun: a.dryRun,
  };
  if (a.subresource) request.subResource = request.requestSubResource = a.subresource;
  if (OPTIONS_KIND[a.operation]) request.options = { kind: OPTIONS_KIND[a.operation], apiVersion: 'meta.k8s.io/v1' };
  return { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request };
}

/** Posts the review and returns the response; throws Error(detail) on transport or protocol failure. */
export async function callWebhook(hook: Webhook, target: Target, review: Record<string, unknown>, signal?: AbortSignal): Promise<AdmissionResponse> {
  const body = Buffer.from(JSON.stringify(review));
  const ca = hook.clientConfig.caBundle ? Buffer.from(hook.clientConfig.caBundle, 'base64').toString('utf8') : undefined;
  const url = target.url;
  const text = await new Promise<string>((resolve, reject) => {
    const req = httpsRequest(
      {
        method: 'POST',
        hostname: url.hostname.replace(/^\[|\]$/g, ''),
        port: url.port || 443,
        path: `${url.pathname}${url.search}` + (url.search ? '&' : '?') + `timeout=${hook.timeoutSeconds}s`,
        headers: { 'content-type': 'application/json', accept: 'application/json', 'content-length': body.length },
        ca,
        servername: target.servername,
        timeout: hook.timeoutSeconds * 1000,
        signal,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const t = Buffer.concat(chunks).toString('utf8');
          if ((res.statusCode ?? 0) >= 300) reject(new Error(`the server responded with status ${res.statusCode}: ${t.slice(0, 200)}`));
          else resolve(t);
        });
        res.on('error', reject);
      },
    );
    req.setTimeout(hook.timeoutSeconds * 1000, () => req.destroy(new Error('context deadline exceeded')));
    req.on('error', reject);
    req.end(body);
  }).catch((err: Error) => {
    throw new Error(`failed to call webhook: Post "${url.href}": ${err.message}`);
  });
  let parsed: any;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error('received invalid webhook response: could not decode AdmissionReview');
  }
  const resp = parsed?.response;
  if (!resp) throw new Error('received invalid webhook response: response was absent');
  const uid = (review.request as { uid: string }).uid;
  if (resp.uid !== uid) throw new Error(`expected response.uid="${uid}", got "${resp.uid}"`);
  return resp as AdmissionResponse;
}

export type { KubeObject };
