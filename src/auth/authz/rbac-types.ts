// The rbac.authorization.k8s.io/v1 shapes the authorizer reads (only the fields it needs).
import type { KubeObject } from '../../api/object.js';

export const RBAC_GROUP = 'rbac.authorization.k8s.io';

export interface PolicyRule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

export interface Subject {
  kind: 'User' | 'Group' | 'ServiceAccount' | string;
  name: string;
  namespace?: string;
  apiGroup?: string;
}

export interface RoleRef {
  apiGroup: string;
  kind: 'Role' | 'ClusterRole' | string;
  name: string;
}

export interface AggregationRule {
  clusterRoleSelectors?: Array<{ matchLabels?: Record<string, string>; matchExpressions?: Array<{ key: string; operator: string; values?: string[] }> }>;
}

export interface RoleObject extends KubeObject {
  rules?: PolicyRule[] | null;
  aggregationRule?: AggregationRule;
}

export interface BindingObject extends KubeObject {
  subjects?: Subject[] | null;
  roleRef: RoleRef;
}

/** Where the authorizer reads policy from: an informer-backed index in the server, a map in tests. */
export interface RoleSource {
  role(namespace: string, name: string): RoleObject | undefined;
  clusterRole(name: string): RoleObject | undefined;
  roleBindings(namespace: string): Iterable<BindingObject>;
  clusterRoleBindings(): Iterable<BindingObject>;
}

export const SERVICE_ACCOUNT_PREFIX = 'system:serviceaccount:';

/** "system:serviceaccount:ns:name" → {namespace, name}; undefined for other users. */
export function splitServiceAccountUsername(username: string): { namespace: string; name: string } | undefined {
  if (!username.startsWith(SERVICE_ACCOUNT_PREFIX)) return undefined;
  const rest = username.slice(SERVICE_ACCOUNT_PREFIX.length);
  const i = rest.indexOf(':');
  if (i <= 0 || i === rest.length - 1 || rest.indexOf(':', i + 1) >= 0) return undefined;
  return { namespace: rest.slice(0, i), name: rest.slice(i + 1) };
}
