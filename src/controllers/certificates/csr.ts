// Reading CertificateSigningRequests: the decoded PKCS#10 request, conditions, and the rules the
// built-in signers apply (pure apart from parsing). Shared by the signing and approving
// controllers; it writes nothing.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { webcrypto } from 'node:crypto';
import type { KubeObject } from '../../api/object.js';
import type { GroupVersionResource } from '../../client/types.js';
import { isKnownUsage } from './sign.js';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

export const CSR_GVR: GroupVersionResource = { group: 'certificates.k8s.io', version: 'v1', resource: 'certificatesigningrequests' };
export const KUBE_APISERVER_CLIENT_SIGNER = 'kubernetes.io/kube-apiserver-client';
export const KUBELET_CLIENT_SIGNER = 'kubernetes.io/kube-apiserver-client-kubelet';
export const KUBELET_SERVING_SIGNER = 'kubernetes.io/kubelet-serving';

export interface CsrCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastUpdateTime?: string;
  lastTransitionTime?: string;
}

export interface CsrSpec {
  request: string;
  signerName: string;
  usages?: string[];
  expirationSeconds?: number;
  username?: string;
  uid?: string;
  groups?: string[];
  extra?: Record<string, string[]>;
}

export interface Csr extends KubeObject {
  spec: CsrSpec;
  status?: { conditions?: CsrCondition[]; certificate?: string };
}

export interface ParsedRequest {
  request: x509.Pkcs10CertificateRequest;
  commonName: string;
  organizations: string[];
  sans: { type: 'dns' | 'ip' | 'email' | 'url'; value: string }[];
}

export function hasCondition(csr: Csr, type: string): boolean {
  return !!csr.status?.conditions?.some((c) => c.type === type && c.status !== 'False');
}

export function isFinished(csr: Csr): boolean {
  return !!csr.status?.certificate || hasCondition(csr, 'Denied') || hasCondition(csr, 'Failed');
}

/** Decodes spec.request (base64 of a PEM "CERTIFICATE REQUEST") and checks its self-signature. */
export async function parseCsrRequest(spec: CsrSpec): Promise<ParsedRequest> {
  const pem = Buffer.from(spec.request ?? '', 'base64').toString('utf8');
  if (!pem.includes('CERTIFICATE REQUEST')) throw new Error('PEM block type must be CERTIFICATE REQUEST');
  const request = new x509.Pkcs10CertificateRequest(pem);
  if (!(await request.verify())) throw new Error('CSR signature is invalid');
  const sans: ParsedRequest['sans'] = [];
  for (const e of request.extensions) {
    if (e.type !== '2.5.29.17') continue;
    const ext = e instanceof x509.SubjectAlternativeNameExtension ? e : new x509.SubjectAlternativeNameExtension(e.rawData);
    for (const n of ext.names.items) if (n.type === 'dns' || n.type === 'ip' || n.type === 'email' || n.type === 'url') sans.push({ type: n.type, value: n.value });
  }
  return {
    request,
    commonName: request.subjectName.getField('CN')[0] ?? '',
    organizations: request.subjectName.getField('O'),
    sans,
  };
}

const KUBELET_CLIENT_USAGES = new Set(['digital signature', 'key encipherment', 'client auth']);
const API_CLIENT_USAGES = new Set(['digital signature', 'key encipherment', 'client auth']);

/** What upstream's ValidateKubeletClientCSR refuses (empty when the request is a kubelet's). */
export function kubeletClientProblems(p: ParsedRequest, usages: string[]): string[] {
  const out: string[] = [];
  if (p.organizations.length !== 1 || p.organizations[0] !== 'system:nodes') out.push('subject organization is not system:nodes');
  if (!p.commonName.startsWith('system:node:')) out.push('subject common name does not begin with system:node:');
  for (const [type, label] of [['dns', 'DNS'], ['email', 'Email'], ['ip', 'IP'], ['url', 'URI']] as const) {
    if (p.sans.some((s) => s.type === type)) out.push(`${label} subjectAltNames are not allowed`);
  }
  if (!usages.includes('client auth') || usages.some((u) => !KUBELET_CLIENT_USAGES.has(u))) out.push(`usages did not match [digital signature key encipherment client auth]`);
  return out;
}

const KUBELET_SERVING_USAGES = new Set(['digital signature', 'key encipherment', 'server auth']);

/** What upstream's ValidateKubeletServingCSR refuses (empty when the request is a kubelet's serving certificate). */
export function kubeletServingProblems(p: ParsedRequest, usages: string[]): string[] {
  const out: string[] = [];
  if (p.organizations.length !== 1 || p.organizations[0] !== 'system:nodes') out.push('subject organization is not system:nodes');
  if (!p.commonName.startsWith('system:node:')) out.push('subject common name does not begin with system:node:');
  if (!p.sans.some((s) => s.type === 'dns' || s.type === 'ip')) out.push('DNS or IP subjectAltName is required');
  if (p.sans.some((s) => s.type === 'email')) out.push('Email subjectAltNames are not allowed');
  if (p.sans.some((s) => s.type === 'url')) out.push('URI subjectAltNames are not allowed');
  if (!usages.includes('server auth') || usages.some((u) => !KUBELET_SERVING_USAGES.has(u))) out.push('usages did not match [digital signature key encipherment server auth]');
  return out;
}

/** What the kube-apiserver-client signer refuses. */
export function apiClientProblems(usages: string[]): string[] {
  const bad = usages.filter((u) => !API_CLIENT_USAGES.has(u));
  if (bad.length) return [`invalid usage for client certificate: ${bad.join(', ')}`];
  if (!usages.includes('client auth')) return ['missing required usage for client certificate: client auth'];
  return [];
}

/** Why a signer of ours will not sign this request, or [] when it will. */
export function signerProblems(signerName: string, p: ParsedRequest, usages: string[]): string[] {
  const unknown = usages.filter((u) => !isKnownUsage(u));
  if (unknown.length) return [`unknown usages: ${unknown.join(', ')}`];
  if (signerName === KUBELET_CLIENT_SIGNER) return kubeletClientProblems(p, usages);
  if (signerName === KUBE_APISERVER_CLIENT_SIGNER) return apiClientProblems(usages);
  if (signerName === KUBELET_SERVING_SIGNER) return kubeletServingProblems(p, usages);
  return [`unsupported signer ${signerName}`];
}

const BACKDATE_MS = 5 * 60_000;

/**
 * Validity of the issued certificate: requested expirationSeconds capped by the signer's TTL,
 * backdated 5 minutes for clock skew. A signer TTL below the API's 10-minute minimum (a test
 * set-up for watching rotation) is backdated by a tenth of it instead, or the certificate would
 * be born past the point where its holder renews it.
 */
export function certificateWindow(spec: CsrSpec, now: Date, maxTtlSeconds: number): { notBefore: Date; notAfter: Date } {
  let ttl = maxTtlSeconds;
  if (typeof spec.expirationSeconds === 'number' && spec.expirationSeconds > 0) ttl = Math.min(ttl, Math.max(600, spec.expirationSeconds));
  const backdate = ttl >= 600 ? BACKDATE_MS : ttl * 100;
  return { notBefore: new Date(now.getTime() - backdate), notAfter: new Date(now.getTime() + ttl * 1000) };
}

export function withCondition(csr: Csr, c: CsrCondition): Csr {
  const next = structuredClone(csr);
  const status = (next.status ??= {});
  const conds = (status.conditions ??= []);
  const i = conds.findIndex((x) => x.type === c.type);
  if (i >= 0) conds[i] = c;
  else conds.push(c);
  return next;
}
