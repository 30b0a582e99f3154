// AuthorizationAttributes from the server's RequestInfo, with upstream's two adjustments: a
// namespace is its own namespace (so a RoleBinding to `admin` lets one read it), and a
// list/watch selecting one name by fieldSelector is authorized for that name.
import type { RequestInfo } from '../../apiserver/request-info.js';
import type { AuthorizationAttributes, UserInfo } from '../types.js';

export function attributesFor(user: UserInfo, ri: RequestInfo, query?: URLSearchParams): AuthorizationAttributes {
  let { namespace, name } = ri;
  if (ri.isResourceRequest && ri.resource === 'namespaces' && name && !namespace) namespace = name;
  if (ri.isResourceRequest && !name && (ri.verb === 'list' || ri.verb === 'watch') && query) {
    const one = singleNameFromFieldSelector(query.get('fieldSelector'));
    if (one) name = one;
  }
  return {
    user,
    verb: ri.verb,
    isResourceRequest: ri.isResourceRequest,
    apiGroup: ri.group,
    apiVersion: ri.version,
    resource: ri.resource,
    subresource: ri.subresource,
    namespace,
    name,
    path: ri.path,
  };
}

/** "metadata.name=x" (alone, or `==`) → "x". */
export function singleNameFromFieldSelector(sel: string | null): string | undefined {
  if (!sel) return undefined;
  const m = /^metadata\.name==?([^,=!]+)$/.exec(sel.trim());
  return m ? m[1] : undefined;
}
