// Evaluating the authorization review types (SelfSubjectAccessReview, SubjectAccessReview,
// LocalSubjectAccessReview, SelfSubjectRulesReview) into their status objects. Pure helpers
// over an Authorizer; the review handler owns decoding and responding.
import type { AuthorizationAttributes, Authorizer, UserInfo } from '../types.js';
import type { RBACAuthorizer } from './rbac-authorizer.js';
import type { PolicyRule } from './rbac-types.js';

export interface ResourceAttributes {
  namespace?: string;
  verb?: string;
  group?: string;
  version?: string;
  resource?: string;
  subresource?: string;
  name?: string;
}

export interface NonResourceAttributes {
  path?: string;
  verb?: string;
}

export interface AccessReviewSpec {
  resourceAttributes?: ResourceAttributes;
  nonResourceAttributes?: NonResourceAttributes;
  user?: string;
  groups?: string[];
  uid?: string;
  extra?: Record<string, string[]>;
}

export interface AccessReviewStatus {
  allowed: boolean;
  denied?: boolean;
  reason?: string;
  evaluationError?: string;
}

/** The authorizer attributes a review's spec describes. */
export function reviewAttributes(user: UserInfo, spec: Pick<AccessReviewSpec, 'resourceAttributes' | 'nonResourceAttributes'>): AuthorizationAttributes {
  const r = spec.resourceAttributes;
  if (r) {
    return { user, verb: r.verb ?? '', isResourceRequest: true, apiGroup: r.group ?? '', apiVersion: r.version ?? '', resource: r.resource ?? '', subresource: r.subresource ?? '', namespace: r.namespace ?? '', name: r.name ?? '', path: '' };
  }
  const n = spec.nonResourceAttributes ?? {};
  return { user, verb: n.verb ?? '', isResourceRequest: false, apiGroup: '', apiVersion: '', resource: '', subresource: '', namespace: '', name: '', path: n.path ?? '' };
}

async function evaluate(authorizer: Authorizer, a: AuthorizationAttributes): Promise<AccessReviewStatus> {
  try {
    const d = await authorizer.authorize(a);
    const status: AccessReviewStatus = { allowed: d.decision === 'allow' };
    if (d.decision === 'deny') status.denied = true;
    if (d.reason) status.reason = d.reason;
    return status;
  } catch (err) {
    return { allowed: false, evaluationError: err instanceof Error ? err.message : String(err) };
  }
}

export function selfSubjectAccessReview(authorizer: Authorizer, user: UserInfo, spec: AccessReviewSpec): Promise<AccessReviewStatus> {
  return evaluate(authorizer, reviewAttributes(user, spec));
}

/** SubjectAccessReview and LocalSubjectAccessReview (whose namespace the handler has checked). */
export function subjectAccessReview(authorizer: Authorizer, spec: AccessReviewSpec): Promise<AccessReviewStatus> {
  const user: UserInfo = { username: spec.user ?? '', groups: spec.groups ?? [], ...(spec.uid ? { uid: spec.uid } : {}), ...(spec.extra ? { extra: spec.extra } : {}) };
  return evaluate(authorizer, reviewAttributes(user, spec));
}

export interface SubjectRulesReviewStatus {
  resourceRules: Array<{ verbs: string[]; apiGroups?: string[]; resources?: string[]; resourceNames?: string[] }>;
  nonResourceRules: Array<{ verbs: string[]; nonResourceURLs?: string[] }>;
  incomplete: boolean;
  evaluationError?: string;
}

/** Rules RBAC grants the user in namespace (system:masters shows through its cluster-admin binding). */
export function selfSubjectRulesReview(rbac: Pick<RBACAuthorizer, 'rulesFor'>, user: UserInfo, namespace: string): SubjectRulesReviewStatus {
  const rules: PolicyRule[] = rbac.rulesFor(user, namespace);
  const status: SubjectRulesReviewStatus = { resourceRules: [], nonResourceRules: [], incomplete: false };
  for (const r of rules) {
    if (r.resources?.length) {
      status.resourceRules.push({ verbs: r.verbs, apiGroups: r.apiGroups ?? [], resources: r.resources, ...(r.resourceNames?.length ? { resourceNames: r.resourceNames } : {}) });
    }
    if (r.nonResourceURLs?.length) status.nonResourceRules.push({ verbs: r.verbs, nonResourceURLs: r.nonResourceURLs });
  }
  return status;
}

/**
 * The `authorize` dependency of the review handler (special-handlers.ts): it passes the
 * requesting user and either resourceAttributes or nonResourceAttributes.
 */
export function reviewAuthorize(authorizer: Authorizer): (user: UserInfo, attrs: Record<string, unknown>) => Promise<{ allowed: boolean; reason?: string }> {
  return async (user, attrs) => {
    const spec: AccessReviewSpec = 'path' in attrs && !('resource' in attrs) ? { nonResourceAttributes: attrs as NonResourceAttributes } : { resourceAttributes: attrs as ResourceAttributes };
    const s = await selfSubjectAccessReview(authorizer, user, spec);
    return { allowed: s.allowed, ...(s.reason ? { reason: s.reason } : {}) };
  };
}
