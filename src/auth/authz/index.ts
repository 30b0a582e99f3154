// Authorization for the API server (issue 7): the authorizer chain (system:masters, Node,
// RBAC; deny by default), RBAC escalation prevention as a validating admission plugin, the
// default RBAC policy and its reconciliation, and the access-review evaluators. It decides
// and, for the default policy only, writes ClusterRoles/ClusterRoleBindings; it never touches
// the request path itself — the server calls `authorizer.authorize` and throws `forbiddenError`.
import type { SharedInformerFactory } from '../../client/informer-types.js';
import type { AdmissionPlugin, Authorizer, UserInfo } from '../types.js';
import { UnionAuthorizer } from './chain.js';
import { rbacEscalationPlugin } from './escalation.js';
import { nodeGraphFromInformers, rbacIndexFromInformers } from './informer-source.js';
import { NodeAuthorizer } from './node-authorizer.js';
import type { RBACPolicyIndex } from './policy-index.js';
import { RBACAuthorizer } from './rbac-authorizer.js';
import { reviewAuthorize, selfSubjectRulesReview, type SubjectRulesReviewStatus } from './reviews.js';

export * from './rbac-types.js';
export * from './rule-match.js';
export * from './policy-index.js';
export * from './rbac-authorizer.js';
export * from './chain.js';
export * from './escalation.js';
export * from './node-authorizer.js';
export * from './pod-references.js';
export * from './reviews.js';
export * from './bootstrap-policy.js';
export * from './reconcile-defaults.js';
export * from './informer-source.js';
export * from './attributes.js';
export * from './escalation-hooks.js';
export * from './controller-identities.js';

export interface Authorization {
  /** system:masters → Node → RBAC; anything but "allow" is refused by authorizeOrThrow. */
  authorizer: Authorizer;
  rbac: RBACAuthorizer;
  node: NodeAuthorizer;
  index: RBACPolicyIndex;
  /** Validating admission plugin "RBACEscalation" for roles and bindings. */
  escalation: AdmissionPlugin;
  /** For reviewHandler's `authorize` dependency. */
  reviewAuthorize: (user: UserInfo, attrs: Record<string, unknown>) => Promise<{ allowed: boolean; reason?: string }>;
  rulesReview: (user: UserInfo, namespace: string) => SubjectRulesReviewStatus;
}

/**
 * Builds the whole authorization stack on informers (RBAC objects, pods, PVCs). Start the
 * factory and wait for its sync before serving non-privileged requests.
 */
export function createAuthorization(informers: SharedInformerFactory): Authorization {
  const index = rbacIndexFromInformers(informers);
  const rbac = new RBACAuthorizer(index);
  const node = new NodeAuthorizer(nodeGraphFromInformers(informers));
  const authorizer = new UnionAuthorizer([node, rbac]);
  return {
    authorizer,
    rbac,
    node,
    index,
    escalation: rbacEscalationPlugin({ authorizer, rbac }),
    reviewAuthorize: reviewAuthorize(authorizer),
    rulesReview: (user, namespace) => selfSubjectRulesReview(rbac, user, namespace),
  };
}
