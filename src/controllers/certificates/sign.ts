// Issues a certificate for a public key someone else holds (the CSR signer's half of the PKI):
// subject, SANs and usages as requested, signed by the cluster CA. Owns no files and no policy —
// what may be signed is decided by the caller.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { randomBytes, webcrypto } from 'node:crypto';
import type { CertificateAuthority } from '../../pki/ca.js';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const SIGNING_ALG = { name: 'ECDSA', hash: 'SHA-256' } as const;

/** upstream certificates/v1 KeyUsage strings that are X.509 key usages. */
const KEY_USAGES: Record<string, number> = {
  signing: x509.KeyUsageFlags.digitalSignature,
  'digital signature': x509.KeyUsageFlags.digitalSignature,
  'content commitment': x509.KeyUsageFlags.nonRepudiation,
  'key encipherment': x509.KeyUsageFlags.keyEncipherment,
  'key agreement': x509.KeyUsageFlags.keyAgreement,
  'data encipherment': x509.KeyUsageFlags.dataEncipherment,
  'cert sign': x509.KeyUsageFlags.keyCertSign,
  'crl sign': x509.KeyUsageFlags.cRLSign,
  'encipher only': x509.KeyUsageFlags.encipherOnly,
  'decipher only': x509.KeyUsageFlags.decipherOnly,
};

/** ... and those that are extended key usages (OIDs). */
const EXT_KEY_USAGES: Record<string, string> = {
  any: '2.5.29.37.0',
  'server auth': x509.ExtendedKeyUsage.serverAuth,
  'client auth': x509.ExtendedKeyUsage.clientAuth,
  'code signing': x509.ExtendedKeyUsage.codeSigning,
  'email protection': x509.ExtendedKeyUsage.emailProtection,
  's/mime': x509.ExtendedKeyUsage.emailProtection,
  'ipsec end system': '1.3.6.1.5.5.7.3.5',
  'ipsec tunnel': '1.3.6.1.5.5.7.3.6',
  'ipsec user': '1.3.6.1.5.5.7.3.7',
  timestamping: x509.ExtendedKeyUsage.timeStamping,
  'ocsp signing': x509.ExtendedKeyUsage.ocspSigning,
  'microsoft sgc': '1.3.6.1.4.1.311.10.3.3',
  'netscape sgc': '2.16.840.1.113730.4.1',
};

export function isKnownUsage(u: string): boolean {
  return u in KEY_USAGES || u in EXT_KEY_USAGES;
}

export interface SignRequest {
  publicKey: x509.PublicKey | CryptoKey;
  /** X.500 name string, e.g. "CN=jane, O=dev". */
  subject: string;
  sans?: { type: 'dns' | 'ip' | 'email' | 'url'; value: string }[];
  usages: string[];
  notBefore: Date;
  notAfter: Date;
}

/** Signs the key with the CA; returns the certificate as PEM. */
export async function signPublicKey(ca: CertificateAuthority, req: SignRequest): Promise<string> {
  let keyUsage = 0;
  const eku: string[] = [];
  for (const u of req.usages) {
    if (u in KEY_USAGES) keyUsage |= KEY_USAGES[u]!;
    else if (u in EXT_KEY_USAGES) eku.push(EXT_KEY_USAGES[u]!);
    else throw new Error(`unknown key usage "${u}"`);
  }
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    await x509.AuthorityKeyIdentifierExtension.create(ca.cert),
  ];
  if (keyUsage) extensions.push(new x509.KeyUsagesExtension(keyUsage, true));
  if (eku.length) extensions.push(new x509.ExtendedKeyUsageExtension(eku));
  if (req.sans?.length) extensions.push(new x509.SubjectAlternativeNameExtension(req.sans));
  // A certificate never outlives the CA that vouches for it.
  const notAfter = req.notAfter > ca.cert.notAfter ? ca.cert.notAfter : req.notAfter;
  const serial = randomBytes(16);
  serial[0]! &= 0x7f;
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial.toString('hex'),
    subject: req.subject,
    issuer: ca.cert.subject,
    notBefore: req.notBefore,
    notAfter,
    signingAlgorithm: SIGNING_ALG,
    publicKey: req.publicKey,
    signingKey: ca.key,
    extensions,
  });
  return cert.toString('pem') + '\n';
}
