// Compact JWS with ES256 (ECDSA P-256 + SHA-256), the only algorithm our ServiceAccount tokens use.
// Encodes, signs and checks signatures; claim semantics (expiry, audience, subject) belong to the
// caller. Written on node:crypto so no JWT library decides what a valid token is.
import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';

export interface JwtHeader {
  alg: string;
  kid?: string;
  typ?: string;
}

const b64url = (b: Buffer | string): string => Buffer.from(b).toString('base64url');

/** Key id as upstream derives it: base64url of SHA-256 over the DER (SPKI) public key. */
export function keyId(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ format: 'der', type: 'spki' })).digest('base64url');
}

export function signJwt(claims: object, privateKey: KeyObject, kid: string): string {
  const head = b64url(JSON.stringify({ alg: 'ES256', kid }));
  const body = b64url(JSON.stringify(claims));
  const input = `${head}.${body}`;
  // JWS wants the raw r||s signature, not DER.
  const sig = sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' });
  return `${input}.${b64url(sig)}`;
}

export interface DecodedJwt {
  header: JwtHeader;
  claims: Record<string, unknown>;
  signingInput: Buffer;
  signature: Buffer;
}

/** Splits and parses a compact JWS without checking it; undefined when it is not one. */
export function decodeJwt(token: string): DecodedJwt | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8'));
    const claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8'));
    if (!header || typeof header !== 'object' || !claims || typeof claims !== 'object' || Array.isArray(claims)) return undefined;
    return { header, claims, signingInput: Buffer.from(`${parts[0]}.${parts[1]}`), signature: Buffer.from(parts[2]!, 'base64url') };
  } catch {
    return undefined;
  }
}

export function verifyEs256(jwt: DecodedJwt, publicKey: KeyObject): boolean {
  if (jwt.header.alg !== 'ES256' || jwt.signature.length !== 64) return false;
  return verify('sha256', jwt.signingInput, { key: publicKey, dsaEncoding: 'ieee-p1363' }, jwt.signature);
}

export function privateKeyFromPem(pem: string): KeyObject {
  return createPrivateKey(pem);
}

export function publicKeyOf(privateKey: KeyObject): KeyObject {
  return createPublicKey(privateKey);
}
