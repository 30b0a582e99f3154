// The authorizer chain: system:masters first (upstream's privileged-group authorizer), then the
// given authorizers in order; the first allow or deny wins. Like upstream's union authorizer it
// reports "no opinion" when nobody decides, and authorizeOrThrow refuses anything not allowed
// (deny by default); reviews then show allowed=false without denied=true, as upstream.
// Also the 403 every denied request gets, worded as upstream's responsewriters.Forbidden.
import { errors, qualifiedResource, type StatusError } from '../../api/errors.js';
import type { AuthorizationAttributes, Authorizer, Decision } from '../types.js';

export const SYSTEM_PRIVILEGED_GROUP = 'system:masters';

export class PrivilegedGroupAuthorizer implements Authorizer {
  constructor(private readonly groups: readonly string[] = [SYSTEM_PRIVILEGED_GROUP]) {}
  async authorize(a: AuthorizationAttributes): Promise<{ decision: Decision; reason: string }> {
    for (const g of a.user.groups) if (this.groups.includes(g)) return { decision: 'allow', reason: '' };
    return { decision: 'noOpinion', reason: '' };
  }
}

export class UnionAuthorizer implements Authorizer {
  private readonly chain: Authorizer[];
  constructor(authorizers: Authorizer[], opts: { privilegedGroups?: string[] } = {}) {
    this.chain = [new PrivilegedGroupAuthorizer(opts.privilegedGroups), ...authorizers];
  }
  async authorize(a: AuthorizationAttributes): Promise<{ decision: Decision; reason: string }> {
    const reasons: string[] = [];
    for (const z of this.chain) {
      const d = await z.authorize(a);
      if (d.decision !== 'noOpinion') return d;
      if (d.reason) reasons.push(d.reason);
    }
    return { decision: 'noOpinion', reason: reasons.join('\n') };
  }
}

/** Upstream's forbiddenMessage: what the user could not do, without the resource prefix. */
export function forbiddenMessage(a: AuthorizationAttributes): string {
  const user = a.user.username;
  if (!a.isResourceRequest) return `User "${user}" cannot ${a.verb} path "${a.path}"`;
  const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  if (a.namespace) return `User "${user}" cannot ${a.verb} resource "${resource}" in API group "${a.apiGroup}" in the namespace "${a.namespace}"`;
  return `User "${user}" cannot ${a.verb} resource "${resource}" in API group "${a.apiGroup}" at the cluster scope`;
}

/** The 403 for a denied request, e.g. `pods is forbidden: User "bob" cannot list resource ...`. */
export function forbiddenError(a: AuthorizationAttributes, reason = ''): StatusError {
  let msg = forbiddenMessage(a);
  if (reason) msg += `: ${reason}`;
  const gr = a.isResourceRequest ? qualifiedResource(a.resource, a.apiGroup) : '';
  const prefix = !gr ? 'forbidden' : a.name ? `${gr} "${a.name}" is forbidden` : `${gr} is forbidden`;
  return errors.forbidden(`${prefix}: ${msg}`, { name: a.name || undefined, group: a.apiGroup || undefined, kind: a.resource || undefined });
}

/** Runs the chain and throws the 403 unless allowed. */
export async function authorizeOrThrow(authorizer: Authorizer, a: AuthorizationAttributes): Promise<void> {
  const d = await authorizer.authorize(a);
  if (d.decision !== 'allow') throw forbiddenError(a, d.reason);
}
