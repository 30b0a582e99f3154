// When a certificate is renewed (pure): upstream's kubelet certificate manager picks a deadline at a
// random point between 70% and 90% of the certificate's lifetime, so a fleet of nodes does not
// renew at once and each has time to retry before expiry.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { webcrypto } from 'node:crypto';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

export interface CertificateTimes {
  notBefore: Date;
  notAfter: Date;
}

export function certificateTimes(certPem: string): CertificateTimes {
  const c = new x509.X509Certificate(certPem);
  return { notBefore: c.notBefore, notAfter: c.notAfter };
}

/** notBefore + (70..90% of the lifetime); jitter in [0, 1). */
export function rotationDeadline(t: CertificateTimes, jitter: number): Date {
  const total = t.notAfter.getTime() - t.notBefore.getTime();
  return new Date(t.notBefore.getTime() + total * (0.7 + 0.2 * Math.min(Math.max(jitter, 0), 1)));
}

/** Whether a stored certificate is still good to start with (not expired, not yet at 90% of its life). */
export function usableAtStart(t: CertificateTimes, now: Date): boolean {
  return now.getTime() < rotationDeadline(t, 1).getTime() && now.getTime() >= t.notBefore.getTime() - 60_000;
}

/** The certificate's subject common name and its SAN values (to check a stored one is for this node). */
export function certificateNames(certPem: string): { commonName: string; sans: string[] } {
  const c = new x509.X509Certificate(certPem);
  const sanExt = c.getExtension(x509.SubjectAlternativeNameExtension);
  return {
    commonName: c.subjectName.getField('CN')[0] ?? '',
    sans: sanExt ? sanExt.names.items.map((n) => n.value) : [],
  };
}

/** Whether certPem was issued by caPem (checks the signature). */
export async function issuedBy(certPem: string, caPem: string): Promise<boolean> {
  try {
    const ca = new x509.X509Certificate(caPem);
    return await new x509.X509Certificate(certPem).verify({ publicKey: ca.publicKey, signatureOnly: true });
  } catch {
    return false;
  }
}
