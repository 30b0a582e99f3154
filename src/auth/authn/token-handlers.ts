// The token endpoints: serviceaccounts/token (TokenRequest: issue a bound ServiceAccount token)
// and tokenreviews (TokenReview: tell a caller who a token belongs to). They plug into the API
// server as SpecialHandlers; they read ServiceAccounts, Pods, Secrets and Nodes and never write
// a stored object.
import type { KubeObject } from '../../api/object.js';
import { errors, StatusError } from '../../api/errors.js';
import type { ResourceInfo } from '../../api/registry/types.js';
import { rfc3339 } from '../../apiserver/context.js';
import { firstHeader, mediaType, readBody, sendJson, type Reply } from '../../apiserver/http.js';
import type { ApiMachinery } from '../../apiserver/machinery.js';
import type { ResourceStorage } from '../../apiserver/registry/resource-storage.js';
import type { SpecialHandler } from '../../apiserver/server.js';
import { MAX_BODY_BYTES } from '../../apiserver/handlers/resource-handler.js';
import type { TokenAuthenticator, UserInfo } from '../types.js';
import type { BoundKind, ServiceAccountTokens } from './service-account-tokens.js';

export const DEFAULT_TOKEN_EXPIRATION_SECONDS = 3600;
const MIN_EXPIRATION_SECONDS = 600;
const MAX_EXPIRATION_SECONDS = 2 ** 32;
const BINDABLE: ReadonlySet<string> = new Set(['Pod', 'Secret', 'Node']);

export interface TokenHandlerDeps {
  machinery: ApiMachinery;
  tokens: ServiceAccountTokens;
  /** Storage of a built-in resource by group and plural. */
  storage(group: string, plural: string): ResourceStorage | undefined;
  /** Upper bound for requested lifetimes (--service-account-max-token-expiration); default none. */
  maxExpirationSeconds?: number;
}

async function readJson(r: Reply, m: ApiMachinery): Promise<any> {
  const body = await readBody(r.req, MAX_BODY_BYTES);
  const v = m.decodeBody(body, mediaType(firstHeader(r.req.headers['content-type'])) || 'application/json').value;
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw errors.badRequest('request body must be an object');
  return v;
}

function invalidTokenRequest(name: string, field: string, value: unknown, detail: string): StatusError {
  return errors.invalid('TokenRequest', 'authentication.k8s.io', name, [{ reason: 'FieldValueInvalid', field, message: `Invalid value: ${JSON.stringify(value)}: ${detail}` }]);
}

/** Lifetime to issue (pure): defaulted, validated and capped. */
export function tokenLifetime(requested: unknown, name: string, max?: number): number {
  if (requested === undefined || requested === null) return Math.min(DEFAULT_TOKEN_EXPIRATION_SECONDS, max ?? Infinity);
  if (typeof requested !== 'number' || !Number.isInteger(requested)) throw invalidTokenRequest(name, 'spec.expirationSeconds', requested, 'must be an integer');
  if (requested < MIN_EXPIRATION_SECONDS) throw invalidTokenRequest(name, 'spec.expirationSeconds', requested, 'may not specify a duration less than 10 minutes');
  if (requested > MAX_EXPIRATION_SECONDS) throw invalidTokenRequest(name, 'spec.expirationSeconds', requested, 'may not specify a duration larger than 2^32 seconds');
  return max ? Math.min(requested, max) : requested;
}

/** POST /api/v1/namespaces/<ns>/serviceaccounts/<name>/token */
export function tokenRequestHandler(d: TokenHandlerDeps): SpecialHandler {
  return {
    matches: (ri, info) => info.group === '' && info.plural === 'serviceaccounts' && ri.subresource === 'token',
    async handle(r, ri, _info, _q, ctx) {
      if (ri.verb !== 'create') throw errors.methodNotAllowed();
      const req = await readJson(r, d.machinery);
      if (req.metadata?.name && req.metadata.name !== ri.name) throw errors.badRequest(`the name of the TokenRequest (${req.metadata.name}) does not match the ServiceAccount name (${ri.name})`);
      const sa = await mustGet(d, '', 'serviceaccounts', ri.namespace, ri.name);
      const spec = req.spec ?? {};
      const expirationSeconds = tokenLifetime(spec.expirationSeconds, ri.name, d.maxExpirationSeconds);
      const audiences: string[] = Array.isArray(spec.audiences) ? spec.audiences.filter((a: unknown) => typeof a === 'string' && a) : [];
      let bound: { kind: BoundKind; name: string; uid: string } | undefined;
      let node: { name: string; uid: string } | undefined;
      const ref = spec.boundObjectRef;
      if (ref) {
        const kind = String(ref.kind ?? '');
        if (!BINDABLE.has(kind) || (ref.apiVersion && ref.apiVersion !== 'v1')) {
          throw errors.badRequest(`cannot bind token for object of type ${ref.apiVersion ?? ''}, Kind=${kind}`);
        }
        const plural = kind === 'Pod' ? 'pods' : kind === 'Secret' ? 'secrets' : 'nodes';
        const obj = await mustGet(d, '', plural, kind === 'Node' ? '' : ri.namespace, String(ref.name ?? ''));
        if (ref.uid && ref.uid !== obj.metadata.uid) {
          throw errors.conflict(plural, '', obj.metadata.name ?? '', `the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`);
        }
        bound = { kind: kind as BoundKind, name: obj.metadata.name!, uid: obj.metadata.uid! };
        if (kind === 'Pod') {
          const podSA = (obj as any).spec?.serviceAccountName || 'default';
          if (podSA !== ri.name) throw errors.badRequest(`cannot bind token for serviceaccount "${ri.name}" to pod "${obj.metadata.name}": pod is using service account "${podSA}"`);
          const nodeName = (obj as any).spec?.nodeName;
          const n = nodeName ? await d.storage('', 'nodes')?.getCached('', nodeName) : undefined;
          if (n?.metadata.uid) node = { name: nodeName, uid: n.metadata.uid };
        }
      }
      const issued = ctx.dryRun
        ? { token: '', expirationTimestamp: rfc3339(new Date(ctx.now.getTime() + expirationSeconds * 1000)) }
        : d.tokens.issue({ namespace: ri.namespace, serviceAccountName: ri.name, serviceAccountUID: sa.metadata.uid!, audiences, expirationSeconds, boundObject: bound, node, now: ctx.now });
      sendJson(r, 201, {
        kind: 'TokenRequest',
        apiVersion: 'authentication.k8s.io/v1',
        metadata: { name: ri.name, namespace: ri.namespace, creationTimestamp: rfc3339(ctx.now) },
        spec: {
          audiences: audiences.length ? audiences : d.tokens.apiAudiences,
          expirationSeconds,
          ...(bound ? { boundObjectRef: { kind: bound.kind, apiVersion: 'v1', name: bound.name, uid: bound.uid } } : {}),
        },
        status: issued,
      });
    },
  };
}

async function mustGet(d: TokenHandlerDeps, group: string, plural: string, namespace: string, name: string): Promise<KubeObject> {
  const s = d.storage(group, plural);
  const obj = name && s ? await s.getCached(namespace, name) : undefined;
  if (!obj) throw errors.notFound(plural, group, name);
  return obj;
}

export interface TokenReviewDeps {
  machinery: ApiMachinery;
  tokens: ServiceAccountTokens;
  /** Audience-agnostic authenticators tried after ServiceAccount tokens (bootstrap, token file). */
  others?: TokenAuthenticator[];
}

export type ReviewResult = { authenticated: true; user: UserInfo; audiences: string[] } | { authenticated: false; error: string };

/** Who a token is for the given audiences (empty: the API server's), as TokenReview answers. */
export async function reviewToken(d: TokenReviewDeps, token: string, requested: string[]): Promise<ReviewResult> {
  const apiAud = d.tokens.apiAudiences;
  const audiences = requested.length ? requested : apiAud;
  const sa = await d.tokens.verify(token, audiences);
  if (sa && 'user' in sa) return { authenticated: true, user: sa.user, audiences: requested.length ? sa.audiences : apiAud };
  if (sa) return { authenticated: false, error: `[invalid bearer token, ${sa.error}]` };
  // Tokens that carry no audience are valid only for the API server itself.
  const forApi = audiences.filter((a) => apiAud.includes(a));
  if (forApi.length) {
    for (const a of d.others ?? []) {
      const u = await a(token);
      if (u) return { authenticated: true, user: u, audiences: requested.length ? forApi : apiAud };
    }
  }
  return { authenticated: false, error: '[invalid bearer token, token lookup failed]' };
}

/** POST /apis/authentication.k8s.io/v1/tokenreviews */
export function tokenReviewHandler(d: TokenReviewDeps): SpecialHandler {
  return {
    matches: (_ri, info: ResourceInfo) => info.group === 'authentication.k8s.io' && info.plural === 'tokenreviews',
    async handle(r, ri, info, _q, _ctx) {
      if (ri.verb !== 'create') throw errors.methodNotAllowed();
      const review = await readJson(r, d.machinery);
      const spec = review.spec ?? {};
      if (typeof spec.token !== 'string' || !spec.token) throw errors.badRequest('token is required for TokenReview in authentication');
      const requested: string[] = Array.isArray(spec.audiences) ? spec.audiences.filter((a: unknown) => typeof a === 'string') : [];
      const res = await reviewToken(d, spec.token, requested);
      const status = res.authenticated
        ? { authenticated: true, user: userInfoJson(res.user), audiences: res.audiences }
        : { user: {}, error: res.error };
      sendJson(r, 201, {
        kind: 'TokenReview',
        apiVersion: `${info.group}/${info.version}`,
        metadata: { ...(review.metadata ?? {}), creationTimestamp: null },
        spec,
        status,
      });
    },
  };
}

function userInfoJson(u: UserInfo): object {
  return { username: u.username, ...(u.uid ? { uid: u.uid } : {}), groups: u.groups, ...(u.extra && Object.keys(u.extra).length ? { extra: u.extra } : {}) };
}
