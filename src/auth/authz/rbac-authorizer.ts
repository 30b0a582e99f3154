// RBAC authorization: allow when some binding naming the user grants a matching rule; otherwise
// no opinion (the chain turns that into a deny). Reads policy from a RoleSource; writes nothing.
import type { AuthorizationAttributes, Authorizer, Decision, UserInfo } from '../types.js';
import { subjectFor, type MatchedBinding, type RBACPolicyIndex } from './policy-index.js';
import type { BindingObject, PolicyRule, RoleSource, Subject } from './rbac-types.js';
import { rulesAllow } from './rule-match.js';

type IndexedSource = RoleSource & Pick<RBACPolicyIndex, 'bindingsFor'>;

function isIndexed(s: RoleSource): s is IndexedSource {
  return typeof (s as Partial<IndexedSource>).bindingsFor === 'function';
}

/** Upstream's describeSubject: ServiceAccounts as "name/namespace". */
export function describeSubject(s: Subject, bindingNamespace: string): string {
  if (s.kind === 'ServiceAccount') return `${s.kind} "${s.name}/${s.namespace || bindingNamespace}"`;
  return `${s.kind} "${s.name}"`;
}

/** The text after "RBAC: allowed by ", as upstream's binding describers print it. */
export function describeBinding(b: BindingObject, s: Subject): string {
  const ns = b.metadata.namespace ?? '';
  const of = `of ${b.roleRef.kind} "${b.roleRef.name}" to ${describeSubject(s, ns)}`;
  return ns ? `RoleBinding "${b.metadata.name}/${ns}" ${of}` : `ClusterRoleBinding "${b.metadata.name}" ${of}`;
}

export class RBACAuthorizer implements Authorizer {
  constructor(private readonly source: RoleSource) {}

  /** The rules a binding grants (undefined if its role is missing); a ClusterRoleBinding may only reference a ClusterRole. */
  rulesOf(b: BindingObject): readonly PolicyRule[] | undefined {
    const ns = b.metadata.namespace ?? '';
    const ref = b.roleRef;
    const role = ref.kind === 'ClusterRole' ? this.source.clusterRole(ref.name) : ref.kind === 'Role' && ns ? this.source.role(ns, ref.name) : undefined;
    return role ? role.rules ?? [] : undefined;
  }

  /** Bindings naming the user: cluster-wide ones, then the namespace's. */
  bindingsFor(user: UserInfo, namespace: string): MatchedBinding[] {
    if (isIndexed(this.source)) return this.source.bindingsFor(user, namespace);
    const out: MatchedBinding[] = [];
    const scan = (bs: Iterable<BindingObject>) => {
      for (const b of bs) {
        const s = subjectFor(user, b.subjects, b.metadata.namespace ?? '');
        if (s) out.push({ binding: b, subject: s });
      }
    };
    scan(this.source.clusterRoleBindings());
    if (namespace) scan(this.source.roleBindings(namespace));
    return out;
  }

  async authorize(a: AuthorizationAttributes): Promise<{ decision: Decision; reason: string }> {
    return this.authorizeSync(a);
  }

  authorizeSync(a: AuthorizationAttributes): { decision: Decision; reason: string } {
    for (const mb of this.bindingsFor(a.user, a.namespace)) {
      if (rulesAllow(a, this.rulesOf(mb.binding))) return { decision: 'allow', reason: `RBAC: allowed by ${describeBinding(mb.binding, mb.subject)}` };
    }
    return { decision: 'noOpinion', reason: '' };
  }

  /** Every rule the user holds in namespace (cluster-wide grants included): upstream's RulesFor. */
  rulesFor(user: UserInfo, namespace: string): PolicyRule[] {
    const out: PolicyRule[] = [];
    for (const mb of this.bindingsFor(user, namespace)) {
      const rules = this.rulesOf(mb.binding);
      if (rules) out.push(...rules);
    }
    return out;
  }
}
