// ServiceAccount tokens: bound JWTs (ES256) the API server issues through TokenRequest and
// accepts as bearer tokens. Owns the signing key in <data-dir>/tls/service-account.key and the
// token claims; it reads ServiceAccounts, Pods, Secrets and Nodes only through the injected lookup
// (to refuse tokens whose objects are gone) and never writes any API object.
import { generateKeyPairSync, randomUUID, timingSafeEqual, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TokenAuthenticator, UserInfo } from '../types.js';
import { decodeJwt, keyId, privateKeyFromPem, publicKeyOf, signJwt, verifyEs256 } from './jwt.js';

export const DEFAULT_ISSUER = 'https://kubernetes.default.svc.cluster.local';
export const SERVICE_ACCOUNT_PREFIX = 'system:serviceaccount:';

export type BoundKind = 'Pod' | 'Secret' | 'Node';
export type LookupKind = 'ServiceAccount' | BoundKind;

/** Finds a live object's uid; undefined when it does not exist. */
export type ObjectLookup = (namespace: string, kind: LookupKind, name: string) => Promise<LiveObject | undefined>;

export interface LiveObject {
  uid?: string;
  deletionTimestamp?: string;
  /** Secrets only: the decoded data.token (legacy ServiceAccount token Secrets). */
  secretToken?: string;
}

/** Issuer of the long-lived tokens stored in kubernetes.io/service-account-token Secrets. */
export const LEGACY_ISSUER = 'kubernetes/serviceaccount';
const LEGACY = 'kubernetes.io/serviceaccount/';

export interface IssueRequest {
  namespace: string;
  serviceAccountName: string;
  serviceAccountUID: string;
  /** Empty: the API server's audiences. */
  audiences?: string[];
  expirationSeconds: number;
  boundObject?: { kind: BoundKind; name: string; uid: string };
  /** Pod-bound tokens may carry the node the pod runs on. */
  node?: { name: string; uid: string };
  now?: Date;
}

export interface IssuedToken {
  token: string;
  /** RFC 3339, second precision. */
  expirationTimestamp: string;
}

export type TokenVerdict = { user: UserInfo; audiences: string[] } | { error: string };

interface KubernetesClaims {
  namespace?: string;
  serviceaccount?: { name?: string; uid?: string };
  pod?: { name?: string; uid?: string };
  secret?: { name?: string; uid?: string };
  node?: { name?: string; uid?: string };
}

/** upstream's serviceaccount.MakeUsername / MakeGroupNames. */
export function serviceAccountUser(namespace: string, name: string): string {
  return `${SERVICE_ACCOUNT_PREFIX}${namespace}:${name}`;
}

export function serviceAccountGroups(namespace: string): string[] {
  return ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'];
}

/** A deleted pod's token stays usable for this long, so the kubelet can finish tearing it down. */
const DELETION_GRACE_MS = 60_000;
const NBF_LEEWAY_S = 60;
const AUTH_CACHE_TTL_MS = 10_000;
const AUTH_CACHE_MAX = 4096;

export interface ServiceAccountTokensOptions {
  issuer?: string;
  /** What tokens without explicit audiences are for; also what the authenticator accepts. */
  apiAudiences?: string[];
  lookup?: ObjectLookup;
}

export class ServiceAccountTokens {
  readonly issuer: string;
  readonly apiAudiences: string[];
  readonly kid: string;
  private readonly publicKey: KeyObject;
  private lookup: ObjectLookup | undefined;

  constructor(private readonly privateKey: KeyObject, opts: ServiceAccountTokensOptions = {}) {
    this.issuer = opts.issuer ?? DEFAULT_ISSUER;
    this.apiAudiences = opts.apiAudiences?.length ? opts.apiAudiences : [this.issuer];
    this.publicKey = publicKeyOf(privateKey);
    this.kid = keyId(this.publicKey);
    this.lookup = opts.lookup;
  }

  /** Loads the signing key from <dataDir>/tls/service-account.key, creating it on first start. */
  static async load(dataDir: string, opts: ServiceAccountTokensOptions = {}): Promise<ServiceAccountTokens> {
    const dir = join(dataDir, 'tls');
    const file = join(dir, 'service-account.key');
    if (!existsSync(file)) {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
      writeFileSync(file, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
    }
    return new ServiceAccountTokens(privateKeyFromPem(readFileSync(file, 'utf8')), opts);
  }

  /** Sets how tokens' objects are checked (the storages exist only after the key is loaded). */
  useLookup(lookup: ObjectLookup): void {
    this.lookup = lookup;
  }

  issue(req: IssueRequest): IssuedToken {
    const now = Math.floor((req.now ?? new Date()).getTime() / 1000);
    const exp = now + req.expirationSeconds;
    const k8s: KubernetesClaims = { namespace: req.namespace };
    if (req.node) k8s.node = { name: req.node.name, uid: req.node.uid };
    const b = req.boundObject;
    if (b?.kind === 'Pod') k8s.pod = { name: b.name, uid: b.uid };
    else if (b?.kind === 'Secret') k8s.secret = { name: b.name, uid: b.uid };
    else if (b?.kind === 'Node') k8s.node = { name: b.name, uid: b.uid };
    k8s.serviceaccount = { name: req.serviceAccountName, uid: req.serviceAccountUID };
    const claims = {
      aud: req.audiences?.length ? req.audiences : this.apiAudiences,
      exp,
      iat: now,
      iss: this.issuer,
      jti: randomUUID(),
      'kubernetes.io': k8s,
      nbf: now,
      sub: serviceAccountUser(req.namespace, req.serviceAccountName),
    };
    return { token: signJwt(claims, this.privateKey, this.kid), expirationTimestamp: new Date(exp * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z') };
  }

  /**
   * Checks a token for the given audiences (default: the API server's). null when the token is
   * not one of ours (another authenticator may know it); { error } when it is ours but invalid.
   */
  async verify(token: string, audiences: string[] = this.apiAudiences, now = new Date()): Promise<TokenVerdict | null> {
    const jwt = decodeJwt(token);
    if (!jwt || (jwt.claims.iss !== this.issuer && jwt.claims.iss !== LEGACY_ISSUER)) return null;
    if (!verifyEs256(jwt, this.publicKey)) return { error: 'invalid bearer token, signature is invalid' };
    const c = jwt.claims;
    if (c.iss === LEGACY_ISSUER) return this.verifyLegacy(token, c, audiences);
    const t = now.getTime() / 1000;
    if (typeof c.exp !== 'number' || t >= c.exp) return { error: 'service account token has expired' };
    if (typeof c.nbf === 'number' && t + NBF_LEEWAY_S < c.nbf) return { error: 'service account token is not valid yet' };
    const tokenAud = typeof c.aud === 'string' ? [c.aud] : Array.isArray(c.aud) ? (c.aud as unknown[]).filter((a): a is string => typeof a === 'string') : [];
    const matched = audiences.filter((a) => tokenAud.includes(a));
    if (!matched.length) return { error: `token audiences ${JSON.stringify(tokenAud)} is invalid for the target audiences ${JSON.stringify(audiences)}` };
    const k8s = (c['kubernetes.io'] ?? {}) as KubernetesClaims;
    const ns = k8s.namespace;
    const saName = k8s.serviceaccount?.name;
    if (!ns || !saName || c.sub !== serviceAccountUser(ns, saName)) return { error: 'service account token claims are invalid' };
    const invalidated = await this.invalidated(ns, k8s, now);
    if (invalidated) return { error: invalidated };
    const extra: Record<string, string[]> = {};
    if (k8s.pod?.name) extra['authentication.kubernetes.io/pod-name'] = [k8s.pod.name];
    if (k8s.pod?.uid) extra['authentication.kubernetes.io/pod-uid'] = [k8s.pod.uid];
    if (k8s.node?.name) extra['authentication.kubernetes.io/node-name'] = [k8s.node.name];
    if (k8s.node?.uid) extra['authentication.kubernetes.io/node-uid'] = [k8s.node.uid];
    if (typeof c.jti === 'string') extra['authentication.kubernetes.io/credential-id'] = [`JTI=${c.jti}`];
    const user: UserInfo = { username: c.sub as string, groups: serviceAccountGroups(ns), extra };
    if (k8s.serviceaccount?.uid) user.uid = k8s.serviceaccount.uid;
    return { user, audiences: matched };
  }

  /** A long-lived token for a kubernetes.io/service-account-token Secret (no expiry, no audience). */
  issueLegacy(req: { namespace: string; serviceAccountName: string; serviceAccountUID: string; secretName: string }): string {
    return signJwt({
      iss: LEGACY_ISSUER,
      [LEGACY + 'namespace']: req.namespace,
      [LEGACY + 'secret.name']: req.secretName,
      [LEGACY + 'service-account.name']: req.serviceAccountName,
      [LEGACY + 'service-account.uid']: req.serviceAccountUID,
      sub: serviceAccountUser(req.namespace, req.serviceAccountName),
    }, this.privateKey, this.kid);
  }

  /** Legacy tokens live as long as their Secret (holding this very token) and ServiceAccount. */
  private async verifyLegacy(token: string, c: Record<string, unknown>, audiences: string[]): Promise<TokenVerdict> {
    const ns = c[LEGACY + 'namespace'];
    const secretName = c[LEGACY + 'secret.name'];
    const saName = c[LEGACY + 'service-account.name'];
    const saUid = c[LEGACY + 'service-account.uid'];
    if (typeof ns !== 'string' || typeof secretName !== 'string' || typeof saName !== 'string' || c.sub !== serviceAccountUser(ns, saName)) {
      return { error: 'service account token claims are invalid' };
    }
    // Legacy tokens carry no audience: they are good for the API server only.
    const matched = audiences.filter((a) => this.apiAudiences.includes(a));
    if (!matched.length) return { error: `token audiences ${JSON.stringify(this.apiAudiences)} is invalid for the target audiences ${JSON.stringify(audiences)}` };
    const lookup = this.lookup;
    if (lookup) {
      const gone = 'service account token has been invalidated';
      const secret = await lookup(ns, 'Secret', secretName);
      if (!secret || secret.deletionTimestamp || secret.secretToken === undefined || !sameUid(secret.secretToken, token)) return { error: gone };
      const sa = await lookup(ns, 'ServiceAccount', saName);
      if (!sa || sa.deletionTimestamp || !sameUid(sa.uid, typeof saUid === 'string' ? saUid : undefined)) return { error: gone };
    }
    const user: UserInfo = { username: c.sub as string, groups: serviceAccountGroups(ns) };
    if (typeof saUid === 'string' && saUid) user.uid = saUid;
    return { user, audiences: matched };
  }

  /**
   * The token authenticator for the API server's own audiences. Successes are cached briefly
   * (upstream caches for 10 s too): a signature check costs ~150 µs, and a deleted
   * ServiceAccount or pod stops its tokens within the cache TTL.
   */
  authenticator(cacheTtlMs = AUTH_CACHE_TTL_MS): TokenAuthenticator {
    const cache = new Map<string, { user: UserInfo; until: number }>();
    return async (token) => {
      const now = Date.now();
      const hit = cache.get(token);
      if (hit) {
        if (now < hit.until) return hit.user;
        cache.delete(token);
      }
      const v = await this.verify(token);
      if (!v || !('user' in v)) return null;
      if (cacheTtlMs > 0) {
        if (cache.size >= AUTH_CACHE_MAX) cache.delete(cache.keys().next().value!);
        const claimed = decodeJwt(token)!.claims.exp;
        const exp = typeof claimed === 'number' ? claimed * 1000 : Infinity;
        cache.set(token, { user: v.user, until: Math.min(now + cacheTtlMs, exp) });
      }
      return v.user;
    };
  }

  /** The OpenID discovery document (what /.well-known/openid-configuration serves upstream). */
  openIDConfiguration(): object {
    return {
      issuer: this.issuer,
      jwks_uri: `${this.issuer}/openid/v1/jwks`,
      response_types_supported: ['id_token'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['ES256'],
    };
  }

  /** The public key as a JSON Web Key Set (what /openid/v1/jwks serves upstream). */
  jwks(): { keys: object[] } {
    const jwk = this.publicKey.export({ format: 'jwk' });
    return { keys: [{ use: 'sig', kty: jwk.kty, kid: this.kid, crv: jwk.crv, alg: 'ES256', x: jwk.x, y: jwk.y }] };
  }

  /** Why the token's objects no longer back it, or undefined when they still do. */
  private async invalidated(ns: string, k8s: KubernetesClaims, now: Date): Promise<string | undefined> {
    const lookup = this.lookup;
    if (!lookup) return undefined;
    const gone = 'service account token has been invalidated';
    const check = async (kind: LookupKind, namespace: string, ref: { name?: string; uid?: string } | undefined, allowDeleting: boolean) => {
      if (!ref?.name) return true;
      const live = await lookup(namespace, kind, ref.name);
      if (!live || !sameUid(live.uid, ref.uid)) return false;
      if (live.deletionTimestamp) {
        const since = now.getTime() - Date.parse(live.deletionTimestamp);
        if (!allowDeleting || since > DELETION_GRACE_MS) return false;
      }
      return true;
    };
    if (!(await check('ServiceAccount', ns, k8s.serviceaccount, false))) return gone;
    if (!(await check('Pod', ns, k8s.pod, true))) return gone;
    if (!(await check('Secret', ns, k8s.secret, false))) return gone;
    // A pod-bound token names the pod's node only as information; a node-bound one depends on it.
    if (!k8s.pod && !(await check('Node', '', k8s.node, false))) return gone;
    return undefined;
  }
}

function sameUid(live: string | undefined, claimed: string | undefined): boolean {
  if (!claimed) return true;
  if (!live || live.length !== claimed.length) return false;
  return timingSafeEqual(Buffer.from(live), Buffer.from(claimed));
}

/** An ObjectLookup over the API server's storages (what the control plane passes in). */
export function storageLookup(getCached: (group: string, plural: string, namespace: string, name: string) => Promise<{ metadata: { uid?: string; deletionTimestamp?: string } } | undefined>): ObjectLookup {
  const plural: Record<LookupKind, string> = { ServiceAccount: 'serviceaccounts', Pod: 'pods', Secret: 'secrets', Node: 'nodes' };
  return async (namespace, kind, name) => {
    const obj = await getCached('', plural[kind], kind === 'Node' ? '' : namespace, name);
    if (!obj) return undefined;
    const live: LiveObject = { uid: obj.metadata.uid, deletionTimestamp: obj.metadata.deletionTimestamp };
    const token = kind === 'Secret' ? (obj as { data?: Record<string, string> }).data?.token : undefined;
    if (typeof token === 'string') live.secretToken = Buffer.from(token, 'base64').toString('utf8');
    return live;
  };
}
