// The requester's side of the CSR flow, for agents and components that need a client
// certificate from the cluster (a kubelet joining with a bootstrap token, or renewing its
// system:node:<name> identity): makes a key, submits a CertificateSigningRequest and waits for
// the signer. Holds the private key in memory only; never approves anything itself.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { webcrypto } from 'node:crypto';
import type { KubeClient } from '../../client/types.js';
import { CSR_GVR, KUBELET_CLIENT_SIGNER, KUBELET_SERVING_SIGNER, type Csr } from './csr.js';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

export interface CertificateRequestOptions {
  commonName: string;
  organizations?: string[];
  /** subjectAltNames (serving certificates) */
  sans?: { type: 'dns' | 'ip'; value: string }[];
  signerName?: string;
  usages?: string[];
  expirationSeconds?: number;
  /** CSR name prefix (generateName); default "csr-". */
  namePrefix?: string;
  timeoutMs?: number;
  pollMs?: number;
  signal?: AbortSignal;
}

/** upstream's node client identity: CN system:node:<name>, O system:nodes. */
export function nodeClientRequest(nodeName: string): CertificateRequestOptions {
  return { commonName: `system:node:${nodeName}`, organizations: ['system:nodes'], signerName: KUBELET_CLIENT_SIGNER, usages: ['digital signature', 'client auth'], namePrefix: 'node-csr-' };
}

/** upstream's kubelet serving identity: the node's name and addresses as SANs. */
export function kubeletServingRequest(nodeName: string, ips: string[]): CertificateRequestOptions {
  return {
    commonName: `system:node:${nodeName}`,
    organizations: ['system:nodes'],
    sans: [{ type: 'dns', value: nodeName }, ...ips.map((value) => ({ type: 'ip' as const, value }))],
    signerName: KUBELET_SERVING_SIGNER,
    usages: ['digital signature', 'server auth'],
    namePrefix: 'csr-',
  };
}

function pem(der: ArrayBuffer, label: string): string {
  const b64 = Buffer.from(der).toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

const rdn = (v: string) => v.replace(/([,+"\\<>;=])/g, '\\$1');

/** Submits a CSR and resolves with the signed certificate and its key once issued. */
export async function requestClientCertificate(client: KubeClient, o: CertificateRequestOptions): Promise<{ certPem: string; keyPem: string; csrName: string }> {
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
  const name = [...(o.organizations ?? []).map((g) => `O=${rdn(g)}`), `CN=${rdn(o.commonName)}`].join(', ');
  const extensions = o.sans?.length ? [new x509.SubjectAlternativeNameExtension(o.sans)] : [];
  const req = await x509.Pkcs10CertificateRequestGenerator.create({ name, keys, signingAlgorithm: ALG, extensions });
  const created = await client.create<Csr>(CSR_GVR, '', {
    apiVersion: 'certificates.k8s.io/v1',
    kind: 'CertificateSigningRequest',
    metadata: { generateName: o.namePrefix ?? 'csr-' },
    spec: {
      request: Buffer.from(req.toString('pem')).toString('base64'),
      signerName: o.signerName ?? 'kubernetes.io/kube-apiserver-client',
      usages: o.usages ?? ['digital signature', 'client auth'],
      ...(o.expirationSeconds ? { expirationSeconds: o.expirationSeconds } : {}),
    },
  });
  const csrName = created.metadata.name!;
  const deadline = Date.now() + (o.timeoutMs ?? 15 * 60_000);
  let wait = 25;
  for (;;) {
    if (o.signal?.aborted) throw new Error(`waiting for certificate ${csrName}: aborted`);
    const csr = await client.get<Csr>(CSR_GVR, '', csrName);
    const cert = csr.status?.certificate;
    if (cert) return { certPem: Buffer.from(cert, 'base64').toString('utf8'), keyPem: pem(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey), 'PRIVATE KEY'), csrName };
    const refused = csr.status?.conditions?.find((c) => (c.type === 'Denied' || c.type === 'Failed') && c.status !== 'False');
    if (refused) throw new Error(`certificate request ${csrName} ${refused.type.toLowerCase()}: ${refused.reason ?? ''} ${refused.message ?? ''}`.trim());
    if (Date.now() > deadline) throw new Error(`timed out waiting for certificate ${csrName} to be approved and signed`);
    // Approval and signing usually take a few tens of milliseconds: look again soon, then less often.
    await new Promise((r) => setTimeout(r, o.pollMs ?? (wait = Math.min(wait * 2, 1_000))));
  }
}

/** Renew when less than this fraction of the certificate's life remains (upstream's 70–90% jitter, simplified). */
export function needsRotation(certPem: string, now = new Date(), threshold = 0.2): boolean {
  const c = new x509.X509Certificate(certPem);
  const total = c.notAfter.getTime() - c.notBefore.getTime();
  return c.notAfter.getTime() - now.getTime() < total * threshold;
}
